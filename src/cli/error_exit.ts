/**
 * What kvmreq prints and returns when a command throws: one line on stderr
 * and the exit code of the error's kind, never a stack trace (unless
 * `KVMREQ_DEBUG=1` asks for one).
 *
 * @module
 */

import { InputError, SystemError } from "../ingest/errors.ts";
import { EXIT } from "./exit_codes.ts";
import { termSafe } from "../report/term_safe.ts";

/** Whether `KVMREQ_DEBUG=1` asks for debugging output (stacks, the permissions kept). */
export function debugWanted(): boolean {
  try {
    const p = Deno.permissions.querySync({ name: "env", variable: "KVMREQ_DEBUG" });
    return p.state === "granted" && Deno.env.get("KVMREQ_DEBUG") === "1";
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

/** The one-line message and exit code for `err`, thrown by a command. */
export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof InputError) return { message: `kvmreq: ${err.message}`, code: EXIT.error };
  if (err instanceof SystemError) {
    return { message: `kvmreq: ${firstLine(err.message)}`, code: EXIT.internal };
  }
  if (err instanceof Deno.errors.NotCapable) {
    return {
      message: `kvmreq: ${firstLine(err.message)} — this Deno was not given that permission ` +
        `(README "Install" lists each command's flags)`,
      code: EXIT.internal,
    };
  }
  const what = err instanceof Error ? `${err.name}: ${firstLine(err.message)}` : String(err);
  return {
    message:
      `kvmreq: internal error: ${what} (a bug in kvmreq: please report it with the command ` +
      `and input; KVMREQ_DEBUG=1 shows where)`,
    code: EXIT.internal,
  };
}

/** Prints `err` as {@link describeError} says (its stack too with KVMREQ_DEBUG=1); returns the exit code. */
export function reportError(err: unknown): number {
  const { message, code } = describeError(err);
  console.error(termSafe(message));
  if (debugWanted() && err instanceof Error && err.stack) console.error(err.stack);
  return code;
}
