/**
 * Timestamps as ftrace prints them: `secs.usecs` (or more fraction digits
 * from trace-cmd) for nanosecond clocks and a bare integer for counter
 * clocks. The readers turn them into exact `bigint`s (record_builder.ts);
 * this module prints them back.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";

/** Formats a timestamp the way ftrace prints it: `secs.usecs`, or the bare tick count. */
export function formatTimestamp(ts: bigint, unit: TimeUnit): string {
  if (unit === "ticks") return ts.toString();
  const sec = ts / 1_000_000_000n;
  const ns = ts % 1_000_000_000n;
  const frac = ns.toString().padStart(9, "0");
  // Keep nanoseconds only when they are not whole microseconds.
  return `${sec}.${frac.endsWith("000") ? frac.slice(0, 6) : frac}`;
}
