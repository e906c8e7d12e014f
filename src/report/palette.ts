/**
 * Colours of the text reports: ANSI SGR sequences around rule ids,
 * severities, line numbers and the summary, as eslint and deno lint colour
 * theirs — or none at all ({@link PLAIN}), which leaves the text byte for byte
 * what it is without colour. Whether to colour is the command line's choice
 * (`src/cli/color.ts`).
 *
 * @module
 */

import type { Severity } from "../rules/rule.ts";

/** How each kind of text is shown. */
export interface Palette {
  /** Whether this palette adds any escape sequence. */
  readonly enabled: boolean;
  /** A rule id. */
  ruleId(text: string): string;
  /** Text in the colour of `severity` (`error` red, `warning` yellow, `info` blue). */
  severity(severity: Severity, text: string): string;
  /** Secondary text: line numbers, evidence gutters, seed sections. */
  dim(text: string): string;
  /** The summary of a run: `bad` (findings), `warn` (nothing checked), else `good`. */
  summary(kind: "bad" | "warn" | "good", text: string): string;
}

const identity = (text: string) => text;

/** No colour: every function returns its text unchanged. */
export const PLAIN: Palette = {
  enabled: false,
  ruleId: identity,
  severity: (_s, text) => text,
  dim: identity,
  summary: (_k, text) => text,
};

function sgr(open: string, text: string): string {
  return text === "" ? text : `\x1b[${open}m${text}\x1b[0m`;
}

const SEVERITY_SGR: Readonly<Record<Severity, string>> = {
  error: "31",
  warning: "33",
  info: "34",
};

const SUMMARY_SGR = { bad: "1;31", warn: "1;33", good: "1;32" } as const;

/**
 * ANSI colours (the 16-colour set every terminal has).
 *
 * @example
 * ```ts
 * import { ANSI } from "./palette.ts";
 * if (ANSI.severity("error", "error") !== "\x1b[31merror\x1b[0m") throw new Error();
 * ```
 */
export const ANSI: Palette = {
  enabled: true,
  ruleId: (text) => sgr("1", text),
  severity: (s, text) => sgr(SEVERITY_SGR[s], text),
  dim: (text) => sgr("2", text),
  summary: (kind, text) => sgr(SUMMARY_SGR[kind], text),
};
