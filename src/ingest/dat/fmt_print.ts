/**
 * Printing of one conversion of a print format: numbers (`print_arg_number`),
 * strings and the string-like helpers (`print_str_arg`: fields, `__get_str`,
 * `__print_flags`, `__print_symbolic`, `__print_hex`, `__print_array`,
 * bitmasks, `?:`), and pointers (`%pS` symbols, `%p`, MAC and IP
 * addresses, UUIDs, hex buffers) — each as libtraceevent prints it.
 *
 * @module
 */

import { formatInt, formatPointer, formatString, hex, type Spec, spec } from "./c_printf.ts";
import { FieldFlag } from "./event_format.ts";
import type { PArg } from "./fmt_ast.ts";
import { type EvalEnv, evalNum } from "./fmt_eval.ts";
import { bitmaskText, cpumaskText, ipText, macText, uuidText } from "./fmt_special.ts";
import { cString, dynamicSpan, readNumber, type RecordView } from "./record_view.ts";

const LS_BITS = [8, 16, 32, 64, 64];
const POINTER = spec("%p");

/** `print_arg_number`: the value cast to the C type `ls` names, then formatted. */
export function printNumber(
  spec: Spec,
  ls: number,
  a: PArg,
  r: RecordView,
  env: EvalEnv,
  lenArg: number,
): string {
  const bits = LS_BITS[Math.max(-2, Math.min(2, ls)) + 2];
  return formatInt(spec, evalNum(a, r, env), bits, lenArg);
}

function dataOf(a: PArg, r: RecordView): number {
  if (a.kind === "dynarray" && a.field) return dynamicSpan(r, a.field).offset;
  if (a.kind === "field" && a.field) return a.field.offset;
  return -1;
}

function byteAt(r: RecordView, off: number): number {
  const at = r.base + off;
  return off >= 0 && at < r.bytes.length ? r.bytes[at] : 0;
}

function hexBytes(a: PArg, r: RecordView, env: EvalEnv, sep: string): string {
  const [field, size] = a.args ?? [];
  const off = field ? dataOf(field, r) : -1;
  if (off < 0 || !size) return "";
  const len = Number(evalNum(size, r, env) & 0xffffffffn);
  const parts: string[] = [];
  for (let i = 0; i < len && off + i < r.size; i++) {
    parts.push(byteAt(r, off + i).toString(16).padStart(2, "0"));
  }
  return parts.join(sep);
}

function intArray(a: PArg, r: RecordView, env: EvalEnv): string {
  // libtraceevent 1.7 prints the elements with %u, space-separated, read in host (little-endian) order.
  const [field, count, elSize] = a.args ?? [];
  const off = field ? dataOf(field, r) : -1;
  if (off < 0 || !count || !elSize) return "";
  const n = Number(evalNum(count, r, env) & 0xffffffffn);
  let size = Number(BigInt.asIntN(32, evalNum(elSize, r, env)));
  const host = { ...r, bigEndian: false };
  const items: string[] = [];
  let at = off;
  for (let i = 0; i < n && at < r.size; i++) {
    if (size === 1 || size === 2 || size === 4 || size === 8) {
      items.push(readNumber(host, at, size).toString());
    } else {
      items.push(`BAD SIZE:${size} 0x${byteAt(r, at).toString(16)}`);
      size = 1;
    }
    at += size;
  }
  return items.join(" ");
}

function flagsText(a: PArg, r: RecordView, env: EvalEnv, fmt: (s: string) => string): string {
  let val = BigInt.asIntN(64, evalNum(a.item as PArg, r, env));
  let out = "";
  let printed = false;
  for (const sym of a.syms ?? []) {
    const f = sym.num;
    if (val === 0n && f < 0n) {
      out += fmt(sym.str);
      break;
    }
    if (f > 0n && (val & f) === f) {
      if (printed && a.delim) out += a.delim;
      out += fmt(sym.str);
      printed = true;
      val &= ~f;
    }
  }
  if (val !== 0n) {
    if (printed && a.delim) out += a.delim;
    out += "0x" + hex(BigInt.asUintN(64, val));
  }
  return out;
}

