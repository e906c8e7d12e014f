/**
 * `kick-without-ipi` — a kick that had to send an IPI and did not.
 *
 * Seed, "VCPU Kicks" and "Waiting for Acknowledgements": a vCPU in guest
 * mode only leaves it on an IPI. A kick that observed IN_GUEST_MODE must send
 * one; for a KVM_REQUEST_WAIT request the condition is "not
 * OUTSIDE_GUEST_MODE". (A WAIT kick that skipped a vCPU in
 * READING_SHADOW_PAGE_TABLES is the more specific `wait-missed-reader`.)
 *
 * No IPI is due (6.12 and 6.18 virt/kvm/kvm_main.c kvm_vcpu_kick() and
 * kvm_make_vcpu_request()) when the kick woke the vCPU (`wake`: it returns
 * right after kvm_vcpu_wake_up() succeeds, and a woken vCPU is outside guest
 * mode), when it runs on the vCPU's own CPU (`self`, or a `cpu=` that is the
 * kicker's CPU: kicked from a hard irq on the vCPU's CPU, or the kicker is
 * the vCPU), or when the vCPU's CPU is -1 or offline (`none` with
 * `cpu=-1`). The IN_GUEST_MODE → EXITING_GUEST_MODE exchange happens in all
 * of these cases; only the IPI is skipped.
 *
 * @module
 */

import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const kickWithoutIpi: Rule = defineRule({
  meta: {
    id: "kick-without-ipi",
    severity: "error",
    seedSections: ["VCPU Kicks", "Waiting for Acknowledgements"],
    description: "a kick observed IN_GUEST_MODE (or, for WAIT, not OUTSIDE) and sent no IPI",
    help:
      "A vCPU running the guest only notices a request when an IPI forces an exit. A kick that " +
      "reads IN_GUEST_MODE must send the IPI (kvm_vcpu_exiting_guest_mode() then smp_send_reschedule " +
      "or smp_call_function); with KVM_REQUEST_WAIT any mode but OUTSIDE_GUEST_MODE needs it.",
    needs: [["kvm_vcpu_kick"]],
  },
  create(ctx) {
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action === "ipi" || b.action === "self" || b.action === "wake") return;
        // No IPI to send: the vCPU's CPU is unknown to the kernel (-1) or the kicker's own.
        if (b.cpu !== undefined && (b.cpu < 0 || b.cpu === ev.origin.cpu)) return;
        const { call, request } = ctx.model.kickContext(b.vm, ev.origin.pid, b.vcpu);
        // KVM_REQUEST_WAIT changes the IPI condition (kvm_request_needs_ipi(): any mode but
        // OUTSIDE_GUEST_MODE) only for the fan-outs' kvm_make_vcpu_request(); a single
        // kvm_vcpu_kick() — which can wait in 6.18 (__kvm_vcpu_kick(vcpu, wait)) — still
        // sends its IPI only for IN_GUEST_MODE (kvm_arch_vcpu_should_kick()).
        const wait = call !== undefined && request?.wait === true;
        if (b.mode === "READING_SHADOW_PAGE_TABLES" && wait) return;
        const needsIpi = wait ? b.mode !== "OUTSIDE_GUEST_MODE" : b.mode === "IN_GUEST_MODE";
        if (!needsIpi) return;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        const req = request === undefined
          ? ""
          : ` for ${requestLabel(request)}${wait ? " (WAIT)" : ""}`;
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message:
            `${who(ev)} kicked ${vcpuLabel(b.vm, b.vcpu)}${req}, observed ${b.mode}, and sent no ` +
            `IPI (action=${b.action})`,
          evidence: v.modeSetBy !== undefined ? [v.modeSetBy, ev] : [ev],
        });
      },
    };
  },
});
