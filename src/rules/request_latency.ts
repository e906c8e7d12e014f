/**
 * `request-latency` — a request stayed pending longer than a threshold.
 *
 * Seed, "Ensuring Requests Are Seen": the point of kicks is that a vCPU acts
 * on a request "as soon as possible"; a request pending for milliseconds
 * while the vCPU runs points at a missing kick or a lost IPI even when no
 * single event breaks a rule.
 *
 * Fires when a request is consumed (`kvm_check_request result=1`,
 * `kvm_clear_request`) longer than `latencyThresholdMs` (default 10 ms) after
 * it was made, and at the end of the trace for requests still pending that
 * long on a vCPU that is not asleep. Needs a nanosecond clock.
 *
 * @module
 */

import type { ModelEvent } from "../model/model_event.ts";
import type { ConsumingBody } from "../model/protocol_model.ts";
import type { PendingRequest, VcpuState } from "../model/vcpu_state.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import type { Rule, RuleContext } from "./rule.ts";

function ms(ns: bigint): string {
  return `${(Number(ns) / 1e6).toFixed(3)} ms`;
}

function check(
  ctx: RuleContext,
  v: VcpuState,
  p: PendingRequest,
  ev: ModelEvent,
  served: boolean,
): void {
  if (ctx.timeUnit !== "ns") return;
  const waited = ev.origin.ts - p.made.origin.ts;
  if (waited <= ctx.options.latencyThresholdNs) return;
  ctx.report({
    vm: v.vm,
    vcpu: v.vcpu,
    at: served ? ev : p.made,
    message: `${requestLabel(p.request)} made of ${vcpuLabel(v.vm, v.vcpu)} by ${who(p.made)} ` +
      (served
        ? `was served after ${ms(waited)}`
        : `was still pending after ${ms(waited)} when the trace ended`) +
      ` (threshold ${ms(ctx.options.latencyThresholdNs)})`,
    evidence: served ? [p.made, ev] : [p.made],
  });
}

/** The rule. */
export const requestLatency: Rule = {
  meta: {
    id: "request-latency",
    severity: "warning",
    seedSection: "Ensuring Requests Are Seen",
    description: "a request pending longer than a configurable threshold",
    help:
      "Requests are made to be acted on promptly. Long service times point at kicks that sent no " +
      "IPI, wakeups that did not happen, or a vCPU thread that was not scheduled. Tune the threshold " +
      "with `latencyThresholdMs` in kvmreq.json.",
    needs: [["kvm_make_request", "kvm_check_request", "ns-clock"]],
  },
  create(ctx) {
    const served = (ev: ModelEvent & { body: ConsumingBody }) => {
      const c = ctx.model.consumedBy(ev.body);
      if (c?.pending !== undefined) check(ctx, c.vcpu, c.pending, ev, true);
    };
    return {
      check_request: (ev) => served(ev),
      clear_request: (ev) => served(ev),
      finish() {
        const last = ctx.model.lastEvent;
        if (last === undefined) return;
        for (const v of ctx.model.allVcpus()) {
          if (v.blockedSince !== undefined) continue;
          for (const p of v.pending.values()) check(ctx, v, p, last, false);
        }
      },
    };
  },
};
