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
 * Fires at `phase=end` for each IPI sent inside the call that provably was
 * not acknowledged before it:
 *
 * - its target was still in the guest (a `kvm_entry` and no `kvm_exit`
 *   since): ack_kick runs in the IPI's interrupt, which a vCPU in the guest
 *   only takes after its exit (6.12 and 6.18 arch/x86/kvm/x86.c
 *   vcpu_enter_guest() enables interrupts after the exit is traced). Needs
 *   only kvm_entry/kvm_exit, so it holds when acknowledgements are not traced;
 * - or acknowledgements are traced (`kvm_vcpu_ipi_ack`, or stock
 *   `csd_function_entry func=ack_kick`) and none came from the IPI's CPU
 *   before the end. This is decided at the end of the trace: a trace that
 *   never shows one cannot say an acknowledgement was missing, and the rule
 *   is then reported as not checked (coverage is a promise: issue 16.13).
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const waitUnacknowledged: Rule = defineRule({
  meta: {
    id: "wait-unacknowledged",
    severity: "error",
    seedSections: ["Waiting for Acknowledgements", "VCPU Request Flags"],
    description: "a WAIT request's sender finished before every IPI it sent was acknowledged",
    help:
      "kvm_make_all_cpus_request() with KVM_REQUEST_WAIT must wait for ack_kick on every vCPU it " +
      "sent an IPI to before returning.",
    needs: [
      ["kvm_make_all_cpus_request", "kvm_vcpu_kick", "kvm_vcpu_ipi_ack"],
      ["kvm_make_all_cpus_request", "kvm_vcpu_kick", "stock-ack"],
      ["kvm_make_all_cpus_request", "kvm_vcpu_kick", "kvm_entry", "kvm_exit"],
    ],
  },
  create(ctx) {
    /** Unacknowledged IPIs at a call's end, judged once the trace says whether acks are traced. */
    const unacked: {
      end: ModelEvent;
      begin: ModelEvent;
      ipi: ModelEvent;
      vcpu: number;
      text: string;
    }[] = [];
    let acksTraced = false;
    return {
      ipi_ack() {
        acksTraced = true;
      },
      stock_ack() {
        acksTraced = true;
      },
      all_cpus_request(ev) {
        if (ev.body.phase !== "end") return;
        const call = ctx.model.callOf(ev.body.vm, ev.origin.pid);
        if (call === undefined || !call.request.wait) return;
        for (const [vcpu, ipi] of [...call.ipis.entries()].sort((a, b) => a[0] - b[0])) {
          if (call.acks.has(vcpu)) continue;
          const v = ctx.model.knownVcpu(ev.body.vm, vcpu);
          const label = vcpuLabel(ev.body.vm, vcpu);
          const base = `${who(ev)} finished ${requestLabel(call.request)} (WAIT) before ${label} `;
          if (v?.inGuest === true && v.lastEntry !== undefined) {
            ctx.report({
              vm: ev.body.vm,
              vcpu,
              at: ev,
              message: base + `acknowledged the IPI it was sent: ${label} was still in the guest ` +
                `(entered at line ${v.lastEntry.origin.line}, no exit since), so ack_kick had not run`,
              evidence: [call.begin, v.lastEntry, ipi, ev],
            });
            continue;
          }
          unacked.push({
            end: ev,
            begin: call.begin,
            ipi,
            vcpu,
            text: base + `acknowledged the IPI it was sent`,
          });
        }
      },
      finish() {
        if (!acksTraced) return;
        for (const u of unacked) {
          const b = u.end.body;
          ctx.report({
            vm: b.kind === "all_cpus_request" ? b.vm : "0",
            vcpu: u.vcpu,
            at: u.end,
            message: u.text,
            evidence: [u.begin, u.ipi, u.end],
          });
        }
      },
    };
  },
});
