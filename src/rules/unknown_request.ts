/**
 * `unknown-request` — a request the request table does not know.
 *
 * Seed, "VCPU Request Internals" and "KVM_REQUEST_MASK": a request is a bit
 * number in the low 8 bits plus flags above them (NO_WAKEUP, WAIT,
 * NO_ACTION). A number no kernel defines, a flag bit no kernel defines, a
 * name that does not match its `nr=`, or flags that differ from the
 * definition, mean a corrupted request value or a tracepoint out of step with
 * the kernel — either way the other rules cannot judge that request safely.
 *
 * @module
 */

import type { RequestRef } from "../events/protocol.ts";
import type { ModelEvent } from "../events/model_event.ts";
import { setBits64 } from "../events/bits.ts";
import { who } from "./describe.ts";
import { defineRule, type Rule, type RuleContext } from "./rule.ts";

function check(
  ctx: RuleContext,
  ev: ModelEvent,
  vm: string,
  vcpu: number | undefined,
  ref: RequestRef,
): void {
  const r = ctx.model.resolve(ref);
  if (r.known) return;
  ctx.report({
    vm,
    vcpu,
    at: ev,
    message: `${who(ev)}: request \`${ref.req}\`${
      ref.flags ? ` flags=${ref.flags}` : ""
    } — ${r.problem}`,
    evidence: [ev],
  });
}

/** The rule. */
export const unknownRequest: Rule = defineRule({
  meta: {
    id: "unknown-request",
    severity: "warning",
    seedSections: ["VCPU Request Internals", "KVM_REQUEST_MASK"],
    description: "a request number or flag combination the request table does not know",
    help:
      "Request values are a number (KVM_REQUEST_MASK, bits 0-7) plus flags (bits 8+). An unknown " +
      "number or flag usually means a corrupted value or a kernel newer than kvmreq's table.",
    reads: ["kvm_clear_request"],
    needs: [["kvm_make_request"], ["kvm_check_request"], ["kvm_make_all_cpus_request"], [
      "kvm_exit-requests",
    ]],
  },
  create(ctx) {
    const unknownBits = new Set<number>();
    return {
      exit(ev) {
        // 6.18 prints vcpu->requests at each exit: a bit this kernel's table lacks.
        const bits = ev.body.requests;
        if (bits === undefined || bits === 0n) return;
        for (const nr of setBits64(bits)) {
          if (unknownBits.has(nr) || ctx.model.requestName(nr) !== undefined) continue;
          unknownBits.add(nr);
          ctx.report({
            vm: ev.body.vm,
            vcpu: ev.body.vcpu,
            at: ev,
            message: `${who(ev)}: request bit ${nr} pending at the exit (kvm_exit requests 0x${
              bits.toString(16)
            }) is not in the ${ctx.model.kernel.version} ${ctx.model.kernel.arch} request table`,
            evidence: [ev],
          });
        }
      },
      make_request: (ev) => check(ctx, ev, ev.body.vm, ev.body.vcpu, ev.body.request),
      check_request: (ev) => check(ctx, ev, ev.body.vm, ev.body.vcpu, ev.body.request),
      clear_request: (ev) => check(ctx, ev, ev.body.vm, ev.body.vcpu, ev.body.request),
      all_cpus_request(ev) {
        if (ev.body.phase === "begin") check(ctx, ev, ev.body.vm, undefined, ev.body.request);
      },
    };
  },
});
