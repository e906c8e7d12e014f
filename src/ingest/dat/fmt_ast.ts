/**
 * The expression trees of `print fmt:` arguments, and the C number
 * conversions libtraceevent applies to them (`strtoull`, `strtoll`, and the
 * type-cast masking of `eval_type_str`). Nodes are mutable because the
 * parser rewrites them in place, as libtraceevent does.
 *
 * @module
 */

import type { FieldDef } from "./event_format.ts";

/** Node kinds (libtraceevent's `tep_print_arg_type`). */
export type ArgKind =
  | "null"
  | "atom"
  | "field"
  | "flags"
  | "symbol"
  | "hex"
  | "hexstr"
  | "intarray"
  | "type"
  | "string"
  | "bitmask"
  | "cpumask"
  | "dynarray"
  | "dynarraylen"
  | "op"
  | "func";

/** One `{ value, "string" }` pair of `__print_flags` / `__print_symbolic`. */
export interface FlagSym {
  /** The value as libtraceevent evaluated it (a number or a name). */
  readonly value: string;
  /** The text printed for it. */
  readonly str: string;
  /** The value as libtraceevent's `eval_flag` reads it (signed 64-bit). */
  readonly num: bigint;
}

/** A node of an argument tree. Which members are set depends on `kind`. */
export interface PArg {
  /** Node kind. */
  kind: ArgKind;
  /** Atom text (number, identifier or string literal). */
  atom?: string;
  /** The atom's numeric value, once evaluated (libtraceevent rewrites the atom the same way). */
  num?: bigint;
  /** Field name (field, string, bitmask, cpumask), type (type), function (func). */
  name?: string;
  /** The field, when found in the event. */
  field?: FieldDef;
  /** Operator (op). */
  op?: string;
  /** Operator priority; lower binds tighter. */
  prio?: number;
  /** Left operand (op). */
  left?: PArg;
  /** Right operand (op). */
  right?: PArg;
  /** Cast operand (type) or value (flags, symbol). */
  item?: PArg;
  /** Separator of `__print_flags`. */
  delim?: string;
  /** Pairs of `__print_flags` / `__print_symbolic`. */
  syms?: FlagSym[];
  /** Arguments: hex [field, size], intarray [field, count, size], func args. */
  args?: PArg[];
}

/** A fresh node of `kind`. */
export function node(kind: ArgKind): PArg {
  return { kind };
}

/** Replaces the contents of `dst` with those of `src` (C struct assignment). */
export function assignArg(dst: PArg, src: PArg): void {
  for (const k of Object.keys(dst) as (keyof PArg)[]) delete dst[k];
  Object.assign(dst, src);
}

/** A shallow copy of `a` (C `*left = *arg`). */
export function copyArg(a: PArg): PArg {
  return { ...a };
}

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/** Parses a C integer prefix (base 0); `undefined` when no digits. */
function parseCInt(s: string): { neg: boolean; mag: bigint } | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) {
    const hexOnly = /^\s*([+-]?)0[xX]/.exec(s);
    return hexOnly ? { neg: hexOnly[1] === "-", mag: 0n } : undefined;
  }
  const digits = m[2];
  let mag: bigint;
  if (/^0[xX]/.test(digits)) mag = BigInt(digits);
  else if (digits.length > 1 && digits[0] === "0") mag = BigInt("0o" + digits.slice(1));
  else mag = BigInt(digits);
  return { neg: m[1] === "-", mag };
}

/** C `strtoull(s, NULL, 0)`: unsigned, saturating, negatives wrap. */
export function strtoull(s: string): bigint {
  const v = parseCInt(s);
  if (v === undefined) return 0n;
  if (v.mag > U64) return U64;
  return v.neg ? (-v.mag) & U64 : v.mag;
}

/** C `strtoll(s, NULL, 0)`: signed, saturating. */
export function strtoll(s: string): bigint {
  const v = parseCInt(s);
  if (v === undefined) return 0n;
  const x = v.neg ? -v.mag : v.mag;
  return x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x;
}

/**
 * libtraceevent's `eval_type_str`: a cast only masks the value to the
 * type's width (casts never sign-extend to 64 bits). `pointer` strips a
 * trailing ` *` first, for array elements read through a pointer cast.
 */
export function castValue(val: bigint, type: string, pointer: boolean): bigint {
  if (type.length < 2) return val;
  if (pointer) {
    if (!type.endsWith("*")) return val;
    return castValue(val, type.slice(0, -2), false);
  }
  if (type.endsWith("*") || type.startsWith("struct")) return val;
  switch (type) {
    case "u8":
    case "s8":
      return val & 0xffn;
    case "u16":
    case "s16":
      return val & 0xffffn;
    case "u32":
    case "s32":
      return val & 0xffffffffn;
  }
  const t = type.startsWith("unsigned ") ? type.slice(9) : type;
  if (t === "char") return val & 0xffn;
  if (t === "short") return val & 0xffffn;
  if (t === "int") return val & 0xffffffffn;
  return val;
}

/** Operator priorities (libtraceevent's `get_op_prio`); -1 for unknown. */
export function opPrio(op: string): number {
  switch (op) {
    case "~":
    case "!":
      return 4;
    case "*":
    case "/":
    case "%":
      return 6;
    case "+":
    case "-":
      return 7;
    case "<<":
    case ">>":
      return 8;
    case "<":
    case ">":
    case "<=":
    case ">=":
      return 9;
    case "==":
    case "!=":
      return 10;
    case "&":
      return 11;
    case "^":
      return 12;
    case "|":
      return 13;
    case "&&":
      return 14;
    case "||":
      return 15;
    case "?":
      return 16;
    case "++":
    case "--":
      return 3;
    default:
      return -1;
  }
}
