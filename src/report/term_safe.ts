/**
 * Text from a trace is untrusted: any process can name itself with escape
 * sequences (colours, clear-screen, a window title, a hyperlink), and a
 * comm, an event's fields, a stack frame or a file name reach the terminal
 * through every text output. Control characters are shown escaped instead,
 * as `ls` and `git` do: C0 controls (tab included, newline included — a
 * field must not start a line of its own), DEL and the C1 controls become
 * `\xHH` (C1 as their code point, `\x9b`). JSON, SARIF and HTML outputs have
 * their own escaping and do not use this.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/**
 * `text` with its control characters escaped (the same text when it has
 * none, which is the common case and costs one scan).
 *
 * @example
 * ```ts
 * import { termSafe } from "./term_safe.ts";
 * if (termSafe("CPU 0/KVM\x1b[2J") !== "CPU 0/KVM\\x1b[2J") throw new Error();
 * ```
 */
export function termSafe(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, hex) : text;
}

/** Like {@link termSafe}, but newlines stay: for text made of whole lines. */
export function termSafeLines(text: string): string {
  return CONTROL.test(text) ? text.split("\n").map(termSafe).join("\n") : text;
}
