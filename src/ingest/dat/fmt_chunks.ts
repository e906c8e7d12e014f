/**
 * Cuts a print format string into literal text and conversions, and pairs
 * each conversion with its argument, as libtraceevent's `parse_args` does:
 * backslash escapes are decoded in the literal parts, `%%` is a percent
 * sign, `*` takes the next argument as the length, pointer conversions take
 * their `%pS`-style suffix, and an unknown conversion prints as `>c<`.
 *
 * @module
 */

import type { PArg } from "./fmt_ast.ts";

/** One piece of a cut format. */
export type Chunk =
  | { readonly kind: "text"; readonly text: string }
  | {
    readonly kind: "digit" | "pointer" | "string";
    /** The conversion text, e.g. `%-5lu` or `%pS`. */
    readonly format: string;
    /** Length modifier count: -2 `hh`, -1 `h`, 0 none, 1 `l`, 2 `ll`. */
    readonly ls: number;
    readonly arg: PArg;
    /** The argument a `*` takes, if any. */
    readonly lenArg: PArg | undefined;
  };

/** The cut format; `failed` when libtraceevent would mark the event failed. */
export interface Chunks {
  /** The pieces in order. */
  readonly chunks: Chunk[];
  /** A conversion without argument, or a bad length modifier. */
  readonly failed: boolean;
}

function pointerSuffix(f: string, at: number): number {
  const c = f[at];
  switch (c) {
    case "F":
    case "S":
    case "f":
    case "s":
      return 1;
    case "M":
    case "m":
      return f[at + 1] === "R" || f[at + 1] === "F" ? 2 : 1;
    case "I":
    case "i": {
      let ret = 0;
      let index = 2;
      const v = f[at + 1];
      if (v === "S") {
        while ("pfs".includes(f[at + index] ?? "x") && f[at + index] !== undefined) {
          ret++;
          index++;
        }
      }
      if (v === "S" || v === "4") {
        if ("hnlb".includes(f[at + index] ?? "x") && f[at + index] !== undefined) {
          ret++;
          index++;
        }
        if (v === "4") return ret + 2;
      }
      if (v === "S" || v === "6") {
        if (f[at + index] === "c") ret++;
        ret++;
      }
      return ret + 1;
    }
    case "U":
      return "LlBb".includes(f[at + 1] ?? "x") && f[at + 1] !== undefined ? 2 : 1;
    case "h":
      return "CDN".includes(f[at + 1] ?? "x") && f[at + 1] !== undefined ? 2 : 1;
    default:
      return 0;
  }
}

function literal(f: string, at: number, out: Chunk[]): number {
  let s = "";
  let i = at;
  for (; i < f.length; i++) {
    const c = f[i];
    if (c === "\\") {
      i++;
      const e = f[i] ?? "";
      s += e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e;
    } else if (c === "%") {
      if (f[i + 1] === "%") {
        s += "%";
        i++;
      } else break;
    } else s += c;
  }
  out.push({ kind: "text", text: s });
  return i;
}

/** Cuts `format` and pairs conversions with `args` (consumed in order). */
export function cutFormat(format: string, args: readonly PArg[]): Chunks {
  const chunks: Chunk[] = [];
  let argi = 0;
  let failed = false;
  let i = 0;
  while (i < format.length) {
    if (format[i] !== "%" || format[i + 1] === "%") {
      i = literal(format, i, chunks);
      continue;
    }
    const start = i;
    let ls = 0;
    let lenArg: PArg | undefined;
    let j = i + 1;
    let done = false;
    for (; j < format.length && !done; j++) {
      const c = format[j];
      // libtraceevent 1.7 (trace-cmd 3.1) knows no '+' or ' ' flag and no %c:
      // they print as ">+<", "> <" and ">c<".
      if (c === "#" || c === "." || c === "-" || (c >= "0" && c <= "9")) continue;
      if (c === "h") ls--;
      else if (c === "l") ls++;
      else if (c === "L") ls = 2;
      else if (c === "z" || c === "Z") ls = 1;
      else if (c === "*") {
        if (argi >= args.length || lenArg !== undefined) {
          failed = true;
          done = true;
        } else lenArg = args[argi++];
      } else {
        done = true;
        if ("pdiuxXos".includes(c) && argi >= args.length) {
          failed = true;
        } else if (c === "p") {
          const n = pointerSuffix(format, j + 1);
          j += n;
          chunks.push({
            kind: "pointer",
            format: format.slice(start, j + 1),
            ls,
            arg: args[argi++],
            lenArg,
          });
        } else if ("diuxXo".includes(c)) {
          if (ls < -2 || ls > 2 || j + 1 - start > 30) failed = true;
          chunks.push({
            kind: "digit",
            format: format.slice(start, j + 1),
            ls,
            arg: args[argi++],
            lenArg,
          });
        } else if (c === "s") {
          chunks.push({
            kind: "string",
            format: format.slice(start, j + 1),
            ls: 0,
            arg: args[argi++],
            lenArg,
          });
        } else {
          chunks.push({ kind: "text", text: `>${c}<` });
        }
      }
    }
    i = j;
  }
  return { chunks, failed };
}
