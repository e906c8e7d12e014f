/**
 * `guest-mode-irqs-enabled` — IN_GUEST_MODE written with interrupts on.
 *
 * Seed, "Ensuring Requests Are Seen": a kick's IPI only forces an exit from a
 * vCPU that is in guest mode or has already disabled interrupts to prepare
 * for entry. The vCPU must disable interrupts *before* writing IN_GUEST_MODE
 * and enable them atomically with guest entry; with interrupts on, an IPI can
 * land in the host between the final check and entry and be lost.
 *
 * Decided from the irqs-off character (`d`) of the ftrace flag column of the
 * `kvm_vcpu_mode ... new=IN_GUEST_MODE` line; not checked without the column
 * (`options/irq-info` off, or trace-cmd report without `-l`). The final
 * check that follows (`kvm_request_pending`, when it read IN_GUEST_MODE) must
 * show the flag too: with interrupts on at the check, a kick whose IPI comes
 * after it is taken in the host instead of forcing an exit, and the entry
 * goes ahead (6.12 and 6.18 vcpu_enter_guest(), arch/x86/kvm/x86.c,
 * keep them off from before the IN_GUEST_MODE write until the guest runs;
 * every final check of the lab traces is `d`).
 *
 * @module
 */

import { vcpuLabel } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const guestModeIrqsEnabled: Rule = defineRule({
  meta: {
    id: "guest-mode-irqs-enabled",
    severity: "error",
    seedSections: ["Ensuring Requests Are Seen"],
    description: "IN_GUEST_MODE written with interrupts enabled",
    help:
      "Disable interrupts (local_irq_disable) before writing IN_GUEST_MODE: the kick IPI is only " +
      "guaranteed to force an exit once interrupts are off, since entry re-enables them atomically.",
    reads: ["kvm_request_pending"],
    needs: [["kvm_vcpu_mode", "irq-flags"]],
  },
  create(ctx) {
    return {
      mode(ev) {
        const b = ev.body;
        if (b.new !== "IN_GUEST_MODE" || ev.irqsOff !== false) return;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message:
            `${vcpuLabel(b.vm, b.vcpu)} wrote IN_GUEST_MODE with interrupts enabled (flag column ` +
            `\`${ev.origin.flags}\` has no irqs-off \`d\`)`,
          evidence: [ev],
        });
      },
      request_pending(ev) {
        const b = ev.body;
        if (b.mode !== "IN_GUEST_MODE" || ev.irqsOff !== false) return;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        const w = v.lastInGuestWrite;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message: `${vcpuLabel(b.vm, b.vcpu)} made its final kvm_request_pending() check in ` +
            `IN_GUEST_MODE with interrupts enabled (flag column \`${ev.origin.flags}\` has no ` +
            `irqs-off \`d\`): a kick's IPI that comes after the check is taken in the host, and the ` +
            `guest is entered anyway`,
          evidence: w !== undefined && w.seq < ev.seq ? [w, ev] : [ev],
        });
      },
    };
  },
});
