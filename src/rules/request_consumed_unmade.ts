/**
 * `request-consumed-unmade` — the vCPU found a request that no traced event
 * made.
 *
 * Seed, "VCPU Request Internals": requests are bits of `vcpu->requests` set
 * only through kvm_make_request() / kvm_make_all_cpus_request() (raw bitops
 * break the abstraction). A bit found pending that nothing in the trace set
 * means a path that sets bits behind the API, or — most often — lost events.
 *
 * Only judged once the vCPU's pending set is known exactly: after a final
 * `kvm_request_pending` check that read no bits. Fires on
 * `kvm_check_request result=1` and on final-check bits for requests the model
 * does not hold. Confidence is lowered when the trace lost events before it.
 *
 * The series records `kvm_make_request` after the bit is set, so the
 * consumer can come first: a bit found but not (yet) made is reported only
 * if no line making it follows within `MAKE_LINE_LAG_NS`; likewise a bit a
 * final check reads right after another CPU's line cleared it (the read came
 * first: lab clock trace, kvm_end_pvclock_update()'s clear of
 * KVM_REQ_MCLOCK_INPROGRESS recorded 13 µs before the vCPU's check).
 *
 * @module
 */

import { type ModelEvent, nsBetween } from "../events/model_event.ts";
import { MAKE_LINE_LAG_NS } from "../model/protocol_model.ts";
import { vcpuLabel } from "./describe.ts";
import { defineRule, type Rule, type RuleContext } from "./rule.ts";
import { setBits64 } from "../events/bits.ts";

function report(ctx: RuleContext, ev: ModelEvent, vm: string, vcpu: number, what: string): void {
  const lost = ctx.model.lastLost;
  ctx.report({
    vm,
    vcpu,
    at: ev,
    message: `${vcpuLabel(vm, vcpu)} ${what}, but no traced event made it` +
      (lost === undefined
        ? ""
        : ` (events were lost at line ${lost.origin.line}; it may be one of them)`),
    evidence: lost === undefined ? [ev] : [lost, ev],
  });
}

/** A consumer of bits no traced event had made (yet). */
interface Suspect {
  readonly ev: ModelEvent;
  readonly vm: string;
  readonly vcpu: number;
  readonly bits: Set<number>;
  /** The request a `kvm_check_request` consumed; `undefined` for a final check's bitmap. */
  readonly check: string | undefined;
}

/** The rule. */
export const requestConsumedUnmade: Rule = defineRule({
  meta: {
    id: "request-consumed-unmade",
    severity: "warning",
    seedSections: ["VCPU Request Internals"],
    description: "a request checked or cleared as pending that no traced event made",
    help:
      "Every request bit should be set through kvm_make_request() or kvm_make_all_cpus_request(). " +
      "A bit that appears from nowhere is set behind the API, or its event was lost (check `kvmreq " +
      "stats` for lost events).",
    reads: ["kvm_entry"],
    needs: [["kvm_make_request", "kvm_check_request", "kvm_request_pending"]],
  },
  create(ctx) {
    /** Consumers waiting for the make line of what they consumed. */
    const waiting: Suspect[] = [];
    /** Expired before the trace showed any kvm_make_request: judged at the end, if one comes. */
    const held: Suspect[] = [];
    let makes = false;
    const settle = (now: ModelEvent | undefined) => {
      for (let i = 0; i < waiting.length;) {
        const s = waiting[i];
        if (now !== undefined && nsBetween(now, s.ev) <= MAKE_LINE_LAG_NS) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        if (!makes && now !== undefined) {
          held.push(s);
          continue;
        }
        if (!makes) continue;
        const what = s.check !== undefined
          ? `consumed ${s.check}`
          : `read request bit${s.bits.size > 1 ? "s" : ""} ${[...s.bits].join(", ")} as pending`;
        report(ctx, s.ev, s.vm, s.vcpu, what);
      }
    };
    return {
      check_request(ev) {
        settle(ev);
        const b = ev.body;
        if (!b.result) return;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        const r = ctx.model.resolve(b.request);
        if (!v.historyKnown || r.nr === undefined || r.noAction || v.pending.has(r.nr)) return;
        waiting.push({
          ev,
          vm: b.vm,
          vcpu: b.vcpu,
          bits: new Set([r.nr]),
          check: r.name ?? b.request.req,
        });
      },
      request_pending(ev) {
        settle(ev);
        const b = ev.body;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        if (!v.historyKnown || b.pending === 0n) return;
        const unmade = setBits64(b.pending).filter((nr) => {
          if (v.pending.has(nr)) return false;
          // Cleared on another CPU just before: the read came first, its line after.
          const gone = v.lastConsumed.get(nr);
          return gone === undefined || nsBetween(ev, gone) > MAKE_LINE_LAG_NS;
        });
        if (unmade.length > 0) {
          waiting.push({ ev, vm: b.vm, vcpu: b.vcpu, bits: new Set(unmade), check: undefined });
        }
      },
      make_request(ev) {
        makes = true;
        settle(ev);
        if (waiting.length === 0) return;
        const nr = ctx.model.resolve(ev.body.request).nr;
        if (nr === undefined) return;
        for (let i = 0; i < waiting.length;) {
          const s = waiting[i];
          if (s.vm === ev.body.vm && s.vcpu === ev.body.vcpu) s.bits.delete(nr);
          if (s.bits.size === 0) waiting.splice(i, 1);
          else i++;
        }
      },
      entry: (ev) => settle(ev),
      finish() {
        // A trace without any kvm_make_request cannot say a request was unmade.
        if (makes) waiting.unshift(...held);
        settle(undefined);
      },
    };
  },
});
