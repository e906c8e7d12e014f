/**
 * Writes trace lines in the kernel's ftrace text layout, for tests that build
 * traces in memory (and the scripts that wrote the fixtures under
 * `fixtures/rules/`): `%16s-%-7d [%03d] <flags> %5d.%06d: <event>: <fields>`.
 *
 * @module
 */

import { ftraceHeaderLines } from "../../src/events/ftrace_header.ts";

/** A thread as ftrace names it: `comm-pid`. */
export interface Thread {
  /** Task name, at most 15 characters (TASK_COMM_LEN - 1). */
  readonly comm: string;
  /** Thread id. */
  readonly pid: number;
}

/** One event line, before formatting. */
export interface LineSpec {
  /** Who emitted it. */
  readonly thread: Thread;
  /** CPU whose ring buffer holds it. */
  readonly cpu: number;
  /** The 5-character flag column (`d..1.`). */
  readonly flags: string;
  /** Timestamp in microseconds since boot. */
  readonly us: number;
  /** Event name. */
  readonly event: string;
  /** Field text. */
  readonly fields: string;
}

/** `5123.400010` for 5123400010 µs, seconds right-aligned in 5 columns as the kernel prints them. */
export function formatMicros(us: number): string {
  const s = Math.floor(us / 1_000_000);
  const frac = us - s * 1_000_000;
  return `${String(s).padStart(5, " ")}.${String(frac).padStart(6, "0")}`;
}

/** One event line in the ftrace layout. */
export function ftraceLine(l: LineSpec): string {
  const who = `${l.thread.comm.padStart(16, " ")}-${String(l.thread.pid).padEnd(7, " ")}`;
  const cpu = String(l.cpu).padStart(3, "0");
  return `${who} [${cpu}] ${l.flags} ${formatMicros(l.us)}: ${l.event}: ${l.fields}`;
}

/**
 * The header `trace` prints with the nop tracer, with `notes` as extra `#`
 * lines after the tracer line (fixtures describe their scenario there).
 */
export function ftraceHeader(
  entries: number,
  cpus: number,
  notes: readonly string[] = [],
): string[] {
  return ftraceHeaderLines(entries, cpus, notes);
}
