/**
 * `wait-missed-reader` — a KVM_REQUEST_WAIT request skipped a vCPU walking
 * shadow page tables.
 *
 * Seed, "Waiting for Acknowledgements": a vCPU in READING_SHADOW_PAGE_TABLES
 * walks page tables locklessly with interrupts off; a WAIT request (e.g.
 * KVM_REQ_TLB_FLUSH when a page table is freed) must send it an IPI and wait
 * for the acknowledgement, which cannot come before the walk ends. The WAIT
 * condition is "not OUTSIDE_GUEST_MODE", not "IN_GUEST_MODE".
 *
 * Fires on a kick belonging to a WAIT request whose target was (by the model,
 * or as the kick observed) READING_SHADOW_PAGE_TABLES and that sent no IPI.
 *
 * @module
 */

import { requestLabel, vcpuLabel, who } from "./describe.ts";
import type { Rule } from "./rule.ts";

/** The rule. */
export const waitMissedReader: Rule = {
  meta: {
    id: "wait-missed-reader",
    severity: "error",
    seedSection: "Waiting for Acknowledgements",
    description: "a WAIT request sent no IPI to a vCPU in READING_SHADOW_PAGE_TABLES",
    help:
      "With KVM_REQUEST_WAIT the IPI condition is mode != OUTSIDE_GUEST_MODE, so that a requester " +
      "freeing page tables waits for vCPUs still walking them locklessly.",
    needs: [["kvm_vcpu_kick", "kvm_vcpu_mode"]],
  },
  create(ctx) {
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action === "ipi" || b.action === "self") return;
        const { call, request } = ctx.model.kickContext(b.vm, ev.origin.pid, b.vcpu);
        if (call === undefined || request === undefined || !request.wait) return;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        if (b.mode !== "READING_SHADOW_PAGE_TABLES" && v.mode !== "READING_SHADOW_PAGE_TABLES") {
          return;
        }
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          message:
            `${who(ev)} kicked ${vcpuLabel(b.vm, b.vcpu)} for ${
              requestLabel(request)
            } (WAIT) while it ` +
            `was READING_SHADOW_PAGE_TABLES, and sent no IPI (action=${b.action})`,
          evidence: v.modeSetBy !== undefined ? [v.modeSetBy, ev] : [ev],
        });
      },
    };
  },
};
