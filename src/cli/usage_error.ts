/**
 * How a command-line mistake is reported: the parser's one-line message and
 * a hint naming the help to read, as git and deno do — not the usage of
 * every command.
 *
 * @module
 */

import { COMMAND_NAMES } from "./cli.ts";

const COMMANDS = new Set<string>([...COMMAND_NAMES, "completion", "help"]);

/**
 * The text printed for a usage error: `kvmreq: MESSAGE` (the parser's lines,
 * its `Error: ` prefix dropped) and `see 'kvmreq COMMAND --help'` for the
 * command `args` names first (plain `kvmreq --help` when none).
 *
 * @example
 * ```ts
 * import { usageErrorText } from "./usage_error.ts";
 * const text = usageErrorText(["lint", "--bogus"], ["Error: Unexpected option: `--bogus`."]);
 * if (text !== "kvmreq: Unexpected option: `--bogus`.\nsee 'kvmreq lint --help'\n") {
 *   throw new Error(text);
 * }
 * ```
 */
export function usageErrorText(args: readonly string[], parserLines: readonly string[]): string {
  const message = parserLines.join("\n").trim().replace(/^Error:\s*/, "") ||
    "invalid command line";
  const command = args.find((a) => !a.startsWith("-"));
  const help = command !== undefined && COMMANDS.has(command) && command !== "help"
    ? `kvmreq ${command} --help`
    : "kvmreq --help";
  return `kvmreq: ${message}\nsee '${help}'\n`;
}
