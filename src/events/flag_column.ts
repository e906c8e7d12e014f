/**
 * The irq-info flag column ftrace prints before the timestamp (`d..1.`),
 * decoded as kernel/trace/trace_output.c (trace_print_lat_fmt) writes it:
 *
 * 1. irqs-off: `d` irqs off, `D` irqs and BH off, `b` BH off, `X` no
 *    irq-flags support, `.` on;
 * 2. need-resched: `N` (TIF_NEED_RESCHED and PREEMPT_NEED_RESCHED), `n`,
 *    `p`, and on lazy-preemption kernels `L`, `l`, `B`, `b`; `.` none;
 * 3. hard/soft irq: `Z` NMI in hardirq, `z` NMI, `H` hardirq in softirq,
 *    `h` hardirq, `s` softirq, `.` task context;
 * 4. preempt depth: hex digit or `.`;
 * 5. (newer kernels) migrate-disable depth: hex digit or `.`.
 *
 * @module
 */

/** The decoded flag column. */
export interface IrqInfo {
  /** Interrupts were disabled (`d` or `D`). */
  readonly irqsOff: boolean;
  /** Bottom halves were disabled (`D` or `b`). */
  readonly bhOff: boolean;
  /** The need-resched character as printed (`.` when none). */
  readonly needResched: string;
  /** In hard interrupt context. */
  readonly hardirq: boolean;
  /** In soft interrupt context. */
  readonly softirq: boolean;
  /** In NMI context. */
  readonly nmi: boolean;
  /** Preemption depth (0 when `.`). */
  readonly preemptDepth: number;
  /** Migrate-disable depth, `undefined` on 4-character columns. */
  readonly migrateDisable: number | undefined;
}

function hexDigit(c: string | undefined): number {
  if (c === undefined || c === ".") return 0;
  const v = parseInt(c, 16);
  return Number.isNaN(v) ? 0 : v;
}

/**
 * Decodes a flag column; `undefined` when it is not 4 or 5 characters of the
 * kernel's alphabet.
 *
 * @example
 * ```ts
 * import { decodeFlagColumn } from "./flag_column.ts";
 * const f = decodeFlagColumn("d..1.");
 * if (!f?.irqsOff || f.preemptDepth !== 1) throw new Error();
 * ```
 */
export function decodeFlagColumn(column: string): IrqInfo | undefined {
  if (column.length !== 4 && column.length !== 5) return undefined;
  const [a, b, c, d, e] = column;
  if (!"dDbX.".includes(a) || !"NnpLlBb.".includes(b) || !"ZzHhs.".includes(c)) return undefined;
  if (!/^[0-9a-f.]$/.test(d) || (e !== undefined && !/^[0-9a-f.]$/.test(e))) return undefined;
  return {
    irqsOff: a === "d" || a === "D",
    bhOff: a === "D" || a === "b",
    needResched: b,
    hardirq: c === "h" || c === "H" || c === "Z",
    softirq: c === "s" || c === "H",
    nmi: c === "z" || c === "Z",
    preemptDepth: hexDigit(d),
    migrateDisable: e === undefined ? undefined : hexDigit(e),
  };
}
