/**
 * `no-wakeup-violated` — a KVM_REQUEST_NO_WAKEUP request woke a sleeping vCPU.
 *
 * Seed, "KVM_REQUEST_NO_WAKEUP": such requests only need attention from vCPUs
 * running in guest mode; sleeping vCPUs handle them when something else wakes
 * them. kvm_make_all_cpus_request() honours the flag (kvm_make_vcpu_request()
 * skips kvm_vcpu_wake_up()), so a wake from inside one, for a NO_WAKEUP
 * request, costs a needless wakeup and schedule of every idle vCPU.
 *
 * A single kick always wakes (6.12 kvm_vcpu_kick() and 6.18
 * __kvm_vcpu_kick(vcpu, wait) both call kvm_vcpu_wake_up() first; the flag is
 * only consulted by the all-CPUs path), so this rule only judges kicks inside
 * a kvm_make_all_cpus_request().
 *
 * @module
 */

import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const noWakeupViolated: Rule = defineRule({
  meta: {
    id: "no-wakeup-violated",
    severity: "warning",
    seedSections: ["VCPU Request Flags", "VCPU Kicks"],
    description: "a NO_WAKEUP request woke a sleeping vCPU",
    help:
      "kvm_make_all_cpus_request() with a KVM_REQUEST_NO_WAKEUP request must not wake sleeping " +
      "vCPUs: they will see the request when they wake for another reason.",
    needs: [["kvm_make_all_cpus_request", "kvm_vcpu_kick"]],
  },
  create(ctx) {
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action !== "wake") return;
        const { call, request } = ctx.model.kickContext(b.vm, ev.origin.pid, b.vcpu);
        if (call === undefined || request === undefined || !request.noWakeup) return;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message: `${who(ev)} woke ${vcpuLabel(b.vm, b.vcpu)} for ${
            requestLabel(request)
          }, a NO_WAKEUP request`,
          evidence: [call.begin, ev],
        });
      },
    };
  },
});
