/**
 * The header `/sys/kernel/tracing/trace` prints with the nop tracer and
 * irq-info on, for traces kvmreq writes itself (simulate, explore, test
 * fixtures), so they read exactly like the kernel's.
 *
 * @module
 */

/** The column legend under the entry counts. */
const COLUMN_LEGEND = [
  "#                                _-----=> irqs-off/BH-disabled",
  "#                               / _----=> need-resched",
  "#                              | / _---=> hardirq/softirq",
  "#                              || / _--=> preempt-depth",
  "#                              ||| / _-=> migrate-disable",
  "#                              |||| /     delay",
  "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
  "#              | |         |   |||||     |         |",
];

/**
 * The header lines for `entries` events on `cpus` CPUs, with `notes` as extra
 * `#` lines after the tracer line (fixtures describe their scenario there).
 *
 * @example
 * ```ts
 * import { ftraceHeaderLines } from "./ftrace_header.ts";
 * const lines = ftraceHeaderLines(5, 2);
 * if (lines[0] !== "# tracer: nop" || lines.length !== 12) throw new Error();
 * ```
 */
export function ftraceHeaderLines(
  entries: number,
  cpus: number,
  notes: readonly string[] = [],
): string[] {
  return [
    "# tracer: nop",
    "#",
    ...notes.map((n) => (n === "" ? "#" : `# ${n}`)),
    ...(notes.length > 0 ? ["#"] : []),
    `# entries-in-buffer/entries-written: ${entries}/${entries}   #P:${cpus}`,
    "#",
    ...COLUMN_LEGEND,
  ];
}
