/**
 * `request-latency` — a request stayed pending longer than a threshold.
 *
 * Seed, "Ensuring Requests Are Seen": the point of kicks is that a vCPU acts
 * on a request "as soon as possible"; a request pending for milliseconds
 * while the vCPU runs points at a missing kick or a lost IPI even when no
 * single event breaks a rule.
 *
 * Fires when the vCPU's own thread consumes a request (`kvm_check_request
 * result=1`, `kvm_clear_request`) longer than `latencyThresholdMs` (default
 * 10 ms) after the vCPU could first have served it, and at the end of the
 * trace for requests still waiting that long on a vCPU that is running
 * KVM_RUN and not asleep. Needs a nanosecond clock.
 *
 * The wait counts from `PendingView.waitingSince`, not from the make:
 * a request made while the vCPU is out of KVM_RUN (before its thread's first
 * event, e.g. the requests kvm_arch_vcpu_create()/vcpu_load() make during VM
 * setup, or after a `kvm_userspace_exit`) waits from the vCPU's return; one
 * that does not make a halted vCPU runnable (x86 kvm_vcpu_has_events(): all
 * but KVM_REQ_NMI/SMI/PMI/UPDATE_PROTECTED_GUEST_STATE and KVM_REQ_UNBLOCK)
 * waits from the end of the halt. A clear by another thread is the maker
 * withdrawing the request, not the vCPU serving it, and a request the vCPU
 * made of itself waits only for its own thread (e.g. a self-made request
 * while the thread waits for a WAIT fan-out's acknowledgements) (6.12 and 6.18
 * kvm_end_pvclock_update() clears KVM_REQ_MCLOCK_INPROGRESS, which holds
 * every vCPU out of the guest while the master clock changes).
 *
 * Without protocol events, 6.18's `kvm_exit … requests 0x…` (vcpu->requests
 * as the exit is traced, arch/x86/kvm/trace.h) samples the bitmap: requests
 * pending at an exit are served before the next entry (vcpu_enter_guest()
 * handles them first), so an entry more than the threshold after such an
 * exit is reported too — unless the vCPU halted in between (a halted vCPU may
 * sleep on with a request that does not wake it: the wait then counts from
 * the `kvm_vcpu_wakeup` that ends the halt, or is not judged without one) or
 * returned to userspace.
 *
 * @module
 */

import { type ModelEvent, nsBetween } from "../events/model_event.ts";
import type { ConsumingBody } from "../model/view.ts";
import type { PendingView, VcpuView } from "../model/view.ts";
import { setBits64 } from "../events/bits.ts";
import { isHaltExit } from "../kernels/exit_reasons.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule, type RuleContext } from "./rule.ts";
import { VcpuMap } from "./vcpu_map.ts";

function ms(ns: number | bigint): string {
  return `${(Number(ns) / 1e6).toFixed(3)} ms`;
}

function check(
  ctx: RuleContext,
  v: VcpuView,
  p: PendingView,
  ev: ModelEvent,
  served: boolean,
): void {
  // A request the vCPU made of itself waits only for its own thread's work in between.
  if (ctx.timeUnit !== "ns" || p.ambiguous || p.maker === v.thread) return;
  const since = p.waitingSince;
  if (since === undefined) return;
  const waited = Number(p.waitedNs) + nsBetween(ev, since);
  if (waited <= Number(ctx.options.latencyThresholdNs)) return;
  const from = since === p.made
    ? ""
    : ` (waiting since ${who(since)}'s event at line ${since.origin.line})`;
  ctx.report({
    vm: v.vm,
    vcpu: v.vcpu,
    at: served ? ev : p.made,
    message: `${requestLabel(p.request)} made of ${vcpuLabel(v.vm, v.vcpu)} by ${who(p.made)} ` +
      (served
        ? `was served after ${ms(waited)}`
        : `was still pending after ${ms(waited)} when the trace ended`) +
      from + ` (threshold ${ms(ctx.options.latencyThresholdNs)})`,
    evidence: [...new Set(served ? [p.made, since, ev] : [p.made, since])],
  });
}

