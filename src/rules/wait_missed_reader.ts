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
 * Fires on a kick belonging to a WAIT request that sent no IPI when the kick
 * itself read READING_SHADOW_PAGE_TABLES, or when the target's READING write
 * was recorded before the kicker's `kvm_make_request` line for it (before
 * `phase=begin` when there is none) with no write since. The kicker reads the
 * mode after that line (6.12 virt/kvm/kvm_main.c kvm_make_vcpu_request():
 * __kvm_make_request(), then kvm_request_needs_ipi() reads vcpu->mode; the
 * series records the make line after set_bit), so such a write was visible
 * to it. A READING write after the make line races with the kicker's read:
 * walk_shadow_page_lockless_begin() writes the mode with smp_store_mb() and
 * then reads the SPTEs the requester already changed, so a walker the
 * requester did not see needs no IPI (real: lab shadow-mmu trace, the
 * walker's write and a kick reading OUTSIDE_GUEST_MODE in the same µs on two
 * CPUs, after the kicker's make line).
 *
 * @module
 */

import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const waitMissedReader: Rule = defineRule({
  meta: {
    id: "wait-missed-reader",
    severity: "error",
    seedSections: ["Waiting for Acknowledgements"],
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
        if (b.mode !== "READING_SHADOW_PAGE_TABLES") {
          if (v.mode !== "READING_SHADOW_PAGE_TABLES" || v.modeSetBy === undefined) return;
          // The kicker read the mode after its make line for V (or after phase=begin).
          const made = ctx.model.kicker(ev.origin.pid, b.vm, b.vcpu).requestSince;
          const readAfter = made !== undefined && made.seq > call.begin.seq ? made : call.begin;
          if (v.modeSetBy.seq > readAfter.seq) return;
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
});
