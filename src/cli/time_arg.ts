/**
 * Time arguments (`--from`, `--until`, `--at`): seconds as the trace prints
 * them (`7166.367568`), with up to nine decimals, read exactly into integer
 * nanoseconds; or, for traces on a counter clock, a plain integer of ticks.
 *
 * @module
 */

import { message } from "@optique/core/message";
import type { ValueParser } from "@optique/core/valueparser";
import type { TimeUnit } from "../events/types.ts";

/** A parsed time argument, resolvable against the trace's time unit. */
export interface TimeArg {
  /** The text as given. */
  readonly text: string;
  /** The value read as seconds, in nanoseconds. */
  readonly ns: bigint;
  /** The value read as a raw tick count, when it is a plain integer. */
  readonly ticks: bigint | undefined;
}

/** Parses `text`, or returns `undefined` when it is not a time. */
export function parseTimeArg(text: string): TimeArg | undefined {
  const m = /^([0-9]{1,20})(?:\.([0-9]{1,9}))?$/.exec(text.trim());
  if (m === null) return undefined;
  const whole = BigInt(m[1]);
  const frac = m[2] === undefined ? 0n : BigInt(m[2].padEnd(9, "0"));
  return { text, ns: whole * 1_000_000_000n + frac, ticks: m[2] === undefined ? whole : undefined };
}

/** The value of `arg` in the trace's unit: nanoseconds, or ticks for counter clocks. */
export function resolveTimeArg(arg: TimeArg, unit: TimeUnit | undefined): bigint {
  return unit === "ticks" && arg.ticks !== undefined ? arg.ticks : arg.ns;
}

/** An optique value parser for time arguments (`SECONDS[.FRACTION]` or `TICKS`). */
export function timeValue(): ValueParser<"sync", TimeArg> {
  return {
    mode: "sync",
    metavar: "TIME",
    placeholder: { text: "0", ns: 0n, ticks: 0n },
    parse(input: string) {
      const t = parseTimeArg(input);
      if (t === undefined) {
        return {
          success: false as const,
          error: message`expected seconds such as ${"7166.367568"}, or a tick count; got ${input}`,
        };
      }
      return { success: true as const, value: t };
    },
    format: (value: TimeArg) => value.text,
  };
}

/**
 * The mistake in a window whose start is later than its end (`--from 5
 * --until 4` would report nothing and pass), or `undefined`. Both are
 * compared as read (seconds as nanoseconds, which orders tick counts too).
 *
 * @example
 * ```ts
 * import { parseTimeArg, reversedWindow } from "./time_arg.ts";
 * const msg = reversedWindow(parseTimeArg("5"), parseTimeArg("4"));
 * if (msg !== "--from 5 is later than --until 4: the window would be empty") throw new Error();
 * ```
 */
export function reversedWindow(from?: TimeArg, until?: TimeArg): string | undefined {
  if (from === undefined || until === undefined || from.ns <= until.ns) return undefined;
  return `--from ${from.text} is later than --until ${until.text}: the window would be empty`;
}
