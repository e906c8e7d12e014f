/**
 * Constant folding done while parsing print formats, as libtraceevent does
 * it: `consolidate_op_arg` (unsigned, result printed with `%lld`) and
 * `arg_eval` for the values of `__print_flags` / `__print_symbolic` pairs
 * (signed 64-bit arithmetic).
 *
 * @module
 */

import { castValue, type PArg, strtoll, strtoull } from "./fmt_ast.ts";

const U64 = (1n << 64n) - 1n;

function asI64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

function foldU64(op: string, l: bigint, r: bigint): bigint | undefined {
  switch (op) {
    case ">>":
      return l >> (r & 63n);
    case ">=":
      return l >= r ? 1n : 0n;
    case ">":
      return l > r ? 1n : 0n;
    case "<<":
      return (l << (r & 63n)) & U64;
    case "<=":
      return l <= r ? 1n : 0n;
    case "<":
      return l < r ? 1n : 0n;
    case "&&":
      return l && r ? 1n : 0n;
    case "&":
      return l & r;
    case "||":
      return l || r ? 1n : 0n;
    case "|":
      return l | r;
    case "-":
      return (l - r) & U64;
    case "+":
      return (l + r) & U64;
    case "*":
      return (l * r) & U64;
    case "^":
      return l ^ r;
    case "/":
      return r === 0n ? undefined : l / r;
    case "%":
      return r === 0n ? undefined : l % r;
    case "==":
      return l === r ? 1n : 0n;
    case "!=":
      return l !== r ? 1n : 0n;
    default:
      return undefined;
  }
}

/** Folds operators whose operands are both atoms into atoms, bottom-up. */
export function consolidate(a: PArg): void {
  if (a.kind !== "op") return;
  if (a.left) consolidate(a.left);
  if (a.right) consolidate(a.right);
  if (!a.left || !a.right || a.left.kind !== "atom" || a.right.kind !== "atom") return;
  const v = foldU64(a.op ?? "", strtoull(a.left.atom ?? ""), strtoull(a.right.atom ?? ""));
  if (v === undefined) return;
  const atom = asI64(v).toString();
  for (const k of Object.keys(a) as (keyof PArg)[]) delete a[k];
  a.kind = "atom";
  a.atom = atom;
}

/** libtraceevent's `arg_num_eval`: signed arithmetic, `undefined` when not constant. */
function numEval(a: PArg): bigint | undefined {
  switch (a.kind) {
    case "atom":
      return strtoll(a.atom ?? "");
    case "type": {
      const v = a.item ? numEval(a.item) : undefined;
      return v === undefined ? undefined : asI64(castValue(v & U64, a.name ?? "", false));
    }
    case "op":
      break;
    default:
      return undefined;
  }
  const op = a.op ?? "";
  if (op === "~") {
    const r = a.right ? numEval(a.right) : undefined;
    return r === undefined ? undefined : asI64(~r);
  }
  const l = op !== "-" && op !== "+" || a.left?.kind !== "null"
    ? (a.left ? numEval(a.left) : undefined)
    : 0n;
  const r = a.right ? numEval(a.right) : undefined;
  if (l === undefined || r === undefined) return undefined;
  switch (op) {
    case "||":
      return l || r ? 1n : 0n;
    case "|":
      return l | r;
    case "&&":
      return l && r ? 1n : 0n;
    case "&":
      return l & r;
    case "<":
      return l < r ? 1n : 0n;
    case "<<":
      return asI64(l << (r & 63n));
    case "<=":
      return l <= r ? 1n : 0n;
    case ">":
      return l > r ? 1n : 0n;
    case ">>":
      return l >> (r & 63n);
    case ">=":
      return l >= r ? 1n : 0n;
    case "==":
      return l === r ? 1n : 0n;
    case "!=":
      return l !== r ? 1n : 0n;
    case "-":
      return asI64(l - r);
    case "+":
      return asI64(l + r);
    default:
      return undefined;
  }
}

/**
 * The text libtraceevent stores for a flag or symbol value or string
 * (`arg_eval`): an atom as written, a constant expression as `%lld`.
 */
export function foldFlagValue(a: PArg): string | undefined {
  switch (a.kind) {
    case "atom":
      return a.atom;
    case "type":
      return a.item ? foldFlagValue(a.item) : undefined;
    case "op": {
      const v = numEval(a);
      return v === undefined ? undefined : v.toString();
    }
    default:
      return undefined;
  }
}

/** libtraceevent's `eval_flag`: a number, a known softirq/hrtimer name, or -1. */
export function flagValue(value: string): bigint {
  const c = value.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return asI64(strtoull(value));
  const known = KNOWN_FLAGS[value];
  return known === undefined ? -1n : BigInt(known);
}

const KNOWN_FLAGS: Record<string, number> = {
  HI_SOFTIRQ: 0,
  TIMER_SOFTIRQ: 1,
  NET_TX_SOFTIRQ: 2,
  NET_RX_SOFTIRQ: 3,
  BLOCK_SOFTIRQ: 4,
  IRQ_POLL_SOFTIRQ: 5,
  TASKLET_SOFTIRQ: 6,
  SCHED_SOFTIRQ: 7,
  HRTIMER_SOFTIRQ: 8,
  RCU_SOFTIRQ: 9,
  HRTIMER_NORESTART: 0,
  HRTIMER_RESTART: 1,
};
