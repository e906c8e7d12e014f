/**
 * Process exit codes, the same for every command (as ESLint and most linters
 * use them): 0 clean, 1 findings at or above `--fail-on`, 2 usage error or
 * unreadable input, 4 internal error.
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
  /**
   * Internal error: kvmreq failed for a reason that is neither the input nor
   * the command line — a bug (reported as one line, the stack with
   * `KVMREQ_DEBUG=1`), or the system refusing what kvmreq had to do
   * (a tracefs write, removing its tracefs instance, a Deno permission).
   */
  internal: 4,
} as const;
