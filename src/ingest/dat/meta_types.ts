/**
 * What the reader learns from a trace.dat before its event data: file
 * layout, event formats, symbols, task names, options and the buffers with
 * their per-CPU data.
 *
 * @module
 */

import type { Decompressor } from "./compression.ts";
import type { FormatSource } from "./event_format.ts";

/** Where one CPU's ring-buffer pages are in the file. */
export interface CpuData {
  /** CPU number. */
  readonly cpu: number;
  /** Absolute file offset of the data. */
  readonly offset: number;
  /** Size of the data in the file (compressed size when compressed). */
  readonly size: number;
}

/** One trace buffer: the top instance (`""`) or a named one. */
export interface BufferInfo {
  /** Instance name, `""` for the top buffer. */
  readonly name: string;
  /** Trace clock of the buffer, when recorded. */
  clock: string | undefined;
  /** Ring-buffer page size. */
  pageSize: number;
  /** Per-CPU data, in file order. */
  cpus: CpuData[];
  /** Whether the CPU data is compressed (v7). */
  compressed: boolean;
  /** Latency (text) buffer, which this reader does not decode. */
  readonly latency: boolean;
  /** File offset of the buffer's description (v6 instances, v7 sections). */
  readonly offset: number;
}

/** Converting TSC counts to nanoseconds (TSC2NSEC option). */
export interface Tsc2Nsec {
  /** Multiplier. */
  readonly mult: number;
  /** Shift. */
  readonly shift: number;
  /** Offset, kept for reference (trace-cmd does not apply it when reading). */
  readonly offset: bigint;
}

/** Everything but the event data. */
export interface DatMeta {
  /** File version (6 or 7). */
  version: number;
  /** Numbers are big-endian. */
  bigEndian: boolean;
  /** `long` size in the file header (user space). */
  longSize: number;
  /** `long` size of the kernel (page header `commit` field). */
  kernelLong: number;
  /** Page size from the file header. */
  pageSize: number;
  /** Compression algorithm (`none` when uncompressed). */
  compression: string;
  /** Its decompressor. */
  decompress: Decompressor | undefined;
  /** Event formats, with only name and id read so far. */
  readonly formats: FormatSource[];
  /** Event format descriptions whose name or id could not be read. */
  badFormats: number;
  /** kallsyms text, as bytes. */
  kallsyms: Uint8Array;
  /** printk_formats text. */
  printk: string;
  /** saved_cmdlines text. */
  cmdlines: string;
  /** Buffers, the top one first. */
  readonly buffers: BufferInfo[];
  /** Number of CPUs of the traced system. */
  cpuCount: number;
  /** Trace clock of the top buffer. */
  clock: string | undefined;
  /** The UNAME option's text (`Linux vm 6.18.44-fc-v657 x86_64`), when recorded. */
  uname: string | undefined;
  /** Nanoseconds added to every timestamp (DATE and OFFSET options). */
  tsOffset: bigint;
  /** TSC conversion, when recorded. */
  tsc2nsec: Tsc2Nsec | undefined;
  /** Options this reader skipped because it does not know them, by id. */
  readonly unknownOptions: Map<number, number>;
  /** Known options whose effect this reader does not apply (TIME_SHIFT, …), by id. */
  readonly ignoredOptions: Map<number, number>;
  /** Sections skipped (unknown ids). */
  skippedSections: number;
}

/** An empty {@link DatMeta}. */
export function emptyMeta(): DatMeta {
  return {
    version: 0,
    bigEndian: false,
    longSize: 8,
    kernelLong: 8,
    pageSize: 4096,
    compression: "none",
    decompress: undefined,
    formats: [],
    badFormats: 0,
    kallsyms: new Uint8Array(0),
    printk: "",
    cmdlines: "",
    buffers: [],
    cpuCount: 0,
    clock: undefined,
    uname: undefined,
    tsOffset: 0n,
    tsc2nsec: undefined,
    unknownOptions: new Map(),
    ignoredOptions: new Map(),
    skippedSections: 0,
  };
}

/** Option ids of trace.dat (trace-cmd's `TRACECMD_OPTION_*`). */
export const Opt = {
  DONE: 0,
  DATE: 1,
  CPUSTAT: 2,
  BUFFER: 3,
  TRACECLOCK: 4,
  UNAME: 5,
  HOOK: 6,
  OFFSET: 7,
  CPUCOUNT: 8,
  VERSION: 9,
  PROCMAPS: 10,
  TRACEID: 11,
  TIME_SHIFT: 12,
  GUEST: 13,
  TSC2NSEC: 14,
  STRINGS: 15,
  HEADER_INFO: 16,
  FTRACE_EVENTS: 17,
  EVENT_FORMATS: 18,
  KALLSYMS: 19,
  PRINTK: 20,
  CMDLINES: 21,
  BUFFER_TEXT: 22,
} as const;
