/**
 * An input that holds no trace event is not a trace: a linter that reads
 * `/etc/shadow`, an empty file, a Perfetto JSON file or an empty pipe must
 * say so, not report "0 findings". This module describes what such an input
 * looks like, from the reader's counters, in one line.
 *
 * @module
 */

import { InputError } from "./errors.ts";
import type { ReadStats } from "./read_stats.ts";

/** An input that was read whole and held no trace event. */
export class NotATraceError extends InputError {
  /**
   * An input with no trace event.
   *
   * @param file input name
   * @param looksLike what the input is, e.g. `an empty file`
   */
  constructor(file: string, readonly looksLike: string) {
    super(file, 0, `not a trace: ${looksLike}`);
    this.name = "NotATraceError";
  }
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
}

/** Control characters shown as `\xNN`, so a described line cannot drive the terminal. */
function visible(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * What an input with no events looks like, from its counters (`stats` after
 * the whole input was read).
 *
 * @example
 * ```ts
 * import { createReadStats } from "./read_stats.ts";
 * import { describeNoEvents } from "./no_events.ts";
 * const stats = createReadStats("-");
 * if (describeNoEvents(stats) !== "standard input was empty") throw new Error();
 * ```
 */
export function describeNoEvents(stats: ReadStats): string {
  if (stats.bytes === 0) return stats.file === "-" ? "standard input was empty" : "an empty file";
  const first = stats.firstLine === "" ? "" : `; first line: ${visible(stats.firstLine)}`;
  if (stats.format === "dat") return "a trace-cmd trace.dat that holds no events";
  if (stats.lines === stats.headerLines) {
    return stats.firstLine.startsWith("#")
      ? "an ftrace header and no event lines: the buffer was empty when it was read"
      : "only blank lines";
  }
  if (stats.markerLines > 0 && stats.skippedLines === 0) {
    return `no events, only ${plural(stats.markerLines, "lost-events marker")}`;
  }
  if (stats.format === "jsonl") {
    const perfetto = /"traceEvents"|"ph"\s*:/.test(stats.firstLine);
    return perfetto
      ? `Chrome/Perfetto trace-event JSON, which kvmreq writes but does not read${first}`
      : `JSON, ${plural(stats.lines, "line")}, none a kvmreq JSON Lines event${first}`;
  }
  return `text, ${plural(stats.lines, "line")}, none an ftrace event line${first}`;
}
