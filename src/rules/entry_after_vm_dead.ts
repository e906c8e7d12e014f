/**
 * `entry-after-vm-dead` — a vCPU entered the guest after KVM_REQ_VM_DEAD was
 * made of it.
 *
 * Seed, "KVM_REQ_VM_DEAD": the request tells every vCPU that the VM is dead
 * and unusable; a vCPU that sees it must refuse to run (x86 returns -EIO from
 * KVM_RUN). Entering the guest afterwards runs a VM whose state may be gone.
 *
 * Fires on the first `kvm_entry` of V after KVM_REQ_VM_DEAD was made of V
 * (by kvm_make_request or kvm_make_all_cpus_request).
 *
 * @module
 */

import { vcpuLabel, who } from "./describe.ts";
import type { Rule } from "./rule.ts";

/** The rule. */
export const entryAfterVmDead: Rule = {
  meta: {
    id: "entry-after-vm-dead",
    severity: "error",
    seedSection: "KVM_REQ_VM_DEAD",
    description: "a guest entry after KVM_REQ_VM_DEAD was made of that vCPU",
    help: "Once KVM_REQ_VM_DEAD is made (kvm_vm_dead), vCPUs must not enter the guest again: the " +
      "request check before entry has to stop KVM_RUN.",
    needs: [["kvm_make_request", "kvm_entry"], ["kvm_make_all_cpus_request", "kvm_entry"]],
  },
  create(ctx) {
    const reported = new Set<string>();
    return {
      entry(ev) {
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        const key = `${v.vm}\u0000${v.vcpu}`;
        if (v.deadSince === undefined || reported.has(key)) return;
        reported.add(key);
        ctx.report({
          vm: v.vm,
          vcpu: v.vcpu,
          at: ev,
          message: `${vcpuLabel(v.vm, v.vcpu)} entered the guest after ${who(v.deadSince)} made ` +
            `KVM_REQ_VM_DEAD of it`,
          evidence: [v.deadSince, ev],
        });
      },
    };
  },
};
