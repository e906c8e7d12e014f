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
 * @module
 */

import type { ModelEvent } from "../model/model_event.ts";
import { vcpuLabel } from "./describe.ts";
import type { Rule, RuleContext } from "./rule.ts";
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

/** The rule. */
export const requestConsumedUnmade: Rule = {
  meta: {
    id: "request-consumed-unmade",
    severity: "warning",
    seedSection: "VCPU Request Internals",
    description: "a request checked or cleared as pending that no traced event made",
    help:
      "Every request bit should be set through kvm_make_request() or kvm_make_all_cpus_request(). " +
      "A bit that appears from nowhere is set behind the API, or its event was lost (check `kvmreq " +
      "stats` for lost events).",
    needs: [["kvm_make_request", "kvm_check_request", "kvm_request_pending"]],
  },
  create(ctx) {
    return {
      check_request(ev) {
        const b = ev.body;
        if (!b.result) return;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        const r = ctx.model.resolve(b.request);
        if (!v.historyKnown || r.nr === undefined || r.noAction || v.pending.has(r.nr)) return;
        report(ctx, ev, b.vm, b.vcpu, `consumed ${r.name ?? b.request.req}`);
      },
      request_pending(ev) {
        const b = ev.body;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        if (!v.historyKnown || b.pending === 0n) return;
        const unmade = setBits64(b.pending).filter((nr) => !v.pending.has(nr));
        if (unmade.length > 0) {
          report(
            ctx,
            ev,
            b.vm,
            b.vcpu,
            `read request bit${unmade.length > 1 ? "s" : ""} ${unmade.join(", ")} as pending`,
          );
        }
      },
    };
  },
};
