/**
 * `invalid-mode-transition` — a write of `vcpu->mode` the protocol does not
 * allow, or by a thread that may not make it.
 *
 * Seed, "VCPU Mode": the vCPU thread moves itself between OUTSIDE_GUEST_MODE,
 * IN_GUEST_MODE and READING_SHADOW_PAGE_TABLES and back; the only change made
 * by other threads is a kick's IN_GUEST_MODE -> EXITING_GUEST_MODE cmpxchg
 * (carried by `kvm_vcpu_kick`, not by `kvm_vcpu_mode`). The legal writes are
 * the table in src/model/mode_automaton.ts (`kvmreq model` prints it).
 *
 * Fires on a `kvm_vcpu_mode` write not in the table, on one whose `old=`
 * disagrees with the mode the model holds, and on one made by a thread other
 * than the vCPU's own.
 *
 * A write with `old=EXITING_GUEST_MODE` while the model holds IN_GUEST_MODE
 * is not judged at once: the kick that exchanged IN for EXITING records its
 * `kvm_vcpu_kick` line after the cmpxchg (the series, kvm_vcpu_kick()), so
 * the vCPU can abort at its final check a few microseconds before that line.
 * It is reported only if no kick of the vCPU that read IN_GUEST_MODE follows
 * within `LATE_KICK_WINDOW_NS`.
 *
 * @module
 */

import { type ModelEvent, nsBetween } from "../events/model_event.ts";
import { findTransition } from "../model/mode_automaton.ts";
import { LATE_KICK_WINDOW_NS } from "../model/protocol_model.ts";
import { at, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";
import { VcpuMap } from "./vcpu_map.ts";

/** The rule. */
export const invalidModeTransition: Rule = defineRule({
  meta: {
    id: "invalid-mode-transition",
    severity: "error",
    seedSections: ["VCPU Mode"],
    description: "a mode write the protocol does not allow, or by a thread that may not make it",
    help:
      "Only the vCPU thread writes vcpu->mode, along the automaton `kvmreq model` prints; other " +
      "threads only cmpxchg IN_GUEST_MODE to EXITING_GUEST_MODE in a kick. Any other write breaks the " +
      "assumptions kicks make when they decide whether to send an IPI.",
    reads: ["kvm_vcpu_kick"],
    needs: [["kvm_vcpu_mode"]],
  },
  create(ctx) {
    const late = new VcpuMap<{ ev: ModelEvent; setBy: ModelEvent | undefined }>();
    const reportLate = (s: { ev: ModelEvent; setBy: ModelEvent | undefined }) => {
      const b = s.ev.body;
      if (b.kind !== "mode") return;
      ctx.report({
        vm: b.vm,
        vcpu: b.vcpu,
        at: s.ev,
        message: `${vcpuLabel(b.vm, b.vcpu)} wrote ${b.old} -> ${b.new}, but its mode was ` +
          `IN_GUEST_MODE${s.setBy ? ` (set at ${at(s.setBy)})` : ""} and no kick that read ` +
          `IN_GUEST_MODE followed within ${LATE_KICK_WINDOW_NS / 1e6} ms`,
        evidence: s.setBy !== undefined ? [s.setBy, s.ev] : [s.ev],
      });
    };
    const expire = (vm: string, vcpu: number, now: ModelEvent) => {
      const s = late.get(vm, vcpu);
      if (s === undefined || nsBetween(now, s.ev) <= LATE_KICK_WINDOW_NS) return;
      late.delete(vm, vcpu);
      reportLate(s);
    };
    return {
      kick(ev) {
        const b = ev.body;
        expire(b.vm, b.vcpu, ev);
        if (b.mode === "IN_GUEST_MODE" && b.action !== "wake") late.delete(b.vm, b.vcpu);
      },
      finish() {
        for (const s of late.values()) reportLate(s);
      },
      mode(ev) {
        const b = ev.body;
        const v = ctx.model.vcpu(b.vm, b.vcpu);
        expire(b.vm, b.vcpu, ev);
        if (v.thread !== undefined && v.thread !== ev.origin.pid) {
          const label = vcpuLabel(b.vm, b.vcpu);
          const owner = ctx.model.vcpuOfThread(ev.origin.pid);
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message:
              `${who(ev)} wrote ${label}'s mode (${b.old} -> ${b.new}), but ${label}'s thread is ` +
              `pid ${v.thread}${
                owner ? ` and ${who(ev)} is ${vcpuLabel(owner.vm, owner.vcpu)}'s` : ""
              }`,
            evidence: v.lastSeen !== undefined ? [v.lastSeen, ev] : [ev],
          });
          return;
        }
        if (v.mode === "IN_GUEST_MODE" && b.old === "EXITING_GUEST_MODE") {
          // The kick's line may still come (see above).
          if (!late.has(b.vm, b.vcpu)) late.set(b.vm, b.vcpu, { ev, setBy: v.modeSetBy });
        } else if (v.mode !== undefined && v.mode !== b.old) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message:
              `${vcpuLabel(b.vm, b.vcpu)} wrote ${b.old} -> ${b.new}, but its mode was ${v.mode}` +
              (v.modeSetBy ? ` (set at ${at(v.modeSetBy)})` : ""),
            evidence: v.modeSetBy !== undefined ? [v.modeSetBy, ev] : [ev],
          });
          return;
        }
        if (findTransition(b.old, b.new, "vcpu") === undefined) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message: `${
              vcpuLabel(b.vm, b.vcpu)
            } wrote ${b.old} -> ${b.new}, which the protocol does not allow`,
            evidence: v.modeSetBy !== undefined ? [v.modeSetBy, ev] : [ev],
          });
        }
      },
    };
  },
});
