/**
 * Evaluation of print-format argument trees against a record, with
 * libtraceevent's semantics (`eval_num_arg`): fields read unsigned, all
 * arithmetic on unsigned 64-bit values, casts that only mask, an unknown
 * identifier looked up as a kernel symbol.
 *
 * @module
 */

import { castValue, type PArg, strtoull } from "./fmt_ast.ts";
import type { Kallsyms } from "./kallsyms.ts";
import { dynamicSpan, readNumber, type RecordView } from "./record_view.ts";

const U64 = (1n << 64n) - 1n;

/** What evaluation needs besides the record. */
export interface EvalEnv {
  /** `long` size of the traced system, as libtraceevent knows it. */
  readonly longSize: number;
  /** Kernel symbols. */
  readonly kallsyms: Kallsyms;
  /** trace_printk format strings by address. */
  readonly printk: ReadonlyMap<bigint, string>;
}

function atomValue(a: PArg, env: EvalEnv): bigint {
  if (a.num !== undefined) return a.num;
  const text = a.atom ?? "";
  let v = strtoull(text);
  const c = text.charCodeAt(0);
  if (v === 0n && !(c >= 0x30 && c <= 0x39)) {
    // An identifier: libtraceevent looks it up as a kernel symbol, once.
    v = env.kallsyms.addressOf(text);
  }
  a.num = v;
  return v;
}

function indexValue(a: PArg, r: RecordView, env: EvalEnv): bigint {
  const right = evalNum(a.right as PArg, r, env);
  let larg = a.left as PArg;
  let typearg: PArg | undefined;
  while (larg.kind === "type") {
    typearg ??= larg;
    larg = larg.item as PArg;
  }
  let fieldSize = env.longSize;
  let offset: number;
  if (larg.kind === "dynarray" && larg.field) {
    offset = dynamicSpan(r, larg.field).offset + Number(right & 0xffffffffn);
    if (larg.field.elementsize) fieldSize = larg.field.elementsize;
  } else if (larg.kind === "field") {
    if (!larg.field) return 0n;
    fieldSize = larg.field.elementsize;
    offset = larg.field.offset + Number(right) * larg.field.elementsize;
  } else {
    return binary(a, r, env);
  }
  if (offset + fieldSize > r.size) return 0n;
  const val = readNumber(r, offset, fieldSize);
  return typearg ? castValue(val, typearg.name ?? "", true) : val;
}

function binary(a: PArg, r: RecordView, env: EvalEnv): bigint {
  const l = a.left ? evalNum(a.left, r, env) : 0n;
  const rv = a.right ? evalNum(a.right, r, env) : 0n;
  switch (a.op) {
    case "!":
      return rv === 0n ? 1n : 0n;
    case "!=":
      return l !== rv ? 1n : 0n;
    case "~":
      return ~rv & U64;
    case "|":
      return l | rv;
    case "||":
      return l || rv ? 1n : 0n;
    case "&":
      return l & rv;
    case "&&":
      return l && rv ? 1n : 0n;
    case "<":
      return l < rv ? 1n : 0n;
    case "<<":
      return (l << (rv & 63n)) & U64;
    case "<=":
      return l <= rv ? 1n : 0n;
    case ">":
      return l > rv ? 1n : 0n;
    case ">>":
      return l >> (rv & 63n);
    case ">=":
      return l >= rv ? 1n : 0n;
    case "==":
      return l === rv ? 1n : 0n;
    case "-":
      return (l - rv) & U64;
    case "+":
      return (l + rv) & U64;
    case "/":
      return rv === 0n ? 0n : l / rv;
    case "%":
      return rv === 0n ? 0n : l % rv;
    case "*":
      return (l * rv) & U64;
    default:
      return 0n;
  }
}

/** Plugin print functions (`is_writable_pte`). */
function callFunc(a: PArg, r: RecordView, env: EvalEnv): bigint {
  if (a.name === "is_writable_pte" && a.args?.length === 1) {
    return evalNum(a.args[0], r, env) & 2n;
  }
  return U64;
}

/** The unsigned 64-bit value of `a` for record `r`. */
export function evalNum(a: PArg, r: RecordView, env: EvalEnv): bigint {
  switch (a.kind) {
    case "atom":
      return atomValue(a, env);
    case "field": {
      const f = a.field;
      if (!f || f.offset + f.size > r.size) return 0n;
      return readNumber(r, f.offset, f.size);
    }
    case "type":
      return castValue(evalNum(a.item as PArg, r, env), a.name ?? "", false);
    case "func":
      return callFunc(a, r, env);
    case "op":
      if (a.op === "[") return indexValue(a, r, env);
      if (a.op === "?") {
        const cond = evalNum(a.left as PArg, r, env);
        const branches = a.right as PArg;
        return evalNum((cond ? branches.left : branches.right) as PArg, r, env);
      }
      return binary(a, r, env);
    case "dynarraylen":
      return a.field ? BigInt(dynamicSpan(r, a.field).len) : 0n;
    case "dynarray":
      // libtraceevent yields a host pointer here; the data offset is the closest stable value.
      return a.field ? BigInt(dynamicSpan(r, a.field).offset) : 0n;
    default:
      return 0n;
  }
}