function symbolText(a: PArg, r: RecordView, env: EvalEnv, fmt: (s: string) => string): string {
  const val = BigInt.asIntN(64, evalNum(a.item as PArg, r, env));
  for (const sym of a.syms ?? []) if (sym.num === val) return fmt(sym.str);
  return "0x" + hex(BigInt.asUintN(64, val));
}

/** `print_str_arg`: the text of `a` printed with a `%s`-style `spec`. */
export function printStr(
  spec: Spec,
  a: PArg,
  r: RecordView,
  env: EvalEnv,
  lenArg: number,
): string {
  const fmt = (s: string) => formatString(spec, s, lenArg);
  switch (a.kind) {
    case "atom":
      return fmt(a.atom ?? "");
    case "field": {
      const f = a.field;
      if (!f) return "";
      if (!(f.flags & FieldFlag.ARRAY) && f.size === env.longSize) {
        // libtraceevent reads this "pointer" in host (little-endian) order, unswapped.
        const addr = readNumber({ ...r, bigEndian: false }, f.offset, env.longSize);
        return env.printk.get(addr) ?? hex(addr);
      }
      const len = f.size || r.size - f.offset;
      return fmt(cString(r, f.offset, Math.min(r.size, f.offset + len)));
    }
    case "flags":
      return flagsText(a, r, env, fmt);
    case "symbol":
      return symbolText(a, r, env, fmt);
    case "hex":
      return hexBytes(a, r, env, " ");
    case "hexstr":
      return hexBytes(a, r, env, "");
    case "intarray":
      return intArray(a, r, env);
    case "string": {
      if (!a.field) return "";
      const { offset, len } = dynamicSpan(r, a.field);
      return len === 0 ? "" : fmt(cString(r, offset));
    }
    case "bitmask":
    case "cpumask": {
      if (!a.field) return "";
      const { offset, len } = dynamicSpan(r, a.field);
      const bytes = r.bytes.subarray(r.base + offset, r.base + offset + len);
      return fmt(
        a.kind === "bitmask" ? bitmaskText(bytes, r.bigEndian) : cpumaskText(bytes, r.bigEndian),
      );
    }
    case "op": {
      if (a.op !== "?") return "";
      const branches = a.right as PArg;
      const cond = evalNum(a.left as PArg, r, env);
      return printStr(spec, (cond ? branches.left : branches.right) as PArg, r, env, lenArg);
    }
    default:
      return "";
  }
}

/** `print_arg_pointer`: `%pS` and friends; `fmt` is the conversion text (`%pS`). */
export function printPointer(
  fmt: string,
  a: PArg,
  r: RecordView,
  env: EvalEnv,
  plen: number,
): string {
  const p = fmt.indexOf("p");
  const kind = fmt[p + 1] ?? "";
  switch (kind) {
    case "F":
    case "f":
    case "S":
    case "s": {
      const val = evalNum(a, r, env);
      const sym = env.kallsyms.find(val);
      if (!sym) return "0x" + hex(val);
      return kind === "F" || kind === "S" ? `${sym.name}+0x${hex(val - sym.addr)}` : sym.name;
    }
    case "M":
    case "m":
      return macText(fmt.slice(p + 1), a, r);
    case "I":
    case "i":
      return ipText(fmt.slice(p + 1), a, r);
    case "U":
      return uuidText(fmt.slice(p + 1), a, r);
    case "h":
      return rawBuffer(fmt.slice(p + 1), a, r, plen);
    default:
      // libtraceevent prints a plain "%p" whatever width the format gave.
      return formatPointer(POINTER, evalNum(a, r, env));
  }
}

function rawBuffer(f: string, a: PArg, r: RecordView, plen: number): string {
  const delim = f[1] === "C" ? ":" : f[1] === "D" ? "-" : f[1] === "N" ? "" : " ";
  if (a.kind !== "dynarray" || !a.field) return `ARG TYPE NOT FIELD BUT ${a.kind}`;
  const { offset, len } = dynamicSpan(r, a.field);
  const n = Math.min(len, plen);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(byteAt(r, offset + i).toString(16).padStart(2, "0"));
  return parts.join(delim);
}
