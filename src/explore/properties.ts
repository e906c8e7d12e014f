/**
 * The safety properties every reachable state is checked against.
 *
 * @module
 */

import { type Machine, workPending } from "./machine.ts";
import { isWaitRequester, type Model } from "./model.ts";
import { inGuest } from "./step_vcpu.ts";
import { anyEnabled } from "./transitions.ts";
import type { PropertyId } from "./types.ts";

/** What each property forbids. */
export const PROPERTIES: Readonly<Record<PropertyId, string>> = {
  "request-unseen": "P1: a vCPU runs in guest mode while a request (or the work of a " +
    "request-less kick) is pending for it, in memory or a store buffer, and no IPI is coming",
  "outside-guest-mode-not-reached": "P2: kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE) " +
    "returned while a target vCPU was still in guest mode since before the call",
  "deadlock": "P3: no thread can move but a requester has not finished",
};

/**
 * True when requester `r` is still on its way to an IPI for vCPU `v`: it
 * made its request or work for `v` and has not decided yet, or it decided
 * on an IPI it has not sent.
 */
export function ipiOwed(model: Model, m: Machine, r: number, v: number): boolean {
  const s = m.requesters[r];
  const op = model.requesterPrograms[r][s.pc];
  if (op === undefined) return false;
  if (op.op === "kick" || op.op === "send_ipi") return op.vcpu === v;
  if (op.op === "amr_kick" || op.op === "amr_send") return (s.ipiMask & (1 << v)) !== 0;
  return false;
}

/** P1 for vCPU `v`. */
function requestUnseen(model: Model, m: Machine, v: number): boolean {
  if (!inGuest(model, m, v) || m.vcpus[v].ipi !== 0 || !workPending(m, v)) return false;
  for (let r = 0; r < model.requesters; r++) if (ipiOwed(model, m, r, v)) return false;
  return true;
}

/** P2: a finished KVM_REQ_OUTSIDE_GUEST_MODE sender left a vCPU in the guest. */
function outsideNotReached(model: Model, m: Machine): boolean {
  for (let r = 0; r < model.requesters; r++) {
    if (!isWaitRequester(r)) continue;
    const s = m.requesters[r];
    if (s.pc === model.requesterPrograms[r].length && s.stale !== 0) return true;
  }
  return false;
}

/** P3: nothing can move and a requester is not done. */
function deadlocked(model: Model, m: Machine): boolean {
  const unfinished = m.requesters.some((s, r) => s.pc < model.requesterPrograms[r].length);
  return unfinished && !anyEnabled(model, m);
}

/** The first property `m` violates, or `undefined`. */
export function violatedProperty(model: Model, m: Machine): PropertyId | undefined {
  for (let v = 0; v < model.vcpus; v++) if (requestUnseen(model, m, v)) return "request-unseen";
  if (outsideNotReached(model, m)) return "outside-guest-mode-not-reached";
  if (deadlocked(model, m)) return "deadlock";
  return undefined;
}
