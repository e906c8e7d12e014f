/**
 * Turns each piece of a cut print format into a closure over a record.
 * The common shapes — a plain `%u`/`%d`/`%x` of a field of up to 4 bytes, a
 * `%s` of a char array or `__get_str()` — get direct closures that avoid
 * `bigint` work; everything else goes through the general printers. Both
 * give the same text.
 *
 * @module
 */

import { formatString, type Spec } from "./c_printf.ts";
import { FieldFlag } from "./event_format.ts";
import type { Chunk } from "./fmt_chunks.ts";
import { type EvalEnv, evalNum } from "./fmt_eval.ts";
import { printNumber, printPointer, printStr } from "./fmt_print.ts";
import { cString, dynamicSpan, readSmall, type RecordView } from "./record_view.ts";

/** Produces one piece of an event's text. */
export type Piece = (r: RecordView) => string;

function plain(spec: Spec): boolean {
  return spec.precision === -1 && !spec.alt && !spec.plus && !spec.space && spec.width >= -1;
}

/** Width padding of an integer's text, zeros after the sign when `0` is given. */
function padInt(s: string, spec: Spec): string {
  if (spec.width <= s.length) return s;
  if (spec.left) return s + " ".repeat(spec.width - s.length);
  if (!spec.zero) return " ".repeat(spec.width - s.length) + s;
  const neg = s[0] === "-";
  const digits = neg ? s.slice(1) : s;
  return (neg ? "-" : "") + "0".repeat(spec.width - s.length) + digits;
}

function smallInt(
  off: number,
  size: number,
  ls: number,
  conv: string,
  spec: Spec,
): Piece | undefined {
  const bits = ls <= -2 ? 8 : ls === -1 ? 16 : 32;
  const shift = 32 - bits;
  let text: (v: number) => string;
  switch (conv) {
    case "d":
    case "i":
      text = (v) => String((v << shift) >> shift);
      break;
    case "u":
      text = (v) => String(((v << shift) >>> shift) >>> 0);
      break;
    case "x":
      text = (v) => (((v << shift) >>> shift) >>> 0).toString(16);
      break;
    case "X":
      text = (v) => (((v << shift) >>> shift) >>> 0).toString(16).toUpperCase();
      break;
    default:
      return undefined;
  }
  const padded = spec.width > 0;
  return (r) => {
    const v = off + size > r.size ? 0 : readSmall(r, off, size);
    return padded ? padInt(text(v), spec) : text(v);
  };
}

/** The closure printing `chunk`. */
export function compileChunk(chunk: Chunk, spec: Spec | undefined, env: EvalEnv): Piece {
  if (chunk.kind === "text") {
    const t = chunk.text;
    return () => t;
  }
  const { arg, lenArg } = chunk;
  const len = (
    r: RecordView,
  ) => (lenArg ? Number(BigInt.asIntN(32, evalNum(lenArg, r, env))) : undefined);
  if (chunk.kind === "pointer") return (r) => printPointer(chunk.format, arg, r, env, len(r) ?? 1);
  if (spec === undefined) return () => "";
  if (chunk.kind === "digit") {
    const f = arg.kind === "field" ? arg.field : undefined;
    if (
      f && !lenArg && plain(spec) && chunk.ls <= 0 && !(f.flags & FieldFlag.ARRAY) &&
      (f.size === 1 || f.size === 2 || f.size === 4)
    ) {
      const fast = smallInt(f.offset, f.size, chunk.ls, spec.conv, spec);
      if (fast) return fast;
    }
    return (r) => printNumber(spec, chunk.ls, arg, r, env, len(r) ?? -1);
  }
  const simple = spec.width === -1 && spec.precision === -1 && !lenArg;
  const f = arg.field;
  if (arg.kind === "field" && f && (f.flags & FieldFlag.ARRAY) && f.size > 0) {
    const end = f.offset + f.size;
    return (r) => {
      const s = cString(r, f.offset, Math.min(r.size, end));
      return simple ? s : formatString(spec, s, len(r) ?? -1);
    };
  }
  if (arg.kind === "string" && f) {
    return (r) => {
      const { offset, len: n } = dynamicSpan(r, f);
      if (n === 0) return "";
      const s = cString(r, offset);
      return simple ? s : formatString(spec, s, len(r) ?? -1);
    };
  }
  return (r) => printStr(spec, arg, r, env, len(r) ?? -1);
}
