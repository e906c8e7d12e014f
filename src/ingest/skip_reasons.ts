/**
 * Why a line of input was skipped. Every line that is not an event, a stack
 * line, a header or a marker is counted under exactly one of these.
 *
 * @module
 */

/** The reasons a line can be skipped, with the text `stats` prints for each. */
export const SKIP_REASONS = {
  "not-a-trace-line": "no `comm-pid [cpu]` context: not an ftrace event line",
  "bad-timestamp": "the timestamp after the CPU field is not a number",
  "clock-mismatch":
    "a counter-clock timestamp in a nanosecond trace, or the reverse (the input's first event line sets its clock)",
  "no-event-name": "no `name:` after the timestamp",
  "line-too-long": "longer than the maximum line length",
  "control-bytes": "holds NUL or other control bytes (binary garbage)",
  "orphan-stack-frame": "a `=> frame` line with no stack trace before it",
  "bad-marker": "a LOST-events or buffer-started marker that cannot be read",
  "invalid-json": "not valid JSON",
  "invalid-record": "JSON that does not match the kvmreq JSON Lines schema",
} as const;

/** One skip reason id. */
export type SkipReason = keyof typeof SKIP_REASONS;
