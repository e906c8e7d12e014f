/**
 * The normalized records every reader (ftrace text, trace-cmd report text,
 * JSON Lines, later trace.dat) produces, and that every later stage consumes.
 *
 * @module
 */

/** One trace event: one line of `trace` output, with its stack if any. */
export interface TraceEvent {
  /** Record discriminator. */
  readonly type: "event";
  /** 1-based line number in the input the event was read from. */
  readonly line: number;
  /** Task name as printed (may hold spaces, `-` and `/`; `<...>` when unknown). */
  readonly comm: string;
  /** Thread id (the kernel's `pid`). */
  readonly pid: number;
  /**
   * Thread-group id: a number with `options/record-tgid`, `null` when the
   * kernel printed `(-------)`, `undefined` when the column is absent.
   */
  readonly tgid: number | null | undefined;
  /** CPU the event was recorded on. */
  readonly cpu: number;
  /** The raw irq-info flag column (`d..1.`), `undefined` when absent. */
  readonly flags: string | undefined;
  /**
   * Timestamp as an integer: nanoseconds for `local`/`global`/`mono`-style
   * clocks, raw ticks for counter clocks (see {@link TimeUnit}).
   */
  readonly ts: bigint;
  /** Event name (`kvm_entry`, `sched_waking`, …). */
  readonly name: string;
  /** The field text after `name: `, exactly as printed (leading padding removed). */
  readonly fields: string;
  /**
   * Stack frames attached to this event from a following `<stack trace>`
   * (ftrace) or `kernel_stack` (trace-cmd) record, innermost first, each as
   * printed after `=> ` (trace-cmd's ` (address)` suffix removed).
   */
  stack: string[] | undefined;
}

/** `CPU:N [LOST M EVENTS]`: the ring buffer overwrote or dropped events. */
export interface LostEventsMarker {
  /** Record discriminator. */
  readonly type: "lost";
  /** 1-based line number of the marker. */
  readonly line: number;
  /** CPU whose buffer lost events. */
  readonly cpu: number;
  /** How many were lost, `null` when the marker does not say. */
  readonly count: number | null;
}

/** `##### CPU N buffer started ####`: events before this on CPU N were overwritten. */
export interface BufferStartedMarker {
  /** Record discriminator. */
  readonly type: "buffer-started";
  /** 1-based line number of the marker. */
  readonly line: number;
  /** CPU whose buffer starts here. */
  readonly cpu: number;
}

/** Any record a reader yields. */
export type TraceRecord = TraceEvent | LostEventsMarker | BufferStartedMarker;

/** Unit of {@link TraceEvent.ts}: nanoseconds, or ticks of a counter clock. */
export type TimeUnit = "ns" | "ticks";

/** The input formats kvmreq can read. */
export type InputFormat = "ftrace" | "trace-pipe" | "report" | "jsonl" | "dat";

/** All input format names, for option parsing and messages. */
export const INPUT_FORMATS: readonly InputFormat[] = [
  "ftrace",
  "trace-pipe",
  "report",
  "jsonl",
  "dat",
];
