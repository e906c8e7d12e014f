/**
 * Counters specific to reading a trace.dat, kept beside the common
 * {@link ReadStats}: what the file is, what was skipped, and what could not
 * be printed exactly as `trace-cmd report` would.
 *
 * @module
 */

import type { Fallback } from "./record_decoder.ts";

/** trace.dat reading counters. */
export interface DatStats {
  /** File version (6 or 7), once known. */
  version: number | undefined;
  /** Compression algorithm (`none` for v6 and uncompressed v7). */
  compression: string | undefined;
  /** Numbers are big-endian. */
  bigEndian: boolean;
  /** `long` size of the traced kernel. */
  kernelLongSize: number;
  /** Ring-buffer page size. */
  pageSize: number;
  /** Trace clock of the buffer read. */
  clock: string | undefined;
  /** All buffers in the file (`""` is the top one). */
  buffers: string[];
  /** The buffer read. */
  buffer: string | undefined;
  /** CPUs with data in the buffer read. */
  cpus: number;
  /** Ring-buffer pages decoded. */
  pages: number;
  /** Data records decoded (events and stacks). */
  records: number;
  /** Records whose event id has no format in the file (skipped). */
  unknownEventRecords: number;
  /** Those records by event id. */
  readonly unknownEventIds: Map<number, number>;
  /**
   * Event format descriptions that could not be read (their events are
   * unknown): those without a name or id, and those whose fields could not
   * be read among the formats parsed (formats are parsed when their event
   * first appears, and from the lowest id up to find the common fields).
   */
  badFormats: number;
  /** Events printed as `[FAILED TO PARSE]` raw fields, by `system:name`. */
  readonly fallbacks: Map<string, Fallback>;
  /** Options skipped because unknown, by id. */
  readonly unknownOptions: Map<number, number>;
  /** Known options not applied (TIME_SHIFT guest correction), by id. */
  readonly ignoredOptions: Map<number, number>;
  /** kernel_stack records attached to their event. */
  attachedStacks: number;
  /** kernel_stack records dropped with their filtered-out event. */
  droppedStacks: number;
  /** Event texts that spanned several lines and were cut at the first (as the text reader would). */
  multiLineFields: number;
  /** Earliest timestamp of the events delivered. */
  firstTs: bigint | undefined;
  /** Latest timestamp of the events delivered. */
  lastTs: bigint | undefined;
}

/** Empty counters. */
export function createDatStats(): DatStats {
  return {
    version: undefined,
    compression: undefined,
    bigEndian: false,
    kernelLongSize: 0,
    pageSize: 0,
    clock: undefined,
    buffers: [],
    buffer: undefined,
    cpus: 0,
    pages: 0,
    records: 0,
    unknownEventRecords: 0,
    unknownEventIds: new Map(),
    badFormats: 0,
    fallbacks: new Map(),
    unknownOptions: new Map(),
    ignoredOptions: new Map(),
    attachedStacks: 0,
    droppedStacks: 0,
    multiLineFields: 0,
    firstTs: undefined,
    lastTs: undefined,
  };
}
