/**
 * `entry-after-vm-dead` — a vCPU entered the guest after KVM_REQ_VM_DEAD was
 * made of it.
 *
 * Seed, "KVM_REQ_VM_DEAD": the request tells every vCPU that the VM is dead
 * and unusable; a vCPU that sees it must refuse to run (x86 returns -EIO from
 * KVM_RUN). Entering the guest afterwards runs a VM whose state may be gone.
 *
 * Fires on the first `kvm_entry` of V that follows KVM_REQ_VM_DEAD made of V
 * (by kvm_make_request or kvm_make_all_cpus_request) *and* a point where V
 * had to see it: an IN_GUEST_MODE write after the request (its final check,
 * kvm_vcpu_exit_request(), reads the bit and cancels the entry), or a guest
 * exit after it (every way back into the guest passes a request check: the
 * slow path's vcpu_enter_guest() tests KVM_REQ_VM_DEAD first and returns
 * -EIO, the fastpath loop re-checks kvm_vcpu_exit_request(); 6.12 and 6.18
 * arch/x86/kvm/x86.c). The entry already under way when the request is made
 * after the final check is not a violation: the kick's IPI makes it exit, and
 * the next attempt fails.
 *
 * On a stock 6.18 kernel, `kvm_exit … requests 0x…` showing the VM_DEAD bit
 * stands for the request (the bit was set before that exit), so an entry
 * after such an exit is checkable without the patch series.
 *
 * @module
 */

import { vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const entryAfterVmDead: Rule = defineRule({
  meta: {
    id: "entry-after-vm-dead",
    severity: "error",
    seedSections: ["Architecture Independent Requests"],
    description: "a guest entry after KVM_REQ_VM_DEAD was made of that vCPU",
    help: "Once KVM_REQ_VM_DEAD is made (kvm_vm_dead), vCPUs must not enter the guest again: the " +
      "request check before entry has to stop KVM_RUN.",
    needs: [["kvm_make_request", "kvm_entry"], ["kvm_make_all_cpus_request", "kvm_entry"], [
      "kvm_exit-requests",
      "kvm_entry",
    ]],
  },
  create(ctx) {
    const reported = new Set<string>();
    return {
      entry(ev) {
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        const dead = v.deadSince;
        if (dead === undefined) return;
        const key = `${v.vm}\u0000${v.vcpu}`;
        if (reported.has(key)) return;
        const sawIt = (v.lastInGuestWrite !== undefined && v.lastInGuestWrite.seq > dead.seq) ||
          (v.lastExit !== undefined && v.lastExit.seq >= dead.seq);
        if (!sawIt) return;
        reported.add(key);
        ctx.report({
          vm: v.vm,
          vcpu: v.vcpu,
          at: ev,
          message: dead.body.kind === "exit"
            ? `${vcpuLabel(v.vm, v.vcpu)} entered the guest after its exit showed ` +
              `KVM_REQ_VM_DEAD pending (kvm_exit requests)`
            : `${vcpuLabel(v.vm, v.vcpu)} entered the guest after ${who(dead)} made ` +
              `KVM_REQ_VM_DEAD of it`,
          evidence: [
            ...new Set([
              dead,
              ...(v.lastInGuestWrite?.seq ?? -1) > dead.seq ? [v.lastInGuestWrite!] : [],
              ev,
            ]),
          ],
        });
      },
    };
  },
});
