/**
 * Shell quoting for the guest's busybox scripts.
 *
 * @module
 */

/** Shell-quotes `s` with single quotes. */
export function shq(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}
