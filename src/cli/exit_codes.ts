/**
 * Process exit codes, the same for every command (0, 1 and 2 as ESLint and
 * most linters use them), and the one text that documents them: the README,
 * `kvmreq --help` and `kvmreq lint --help` quote {@link EXIT_CODES_TEXT}
 * (a test keeps the README in step).
 *
 * @module
 */

/** Exit codes of `kvmreq`. */
export const EXIT = {
  /** Success; for lint: no finding at or above `--fail-on`. */
  ok: 0,
  /** Lint found problems at or above `--fail-on`; explore found a violation. */
  findings: 1,
  /** Bad usage (option, value, configuration), or an input that is unreadable or not a trace. */
  error: 2,
  /** Lint: an input on which no rule could be checked (unless `--allow-unchecked`). */
  unchecked: 3,
  /**
   * Internal error: kvmreq failed for a reason that is neither the input nor
   * the command line — a bug (reported as one line, the stack with
   * `KVMREQ_DEBUG=1`), or the system refusing what kvmreq had to do
   * (a tracefs write, removing its tracefs instance, a Deno permission).
   */
  internal: 4,
} as const;

/** What each exit code means, in one sentence per code. */
export const EXIT_CODES_TEXT: string =
  "Exit codes: 0 clean (no finding at or above --fail-on); 1 findings at or above --fail-on " +
  "(lint), or a violation (explore); 2 usage error, or an input that is unreadable or not a " +
  "trace; 3 an input on which no rule could be checked (lint; --allow-unchecked accepts it); " +
  "4 internal error (a kvmreq bug, reported as one line — `KVMREQ_DEBUG=1` adds the stack — or " +
  "the system refusing what kvmreq must do, such as a tracefs write).";
