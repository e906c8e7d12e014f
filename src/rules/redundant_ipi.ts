/**
 * `redundant-ipi` — an IPI the protocol's coalescing should have avoided.
 *
 * Seed, "IPI Reduction": the first IPI-sending kick moves the vCPU from
 * IN_GUEST_MODE to EXITING_GUEST_MODE, so later kicks see !IN_GUEST_MODE and
 * send nothing: one IPI serves every request. An IPI to a vCPU already
 * EXITING_GUEST_MODE (or outside guest mode) is wasted work on the host and a
 * sign the cmpxchg was skipped. For KVM_REQUEST_WAIT only OUTSIDE_GUEST_MODE
 * makes the IPI redundant (the seed sends it to EXITING and
 * READING_SHADOW_PAGE_TABLES vCPUs on purpose).
 *
 * Fires on `action=ipi` when the observed mode says no IPI was due, or when
 * the model knows an earlier kick already moved V to EXITING_GUEST_MODE.
 *
 * @module
 */

import { at, requestLabel, vcpuLabel, who } from "./describe.ts";
import type { ResolvedRequest } from "../model/request_ref.ts";
import { defineRule, type Rule } from "./rule.ts";

/** ` for KVM_REQ_… (WAIT)`: the request a kick went with, for messages. */
function forRequest(request: ResolvedRequest | undefined, wait: boolean): string {
  return request === undefined ? "" : ` for ${requestLabel(request)}${wait ? " (WAIT)" : ""}`;
}

/** The rule. */
export const redundantIpi: Rule = defineRule({
  meta: {
    id: "redundant-ipi",
    severity: "warning",
    seedSections: ["IPI Reduction"],
    description: "an IPI sent to a vCPU already EXITING_GUEST_MODE or outside guest mode",
    help:
      "Kicks coalesce through the IN_GUEST_MODE -> EXITING_GUEST_MODE cmpxchg: only the kick that " +
      "wins it sends the IPI. A second IPI, or one to a vCPU outside guest mode, means a kick path " +
      "bypassed kvm_vcpu_exiting_guest_mode().",
    needs: [["kvm_vcpu_kick"]],
  },
  create(ctx) {
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action !== "ipi") return;
        const { call, request } = ctx.model.kickContext(b.vm, ev.origin.pid, b.vcpu);
        // KVM_REQUEST_WAIT only changes the IPI condition inside kvm_make_all_cpus_request()
        // (kvm_request_needs_ipi()). A single kick can wait in 6.18 (__kvm_vcpu_kick(vcpu,
        // wait) sends an ack_kick call instead of a reschedule IPI), but it still sends one
        // only for IN_GUEST_MODE (kvm_arch_vcpu_should_kick()).
        const wait = call !== undefined && request?.wait === true;
        const observedNeedsNone = wait
          ? b.mode === "OUTSIDE_GUEST_MODE"
          : b.mode !== "IN_GUEST_MODE";
        if (observedNeedsNone) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message: `${who(ev)} sent an IPI to ${vcpuLabel(b.vm, b.vcpu)}${
              forRequest(request, wait)
            } although it observed ${b.mode}`,
            evidence: [ev],
          });
          return;
        }
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        const prior = v.modeSetBy;
        if (
          !wait && v.mode === "EXITING_GUEST_MODE" && prior !== undefined &&
          prior.body.kind === "kick"
        ) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message:
              `${who(ev)} sent a second IPI to ${vcpuLabel(b.vm, b.vcpu)}${
                forRequest(request, wait)
              }: the kick at ` +
              `${at(prior)} had already moved it to EXITING_GUEST_MODE`,
            evidence: [prior, ev],
          });
        }
      },
    };
  },
});
