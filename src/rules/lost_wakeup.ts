/**
 * `lost-wakeup` — a sleeping vCPU that a kick or request had to wake stayed
 * asleep.
 *
 * Seed, "VCPU Kicks" (action 2) and "Sleeping VCPUs": a kick of a vCPU
 * sleeping in kvm_vcpu_block() must wake it (unless the request carries
 * KVM_REQUEST_NO_WAKEUP and comes from kvm_make_all_cpus_request()).
 *
 * A kick of a blocked V that did not wake it (`action=none`/`ipi`) and read
 * OUTSIDE_GUEST_MODE is a suspect. A kick that read any other mode made its
 * decision before V blocked, whatever the order of the lines: 6.12
 * kvm_vcpu_kick() and kvm_make_vcpu_request() (virt/kvm/kvm_main.c) try
 * kvm_vcpu_wake_up() first and only then read the mode (the cmpxchg of
 * kvm_arch_vcpu_should_kick() / kvm_vcpu_exiting_guest_mode()), and a vCPU
 * in kvm_vcpu_block() is OUTSIDE_GUEST_MODE (vcpu_enter_guest(),
 * arch/x86/kvm/x86.c, writes it at every exit before the HLT is handled).
 * The kick line is recorded after that read, and under load well after it
 * (real: a lab ipi trace, `mode=IN_GUEST_MODE action=ipi` recorded 140 µs
 * after the vCPU's exit for HLT and its kvm_vcpu_block line). For the same
 * reason a kick whose request (the kicker's last `kvm_make_request` of V) V
 * had already consumed is no suspect: V served it, halted, and nothing is
 * left for a wakeup to deliver (real: labbig's single-threaded-TCG trace-cmd
 * recording, a `mode=OUTSIDE_GUEST_MODE action=none` kick line 3.5 ms after
 * its make line, after V checked the request, entered, halted and blocked). It is a lost wakeup when V's eventual `kvm_vcpu_unblock` says it
 * was woken by something else (`woken=1`), or V is still blocked when the
 * trace ends; `woken=0` (halt-polling saw the request) or a stock
 * `kvm_vcpu_wakeup … polling` ending in `poll` (the halt ended while polling:
 * kvm_vcpu_halt(), virt/kvm/kvm_main.c, traces it once at its end, 6.12 and
 * 6.18) clears it. Also, at the end of the trace, a vCPU still blocked with a
 * pending request made longer than the latency threshold ago that by itself
 * makes a halted vCPU runnable (`ResolvedRequest.wakesHalted`: on x86 the
 * requests kvm_vcpu_has_events() tests, and KVM_REQ_UNBLOCK): a halted vCPU
 * may sleep on with KVM_REQ_CLOCK_UPDATE or KVM_REQ_EVENT pending, by design.
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";
import { VcpuMap } from "./vcpu_map.ts";

/** The rule. */
export const lostWakeup: Rule = defineRule({
  meta: {
    id: "lost-wakeup",
    severity: "error",
    seedSections: ["VCPU Kicks", "Sleeping VCPUs"],
    description: "a sleeping vCPU not woken by a kick or request that must wake it",
    help:
      "A kick of a vCPU sleeping in kvm_vcpu_block() must wake it (kvm_vcpu_wake_up); otherwise " +
      "the request waits until some unrelated event wakes the vCPU. Only NO_WAKEUP requests sent " +
      "with kvm_make_all_cpus_request() may leave a sleeping vCPU asleep.",
    reads: ["kvm_vcpu_unblock", "kvm_vcpu_wakeup"],
    needs: [["kvm_vcpu_kick", "kvm_vcpu_block"]],
  },
  create(ctx) {
    const suspects = new VcpuMap<{ kick: ModelEvent; block: ModelEvent }>();
    const reportSuspect = (
      s: { kick: ModelEvent; block: ModelEvent },
      end: ModelEvent | undefined,
    ) => {
      const b = s.kick.body;
      if (b.kind !== "kick") return;
      ctx.report({
        vm: b.vm,
        vcpu: b.vcpu,
        at: s.kick,
        message:
          `${who(s.kick)} kicked ${vcpuLabel(b.vm, b.vcpu)} while it slept in kvm_vcpu_block() ` +
          `and did not wake it (action=${b.action}); ` +
          (end === undefined
            ? "it was still asleep when the trace ended"
            : "something else woke it later"),
        evidence: end === undefined ? [s.block, s.kick] : [s.block, s.kick, end],
      });
    };
    const woke = (vm: string, vcpu: number, ev: ModelEvent, byPolling: boolean) => {
      const s = suspects.get(vm, vcpu);
      if (s === undefined) return;
      suspects.delete(vm, vcpu);
      if (!byPolling) reportSuspect(s, ev);
    };
    return {
      kick(ev) {
        const b = ev.body;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        if (v.blockedSince === undefined || b.action === "wake" || b.action === "self") return;
        // The kick read V in (or leaving, or walking shadow tables outside) guest mode: it
        // decided before V blocked, and its line is late (see above).
        if (b.mode !== "OUTSIDE_GUEST_MODE") return;
        // An earlier kick already woke it; it just has not left kvm_vcpu_block() yet.
        if (v.wokenBy !== undefined && v.wokenBy.seq > v.blockedSince.seq) return;
        const { call, request } = ctx.model.kickContext(b.vm, ev.origin.pid, b.vcpu);
        if (call !== undefined && request?.noWakeup) return;
        // The request this kick is for was already consumed: the vCPU served it and then
        // halted; the kick's line is late (see above), and nothing waits for a wakeup.
        const k = ctx.model.kicker(ev.origin.pid, b.vm, b.vcpu);
        const nr = k.requestMade?.nr;
        const served = nr === undefined ? undefined : v.lastConsumed.get(nr);
        if (
          k.requestSince !== undefined && served !== undefined && served.seq > k.requestSince.seq
        ) {
          return;
        }
        if (!suspects.has(b.vm, b.vcpu)) {
          suspects.set(b.vm, b.vcpu, { kick: ev, block: v.blockedSince });
        }
      },
      unblock(ev) {
        woke(ev.body.vm, ev.body.vcpu, ev, ev.body.woken === false);
      },
      stock_wakeup(ev) {
        woke(ev.body.vm, ev.body.vcpu, ev, ev.body.waited === false);
      },
      finish() {
        for (const s of suspects.values()) reportSuspect(s, undefined);
        const last = ctx.model.lastEvent;
        if (last === undefined || ctx.timeUnit !== "ns") return;
        for (const v of ctx.model.allVcpus()) {
          if (v.blockedSince === undefined || suspects.has(v.vm, v.vcpu)) continue;
          for (const p of v.pending.values()) {
            if (!p.request.wakesHalted || p.ambiguous || p.made.seq < v.blockedSince.seq) continue;
            if (last.origin.ts - p.made.origin.ts <= ctx.options.latencyThresholdNs) continue;
            ctx.report({
              vm: v.vm,
              vcpu: v.vcpu,
              at: p.made,
              message:
                `${who(p.made)} made ${requestLabel(p.request)} of ${
                  vcpuLabel(v.vm, v.vcpu)
                } while it ` +
                `slept, and it was still asleep when the trace ended`,
              evidence: [v.blockedSince, p.made],
            });
            break;
          }
        }
      },
    };
  },
});
