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

/** Characters of an input's first line a message shows. */
const SHOWN_CHARS = 40;

/**
 * A run that looks like a secret: 16 or more characters of the alphabets of
 * password hashes, keys and tokens (letters, digits, `+/=$.`) holding both
 * letters and digits, e.g. a `/etc/shadow` hash `$y$j9T$…` or an API key.
 */
const TOKEN = /[A-Za-z0-9+/=$.]{16,}/g;
const TOKEN_CHAR = /[A-Za-z0-9+/=$.]+$/;

function secretLike(run: string): boolean {
  return /[0-9]/.test(run) && /[A-Za-z]/.test(run);
}

/**
 * The first line of a non-trace as a message may show it: enough to tell
 * what the file is (`root:‹hidden›:19000:0:99999:7:::` is a shadow file,
 * `{"traceEvents":[…` a Perfetto file), never what it holds — a message
 * goes to terminals and CI logs, and kvmreq often runs as root. Runs that
 * look like secrets are hidden, the line is cut at {@link SHOWN_CHARS}
 * characters (a token cut by the reader's own limit is hidden too), and
 * control characters are escaped.
 *
 * @example
 * ```ts
 * import { shownFirstLine } from "./no_events.ts";
 * const line = "root:$y$j9T$Bf7cQx0PZ/v5Ne2XK1wPf.$Zq8aE3:19700:0:99999:7:::";
 * if (shownFirstLine(line) !== "root:‹hidden›:19700:0:99999:7:::") throw new Error();
 * ```
 */
export function shownFirstLine(line: string): string {
  let text = line;
  let cut = false;
  if (text.endsWith("…")) {
    // The reader cut the line: what ends it may be the start of a secret.
    text = text.slice(0, -1).replace(TOKEN_CHAR, (run) => secretLike(run) ? "‹hidden›" : "");
    cut = true;
  }
  text = text.replace(TOKEN, (run) => secretLike(run) ? "‹hidden›" : run);
  const chars = [...text];
  if (chars.length > SHOWN_CHARS) {
    text = chars.slice(0, SHOWN_CHARS).join("");
    cut = true;
  }
  return visible(text) + (cut ? "…" : "");
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
  const first = stats.firstLine === "" ? "" : `; first line: ${shownFirstLine(stats.firstLine)}`;
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
