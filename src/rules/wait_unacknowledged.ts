/**
 * `wait-unacknowledged` — a WAIT request's sender went on before every IPI
 * it sent was acknowledged.
 *
 * Seed, "KVM_REQUEST_WAIT" and "Waiting for Acknowledgements": the caller of
 * kvm_make_all_cpus_request() with a WAIT request waits for each vCPU it sent
 * an IPI to (smp_call_function_many(..., wait=true) on ack_kick). Returning
 * earlier breaks what the request promises, e.g. that no vCPU still uses a
 * freed page table.
 *
 * Fires at `phase=end` for each IPI sent inside the call with no
 * `kvm_vcpu_ipi_ack` (or stock `ack_kick`) from its target before it.
 *
 * @module
 */

import { requestLabel, vcpuLabel, who } from "./describe.ts";
import type { Rule } from "./rule.ts";

/** The rule. */
export const waitUnacknowledged: Rule = {
  meta: {
    id: "wait-unacknowledged",
    severity: "error",
    seedSection: "Waiting for Acknowledgements",
    description: "a WAIT request's sender finished before every IPI it sent was acknowledged",
    help:
      "kvm_make_all_cpus_request() with KVM_REQUEST_WAIT must wait for ack_kick on every vCPU it " +
      "sent an IPI to before returning.",
    needs: [["kvm_make_all_cpus_request", "kvm_vcpu_kick", "kvm_vcpu_ipi_ack"], [
      "kvm_make_all_cpus_request",
      "kvm_vcpu_kick",
      "stock-ack",
    ]],
  },
  create(ctx) {
    return {
      all_cpus_request(ev) {
        if (ev.body.phase !== "end") return;
        const call = ctx.model.callOf(ev.body.vm, ev.origin.pid);
        if (call === undefined || !call.request.wait) return;
        for (const [vcpu, ipi] of [...call.ipis.entries()].sort((a, b) => a[0] - b[0])) {
          if (call.acks.has(vcpu)) continue;
          ctx.report({
            vm: ev.body.vm,
            vcpu,
            at: ev,
            message:
              `${who(ev)} finished ${requestLabel(call.request)} (WAIT) before ${
                vcpuLabel(ev.body.vm, vcpu)
              } ` +
              `acknowledged the IPI it was sent`,
            evidence: [call.begin, ipi, ev],
          });
        }
      },
    };
  },
};
