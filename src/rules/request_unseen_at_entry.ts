/**
 * `request-unseen-at-entry` — the Dekker pattern failed: the guest runs with
 * a request pending and nothing will make it exit.
 *
 * Seed, "Ensuring Requests Are Seen": the vCPU writes IN_GUEST_MODE, issues
 * smp_mb() and checks kvm_request_pending() last; the requester sets the bit,
 * issues smp_mb() and reads the mode. Either the vCPU sees the request and
 * aborts entry, or the requester sees IN_GUEST_MODE and sends an IPI.
 *
 * Fires when V enters the guest (`kvm_entry`) with a request R pending that
 * was made before V's last IN_GUEST_MODE write (so the final check had to see
 * it), or was made later with no IPI sent to V since. Also fires at the final
 * check itself when it read a bitmap without R's bit although R was made
 * before the IN_GUEST_MODE write. One finding per request.
 *
 * @module
 */

import type { ModelEvent } from "../model/model_event.ts";
import type { PendingRequest, VcpuState } from "../model/vcpu_state.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import type { Rule, RuleContext } from "./rule.ts";

const ID = "request-unseen-at-entry";

function madeBeforeInWrite(v: VcpuState, p: PendingRequest): boolean {
  return v.lastInGuestWrite !== undefined && p.made.seq < v.lastInGuestWrite.seq;
}

function report(
  ctx: RuleContext,
  v: VcpuState,
  p: PendingRequest,
  ev: ModelEvent,
  why: string,
): void {
  if (p.reported.has(ID)) return;
  p.reported.add(ID);
  const evidence = [p.made, ...(v.lastInGuestWrite ? [v.lastInGuestWrite] : []), ev];
  if (v.lastPendingCheck !== undefined && v.lastPendingCheck.seq > p.made.seq) {
    evidence.push(v.lastPendingCheck);
  }
  const kick = ctx.model.kicker(p.maker, v.vm, v.vcpu).lastKick;
  if (kick !== undefined && kick.seq > p.made.seq) evidence.push(kick);
  ctx.report({
    vm: v.vm,
    vcpu: v.vcpu,
    at: ev,
    message:
      `${vcpuLabel(v.vm, v.vcpu)} ${why} while ${requestLabel(p.request)} (made by ${
        who(p.made)
      }) ` +
      `is pending`,
    evidence: evidence.sort((a, b) => a.seq - b.seq),
  });
}

/** The rule. */
export const requestUnseenAtEntry: Rule = {
  meta: {
    id: ID,
    severity: "error",
    seedSection: "Ensuring Requests Are Seen",
    description:
      "the guest is entered while a request made before the IN_GUEST_MODE write is pending",
    help:
      "The final kvm_request_pending() check after writing IN_GUEST_MODE (with smp_mb() between) " +
      "must see every request made before the write; a request made after it must be followed by an " +
      "IPI. Entering the guest otherwise leaves the request unseen for as long as the guest runs.",
    needs: [["kvm_make_request", "kvm_vcpu_mode", "kvm_entry"], [
      "kvm_make_request",
      "kvm_vcpu_mode",
      "kvm_request_pending",
    ]],
  },
  create(ctx) {
    return {
      request_pending(ev) {
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        for (const p of v.pending.values()) {
          const nr = p.request.nr;
          if (nr === undefined || nr > 63 || (ev.body.pending >> BigInt(nr)) & 1n) continue;
          if (madeBeforeInWrite(v, p)) {
            report(ctx, v, p, ev, "read no pending request in its final check");
          }
        }
      },
      entry(ev) {
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        if (v.lastInGuestWrite === undefined) return;
        for (const p of v.pending.values()) {
          if (madeBeforeInWrite(v, p)) report(ctx, v, p, ev, "entered the guest");
          // IPI Reduction: one IPI sent since the IN_GUEST_MODE write serves every later request.
          else if (v.ipiInFlight === undefined || v.ipiInFlight.seq < v.lastInGuestWrite.seq) {
            report(ctx, v, p, ev, "entered the guest with no IPI coming");
          }
        }
      },
    };
  },
};
