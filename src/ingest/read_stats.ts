/**
 * Counters a reader keeps while it reads: every input line lands in exactly
 * one bucket, so `lines === events + stackLines + headerLines + markerLines +
 * skippedLines` always holds (checked by the property tests).
 *
 * @module
 */

import type { KernelHint } from "../kernels/kernel_hint.ts";
import type { InputFormat, TimeUnit } from "../events/types.ts";
import type { SkipReason } from "./skip_reasons.ts";

/** How many example line numbers are kept per skip reason. */
export const SKIP_EXAMPLES_KEPT = 10;

/** Skipped lines of one reason: how many, and the first few line numbers. */
export interface SkipCount {
  /** Lines skipped for this reason. */
  count: number;
  /** The first {@link SKIP_EXAMPLES_KEPT} line numbers. */
  readonly lines: number[];
}

/** Counters for one input. */
export interface ReadStats {
  /** Input name as given. */
  readonly file: string;
  /** Detected (or forced) input format, once known. */
  format: InputFormat | undefined;
  /** Whether the format was forced with `--input-format`. */
  formatForced: boolean;
  /** Unit of event timestamps, once the first event is seen. */
  timeUnit: TimeUnit | undefined;
  /** Bytes read. */
  bytes: number;
  /** Lines read (a final line without newline counts). */
  lines: number;
  /** Event lines (including events a filter did not keep). */
  events: number;
  /** `<stack trace>` / `kernel_stack` lines and their `=> frame` lines. */
  stackLines: number;
  /** Header (`#`, `cpus=N`) and blank lines. */
  headerLines: number;
  /** Lost-events and buffer-started marker lines. */
  markerLines: number;
  /** Lines skipped, over all reasons. */
  skippedLines: number;
  /** Skipped lines by reason. */
  readonly skipped: Map<SkipReason, SkipCount>;
  /** Events per event name. */
  readonly eventsByName: Map<string, number>;
  /** Events per CPU. */
  readonly eventsByCpu: Map<number, number>;
  /** Events lost per CPU, summed from markers (`null` counts add nothing). */
  readonly lostByCpu: Map<number, number>;
  /** Lost-event markers that gave no count, per CPU. */
  readonly lostMarkersWithoutCount: Map<number, number>;
  /** Events whose timestamp is earlier than an event before them. */
  outOfOrder: number;
  /** Line of the first out-of-order event, 0 when none. */
  firstOutOfOrderLine: number;
  /** Stack traces that had no event to attach to and stand alone. */
  unattachedStacks: number;
  /**
   * The first non-blank line of a text input (at most {@link FIRST_LINE_CHARS}
   * characters, as read), `""` when there is none: what an input with no
   * events is described by.
   */
  firstLine: string;
  /**
   * What the input says about its kernel (a trace.dat's uname option, a text
   * trace's `# kernel:` header line), once read; `undefined` when it says nothing.
   */
  kernel: KernelHint | undefined;
  /**
   * Parts of a binary input that could not be read and were skipped
   * (trace.dat pages and compressed chunks; their events are missing), with
   * the first {@link DAMAGE_EXAMPLES_KEPT} described (`trace.dat: bad commit
   * size 5000 in flyrecord page at offset 0x2000 (cpu 0)`).
   */
  readonly damaged: { count: number; readonly examples: string[] };
}

/** Damaged parts described in {@link ReadStats.damaged}. */
export const DAMAGE_EXAMPLES_KEPT = 5;

/** Characters of the first line kept in {@link ReadStats.firstLine}. */
export const FIRST_LINE_CHARS = 60;

/** Creates empty counters for the input named `file`. */
export function createReadStats(file: string): ReadStats {
  return {
    file,
    format: undefined,
    formatForced: false,
    timeUnit: undefined,
    bytes: 0,
    lines: 0,
    events: 0,
    stackLines: 0,
    headerLines: 0,
    markerLines: 0,
    skippedLines: 0,
    skipped: new Map(),
    eventsByName: new Map(),
    eventsByCpu: new Map(),
    lostByCpu: new Map(),
    lostMarkersWithoutCount: new Map(),
    outOfOrder: 0,
    firstOutOfOrderLine: 0,
    unattachedStacks: 0,
    firstLine: "",
    kernel: undefined,
    damaged: { count: 0, examples: [] },
  };
}

/** Counts one skipped line under `reason`. */
export function countSkip(stats: ReadStats, reason: SkipReason, line: number): void {
  stats.skippedLines++;
  let entry = stats.skipped.get(reason);
  if (entry === undefined) {
    entry = { count: 0, lines: [] };
    stats.skipped.set(reason, entry);
  }
  entry.count++;
  if (entry.lines.length < SKIP_EXAMPLES_KEPT) entry.lines.push(line);
}

/** Adds `n` to the counter for `key` in `map`. */
export function addCount<K>(map: Map<K, number>, key: K, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}
