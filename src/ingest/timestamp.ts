/**
 * Exact timestamps: ftrace prints `secs.usecs` (or more fraction digits from
 * trace-cmd) for nanosecond clocks and a bare integer for counter clocks.
 * Both become a `bigint`, never a float, so no rounding happens at any uptime.
 *
 * @module
 */

import { CH, decodeBytes } from "./ascii.ts";
import type { TimeUnit } from "../events/types.ts";

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1e9];

/** The unit a timestamp text implies: a `.` means nanoseconds, none means ticks. */
export function timestampUnit(buf: Uint8Array, start: number, end: number): TimeUnit {
  const dot = buf.indexOf(CH.DOT, start);
  return dot >= 0 && dot < end ? "ns" : "ticks";
}

/**
 * Parses `buf[start, end)` (digits, optionally `.` and up to 9 fraction
 * digits; more are truncated) into integer nanoseconds, or into raw ticks
 * when there is no fraction. The caller has checked the characters.
 */
export function parseTimestamp(buf: Uint8Array, start: number, end: number): bigint {
  let i = start;
  let sec = 0;
  while (i < end && buf[i] !== CH.DOT) i++;
  const intEnd = i;
  if (intEnd - start > 15) {
    // More digits than a double holds exactly: let BigInt read them.
    const whole = BigInt(decodeBytes(buf, start, intEnd));
    return intEnd === end
      ? whole
      : whole * 1_000_000_000n + BigInt(fractionNs(buf, intEnd + 1, end));
  }
  for (let j = start; j < intEnd; j++) sec = sec * 10 + (buf[j] - CH.ZERO);
  if (intEnd === end) return BigInt(sec);
  const frac = fractionNs(buf, intEnd + 1, end);
  const ns = sec * 1e9 + frac;
  return Number.isSafeInteger(ns) ? BigInt(ns) : BigInt(sec) * 1_000_000_000n + BigInt(frac);
}

function fractionNs(buf: Uint8Array, start: number, end: number): number {
  const digits = Math.min(end - start, 9);
  let v = 0;
  for (let j = start; j < start + digits; j++) v = v * 10 + (buf[j] - CH.ZERO);
  return v * POW10[9 - digits];
}

/** Formats a timestamp the way ftrace prints it: `secs.usecs`, or the bare tick count. */
export function formatTimestamp(ts: bigint, unit: TimeUnit): string {
  if (unit === "ticks") return ts.toString();
  const sec = ts / 1_000_000_000n;
  const ns = ts % 1_000_000_000n;
  const frac = ns.toString().padStart(9, "0");
  // Keep nanoseconds only when they are not whole microseconds.
  return `${sec}.${frac.endsWith("000") ? frac.slice(0, 6) : frac}`;
}
