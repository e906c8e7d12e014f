/**
 * Whether text output is coloured: never with `--no-color` or a non-empty
 * `NO_COLOR` (https://no-color.org), always with a `FORCE_COLOR` other than
 * `0` or `false`, else only when standard output is a terminal — so a pipe
 * or a file gets plain text, as with eslint and deno lint.
 *
 * @module
 */

import { ANSI, type Palette, PLAIN } from "../report/palette.ts";

/** The environment and terminal facts the choice depends on. */
export interface ColorFacts {
  /** `--no-color` was given. */
  readonly noColorFlag: boolean;
  /** `NO_COLOR` is set and not empty. */
  readonly noColorEnv: boolean;
  /** The value of `FORCE_COLOR`, when set. */
  readonly forceColor: string | undefined;
  /** Standard output is a terminal. */
  readonly stdoutIsTerminal: boolean;
}

/**
 * Whether to colour, from `facts`.
 *
 * @example
 * ```ts
 * import { wantColor } from "./color.ts";
 * const tty = { noColorFlag: false, noColorEnv: false, forceColor: undefined, stdoutIsTerminal: true };
 * if (!wantColor(tty) || wantColor({ ...tty, noColorEnv: true })) throw new Error();
 * ```
 */
export function wantColor(facts: ColorFacts): boolean {
  if (facts.noColorFlag || facts.noColorEnv) return false;
  const force = facts.forceColor;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  return facts.stdoutIsTerminal;
}

function envValue(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The facts of this process. */
export function processColorFacts(noColorFlag: boolean): ColorFacts {
  // Deno.noColor is NO_COLOR without needing the env permission, but Deno
  // clears it when FORCE_COLOR is set too; here NO_COLOR wins.
  const noColor = envValue("NO_COLOR");
  return {
    noColorFlag,
    noColorEnv: Deno.noColor || (noColor !== undefined && noColor !== ""),
    forceColor: envValue("FORCE_COLOR"),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
  };
}

/** The palette for this process's standard output. */
export function stdoutPalette(noColorFlag: boolean): Palette {
  return wantColor(processColorFacts(noColorFlag)) ? ANSI : PLAIN;
}
