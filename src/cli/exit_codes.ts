/**
 * Process exit codes, the same for every command (as ESLint and most linters
 * use them): 0 clean, 1 findings at or above `--fail-on`, 2 usage error or
 * unreadable input.
 *
 * @module
 */

/** Exit codes of `kvmreq`. */
export const EXIT = {
  /** Success; for lint: no finding at or above `--fail-on`. */
  ok: 0,
  /** Lint found problems at or above `--fail-on`. */
  findings: 1,
  /** Bad usage, unreadable or unusable input. */
  error: 2,
} as const;
