/**
 * The moves enabled in a state and their effect. A move is a thread plus a
 * kind: `exec` (run the next statement), `flush` (the oldest store of the
 * thread's buffer reaches memory; tso only) or `irq` (the vCPU thread's CPU
 * takes a pending IPI in the host). Moves are listed in a fixed order, so a
 * search over them is deterministic.
 *
 * @module
 */

import { cloneMachine, flushOne, type Machine, type Transition } from "./machine.ts";
import { MODE_NAMES, type Model, threadName } from "./model.ts";
import { requesterCanExec, requesterExec } from "./step_requester.ts";
import { vcpuCanExec, vcpuCanTakeIrq, vcpuExec, vcpuTakeIrq } from "./step_vcpu.ts";
import type { ActionKind } from "./types.ts";

/** A move: which thread, what kind. */
export interface Action {
  /** Thread index (vCPUs first, then requesters). */
  readonly thread: number;
  /** Kind of move. */
  readonly kind: ActionKind;
}

const KINDS: readonly ActionKind[] = ["exec", "flush", "irq"];

/** Packs an action into a small integer (for parent links). */
export function encodeAction(a: Action): number {
  return a.thread * KINDS.length + KINDS.indexOf(a.kind);
}

/** Inverse of {@link encodeAction}. */
export function decodeAction(code: number): Action {
  return { thread: Math.floor(code / KINDS.length), kind: KINDS[code % KINDS.length] };
}

/** The moves enabled in `m`, in a fixed order (thread, then exec/flush/irq). */
export function enabledActions(model: Model, m: Machine): Action[] {
  const out: Action[] = [];
  const threads = model.vcpus + model.requesters;
  for (let t = 0; t < threads; t++) {
    const isVcpu = t < model.vcpus;
    const canExec = isVcpu ? vcpuCanExec(model, m, t) : requesterCanExec(model, m, t - model.vcpus);
    if (canExec) out.push({ thread: t, kind: "exec" });
    if (m.buffers[t].length > 0) out.push({ thread: t, kind: "flush" });
    if (isVcpu && vcpuCanTakeIrq(model, m, t)) out.push({ thread: t, kind: "irq" });
  }
  return out;
}

/** True when some move is enabled in `m` (stops at the first one). */
export function anyEnabled(model: Model, m: Machine): boolean {
  for (let t = 0; t < model.vcpus + model.requesters; t++) {
    if (m.buffers[t].length > 0) return true;
    if (t >= model.vcpus) {
      if (requesterCanExec(model, m, t - model.vcpus)) return true;
    } else if (vcpuCanExec(model, m, t) || vcpuCanTakeIrq(model, m, t)) return true;
  }
  return false;
}

function flush(m: Machine, t: number): Transition {
  const next = cloneMachine(m);
  const e = flushOne(next, t);
  const what = e.target === "mode"
    ? `vcpu->mode = ${MODE_NAMES[e.value]}`
    : e.target === "requests"
    ? `vCPU${e.vcpu} requests |= 0x${e.value.toString(16)}`
    : `work[vCPU${e.vcpu}] = 1`;
  return { next, action: `store buffer drains one entry: ${what} reaches memory`, events: [] };
}

/** Applies `a` to `m`; throws when `a` is not enabled in `m`. */
export function applyAction(model: Model, m: Machine, a: Action): Transition {
  const isVcpu = a.thread < model.vcpus;
  const name = threadName(model, a.thread);
  if (a.kind === "flush") {
    if (m.buffers[a.thread]?.length) return flush(m, a.thread);
  } else if (a.kind === "irq") {
    if (isVcpu && vcpuCanTakeIrq(model, m, a.thread)) return vcpuTakeIrq(m, a.thread);
  } else if (isVcpu) {
    if (vcpuCanExec(model, m, a.thread)) return vcpuExec(model, m, a.thread);
  } else {
    const r = a.thread - model.vcpus;
    if (r < model.requesters && requesterCanExec(model, m, r)) return requesterExec(model, m, r);
  }
  throw new Error(`move ${a.kind} of ${name} is not enabled`);
}