/** Requests a vCPU's exit showed pending (6.18 `kvm_exit … requests`). */
interface Sample {
  readonly exit: ModelEvent;
  readonly bits: bigint;
  /** Since when the vCPU could serve them: the exit, or the end of a halt after it. */
  since: ModelEvent;
  /** The exit was a halt and no `kvm_vcpu_wakeup` has said when it ended. */
  halted: boolean;
}

/** The rule. */
export const requestLatency: Rule = defineRule({
  meta: {
    id: "request-latency",
    severity: "warning",
    seedSections: ["Ensuring Requests Are Seen"],
    description: "a request pending longer than a configurable threshold",
    help:
      "Requests are made to be acted on promptly. Long service times point at kicks that sent no " +
      "IPI, wakeups that did not happen, or a vCPU thread that was not scheduled. Tune the threshold " +
      "with `latencyThresholdMs` in kvmreq.json.",
    reads: ["kvm_entry", "kvm_userspace_exit", "kvm_vcpu_wakeup"],
    needs: [["kvm_make_request", "kvm_check_request", "ns-clock"], [
      "kvm_make_request",
      "kvm_clear_request",
      "ns-clock",
    ], [
      "kvm_exit-requests",
      "ns-clock",
    ]],
  },
  create(ctx) {
    const served = (ev: ModelEvent & { body: ConsumingBody }) => {
      // What the event consumes (ModelView.consumedBy), read without building it:
      // nothing for a check that found nothing, or on a vCPU with nothing pending.
      const b = ev.body;
      if (b.kind === "check_request" && !b.result) return;
      const v = ctx.model.knownVcpu(b.vm, b.vcpu);
      if (v === undefined || v.pending.size === 0) return;
      const nr = ctx.model.resolve(b.request).nr;
      const p = nr === undefined ? undefined : v.pending.get(nr);
      if (p === undefined) return;
      if (v.thread !== undefined && v.thread !== ev.origin.pid) return;
      check(ctx, v, p, ev, true);
    };
    const samples = new VcpuMap<Sample>();
    /** A consumer was seen: without one, "still pending at the end" proves nothing. */
    let consumers = false;
    return {
      check_request(ev) {
        consumers = true;
        served(ev);
      },
      clear_request(ev) {
        consumers = true;
        served(ev);
      },
      exit(ev) {
        const bits = ev.body.requests;
        // With protocol events the requests themselves are judged: sampling is for stock traces.
        if (bits === undefined || bits === 0n || ctx.model.kernelPatched) return;
        samples.set(ev.body.vm, ev.body.vcpu, {
          exit: ev,
          bits,
          since: ev,
          halted: isHaltExit(ev.body.reason),
        });
      },
      stock_wakeup(ev) {
        const s = samples.get(ev.body.vm, ev.body.vcpu);
        if (s === undefined) return;
        s.since = ev;
        s.halted = false;
      },
      userspace_exit(ev) {
        // Out of KVM_RUN: the wait is userspace's.
        samples.delete(ev.body.vm, ev.body.vcpu);
      },
      entry(ev) {
        const s = samples.get(ev.body.vm, ev.body.vcpu);
        if (s === undefined) return;
        samples.delete(ev.body.vm, ev.body.vcpu);
        if (s.halted || ctx.timeUnit !== "ns") return;
        const waited = nsBetween(ev, s.since);
        if (waited <= Number(ctx.options.latencyThresholdNs)) return;
        const names = setBits64(s.bits).map((nr) => {
          return ctx.model.requestName(nr) ?? `request bit ${nr}`;
        });
        ctx.report({
          vm: ev.body.vm,
          vcpu: ev.body.vcpu,
          at: ev,
          message: `${names.join(", ")} pending at ${vcpuLabel(ev.body.vm, ev.body.vcpu)}'s exit ` +
            `(kvm_exit requests 0x${s.bits.toString(16)}) waited ${ms(waited)} for its next ` +
            `entry (threshold ${ms(ctx.options.latencyThresholdNs)})`,
          evidence: [...new Set([s.exit, s.since, ev])],
        });
      },
      finish() {
        const last = ctx.model.lastEvent;
        if (last === undefined || !consumers) return;
        for (const v of ctx.model.allVcpus()) {
          if (v.blockedSince !== undefined || v.outSince !== undefined) continue;
          for (const p of v.pending.values()) check(ctx, v, p, last, false);
        }
      },
    };
  },
});
