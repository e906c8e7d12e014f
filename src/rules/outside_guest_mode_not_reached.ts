/**
 * `outside-guest-mode-not-reached` — KVM_REQ_OUTSIDE_GUEST_MODE returned
 * while a target could still be running the guest.
 *
 * Seed, "KVM_REQ_OUTSIDE_GUEST_MODE": unlike a kick, this "request"
 * guarantees every target has left guest mode before the sender continues.
 * A kick alone only guarantees an exit some time later: an earlier kick may
 * have set EXITING_GUEST_MODE while the vCPU still runs the guest.
 *
 * Fires at `phase=end` of KVM_REQ_OUTSIDE_GUEST_MODE for each target that the
 * model holds in IN_GUEST_MODE or EXITING_GUEST_MODE, or still inside the
 * guest (kvm_entry with no kvm_exit), and that got no IPI from the call
 * (targets sent an unacknowledged IPI are `wait-unacknowledged`'s).
 *
 * @module
 */

import { KVM_REQ_OUTSIDE_GUEST_MODE } from "../model/request_ref.ts";
import { vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule } from "./rule.ts";

/** The rule. */
export const outsideGuestModeNotReached: Rule = defineRule({
  meta: {
    id: "outside-guest-mode-not-reached",
    severity: "error",
    seedSections: ["Architecture Independent Requests"],
    description: "KVM_REQ_OUTSIDE_GUEST_MODE finished while a target was still in guest mode",
    help:
      "KVM_REQ_OUTSIDE_GUEST_MODE is WAIT|NO_WAKEUP|NO_ACTION: it must send an IPI to every vCPU " +
      "not OUTSIDE_GUEST_MODE (EXITING_GUEST_MODE included) and wait for the acknowledgement.",
    needs: [["kvm_make_all_cpus_request", "kvm_vcpu_mode"], [
      "kvm_make_all_cpus_request",
      "kvm_entry",
    ]],
  },
  create(ctx) {
    return {
      all_cpus_request(ev) {
        if (ev.body.phase !== "end") return;
        const call = ctx.model.callOf(ev.body.vm, ev.origin.pid);
        if (call === undefined || call.request.name !== KVM_REQ_OUTSIDE_GUEST_MODE) return;
        for (const id of call.targets) {
          if (call.ipis.has(id)) continue;
          const v = ctx.model.vcpu(ev.body.vm, id);
          // Only a guest run that began before the request must have ended; a vCPU whose kick read
          // OUTSIDE_GUEST_MODE may enter the guest again while the sender waits for others.
          const begin = call.begin.seq;
          const inMode = (v.mode === "IN_GUEST_MODE" || v.mode === "EXITING_GUEST_MODE") &&
            v.lastInGuestWrite !== undefined && v.lastInGuestWrite.seq < begin;
          const running = v.inGuest && v.lastEntry !== undefined && v.lastEntry.seq < begin;
          if (!inMode && !running) continue;
          const where = v.inGuest ? "still in the guest" : `still ${v.mode}`;
          const evidence = [call.begin];
          const kick = call.kicks.get(id);
          if (v.lastEntry !== undefined && v.inGuest) evidence.push(v.lastEntry);
          else if (v.modeSetBy !== undefined) evidence.push(v.modeSetBy);
          if (kick !== undefined) evidence.push(kick);
          evidence.push(ev);
          ctx.report({
            vm: ev.body.vm,
            vcpu: id,
            at: ev,
            message:
              `${who(ev)} finished KVM_REQ_OUTSIDE_GUEST_MODE while ${
                vcpuLabel(ev.body.vm, id)
              } was ${where}` +
              ` and got no IPI from it`,
            evidence: evidence.sort((a, b) => a.seq - b.seq),
          });
        }
      },
    };
  },
});
