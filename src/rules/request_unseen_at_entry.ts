/**
 * `request-unseen-at-entry` — the Dekker pattern failed: the guest runs with
 * a request pending and nothing will make it exit.
 *
 * Seed, "Ensuring Requests Are Seen": the vCPU writes IN_GUEST_MODE, issues
 * smp_mb() and checks kvm_request_pending() last; the requester sets the bit,
 * issues smp_mb() and reads the mode. Either the vCPU sees the request and
 * aborts entry, or the requester sees IN_GUEST_MODE and sends an IPI.
 *
 * Fires when V enters the guest (`kvm_entry`) with a request R pending that
 * was made before V's last IN_GUEST_MODE write (so the final check had to see
 * it), or was made later with no IPI sent to V since and no kick of V that
 * saw it in guest mode follows. Also fires at the final
 * check itself when it read a bitmap without R's bit although R was made
 * before the IN_GUEST_MODE write. One finding per request.
 *
 * Not violations (6.12 and 6.18 arch/x86/kvm/x86.c vcpu_enter_guest()): a
 * final check that decided to exit (`exit=1`: the entry is cancelled, the
 * requests are handled on the next pass); KVM_REQ_EVENT made by the vCPU
 * itself after its final check to force an immediate exit
 * (`req_immediate_exit`: kvm_make_request(KVM_REQ_EVENT) next to
 * KVM_RUN_FORCE_IMMEDIATE_EXIT), which is what `kvm_entry … [immediate exit]`
 * says; and requests the model cannot attribute to this vCPU (two live VMs
 * share its id, see `PendingView.ambiguous`).
 *
 * A request made after the final check races with the entry: the Dekker
 * pattern makes its maker see IN_GUEST_MODE and send the IPI, whose
 * `kvm_vcpu_kick` line is recorded after the bit is set and may come after
 * the `kvm_entry` (real: lab shadow-mmu trace, a kvm_flush_remote_tlbs()
 * fan-out's per-target request between a vCPU's final check and its entry).
 * So "entered with no IPI coming" waits: a kick of V that read IN_GUEST_MODE
 * or EXITING_GUEST_MODE (the IPI was sent, or an exit is already under way)
 * clears it; a kick of V by the maker that read OUTSIDE_GUEST_MODE while V is
 * still in the guest confirms it; so does the end of the trace with no kick
 * of V by the maker at all.
 *
 * The order itself is checked too, whether or not a request is pending: the
 * seed's solution is to "set vcpu->mode to IN_GUEST_MODE between disabling
 * the interrupts and the last kvm_request_pending() check", and 6.12 and 6.18
 * vcpu_enter_guest() (arch/x86/kvm/x86.c) call kvm_vcpu_exit_request() after
 * the smp_store_release() of IN_GUEST_MODE on every entry, and again before
 * each fastpath re-entry. So, in a trace that shows final checks
 * (`kvm_request_pending`), a final check that read OUTSIDE_GUEST_MODE or
 * READING_SHADOW_PAGE_TABLES (it ran before the IN_GUEST_MODE write: only the
 * vCPU moves its mode out of OUTSIDE_GUEST_MODE), and a `kvm_entry` with no
 * final check since the vCPU's last IN_GUEST_MODE write (no events lost in
 * between), are reported: such a kernel loses a request made in the window on
 * any run, not only on the runs where one happens to land there.
 *
 * @module
 */

import { type ModelEvent, nsBetween } from "../events/model_event.ts";
import type { PendingView, VcpuView } from "../model/view.ts";
import { MAKE_LINE_LAG_NS } from "../model/protocol_model.ts";
import { requestLabel, vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule, type RuleContext } from "./rule.ts";
import { VcpuMap } from "./vcpu_map.ts";

const ID = "request-unseen-at-entry";

function madeBeforeInWrite(v: VcpuView, p: PendingView): boolean {
  return v.lastInGuestWrite !== undefined && p.made.seq < v.lastInGuestWrite.seq;
}

/** Whether bitmap `pending` has `p`'s bit (`undefined` for requests without one below 64). */
function readBit(pending: bigint, p: PendingView): boolean | undefined {
  const nr = p.request.nr;
  if (nr === undefined || nr > 63) return undefined;
  return ((pending >> BigInt(nr)) & 1n) === 1n;
}

/**
 * Reports `p` unless this run already did: one finding per request (the
 * pending bit one make event set on one vCPU).
 */
function report(
  ctx: RuleContext,
  reported: Set<string>,
  v: VcpuView,
  p: PendingView,
  ev: ModelEvent,
  why: string,
  lateKick?: ModelEvent,
): boolean {
  const once = `${p.made.seq}\u0000${v.vm}\u0000${v.vcpu}`;
  if (reported.has(once)) return false;
  reported.add(once);
  const evidence = [p.made, ...(v.lastInGuestWrite ? [v.lastInGuestWrite] : []), ev];
  if (lateKick !== undefined) evidence.push(lateKick);
  if (v.lastPendingCheck !== undefined && v.lastPendingCheck.seq > p.made.seq) {
    evidence.push(v.lastPendingCheck);
  }
  const kick = ctx.model.kicker(p.maker, v.vm, v.vcpu).lastKick;
  if (kick !== undefined && kick.seq > p.made.seq) evidence.push(kick);
  ctx.report({
    vm: v.vm,
    vcpu: v.vcpu,
    at: ev,
    message:
      `${vcpuLabel(v.vm, v.vcpu)} ${why} while ${requestLabel(p.request)} (made by ${
        who(p.made)
      }) ` +
      `is pending`,
    evidence: evidence.sort((a, b) => a.seq - b.seq),
  });
  return true;
}

/** The rule. */
export const requestUnseenAtEntry: Rule = defineRule({
  meta: {
    id: ID,
    severity: "error",
    seedSections: ["Ensuring Requests Are Seen"],
    description:
      "the guest is entered while a request made before the IN_GUEST_MODE write is pending",
    help:
      "The final kvm_request_pending() check after writing IN_GUEST_MODE (with smp_mb() between) " +
      "must see every request made before the write; a request made after it must be followed by an " +
      "IPI. Entering the guest otherwise leaves the request unseen for as long as the guest runs. " +
      "A final check made before the IN_GUEST_MODE write (or none after it) is reported on every " +
      "entry, whether or not a request happened to fall in the window.",
    reads: ["kvm_check_request", "kvm_clear_request", "kvm_vcpu_kick", "stock-kick", "kvm_exit"],
    needs: [["kvm_make_request", "kvm_vcpu_mode", "kvm_entry"], [
      "kvm_make_request",
      "kvm_vcpu_mode",
      "kvm_request_pending",
    ]],
  },
  create(ctx) {
    /** The requests already reported (see `report`). */
    const reported = new Set<string>();
    /** The trace shows final checks (the series' kvm_request_pending). */
    let checksTraced = false;
    /** Final checks already reported as run before the IN_GUEST_MODE write. */
    const earlyChecks = new Set<ModelEvent>();
    const misordered = (v: VcpuView, ev: ModelEvent, what: string) => {
      const w = v.lastInGuestWrite;
      ctx.report({
        vm: v.vm,
        vcpu: v.vcpu,
        at: ev,
        message: `${vcpuLabel(v.vm, v.vcpu)} ${what}: the last kvm_request_pending() check must ` +
          `follow the IN_GUEST_MODE write, or a request made in between is not seen`,
        evidence: w !== undefined && w.seq < ev.seq ? [w, ev] : [ev],
      });
    };
    /** Entries with a request made after the final check and no IPI yet, by vCPU. */
    const racing = new VcpuMap<{ v: VcpuView; p: PendingView; entry: ModelEvent }[]>();
    const settle = (kick: ModelEvent & { body: { kind: "kick" } }) => {
      const { vm, vcpu } = kick.body;
      const list = racing.get(vm, vcpu);
      if (list === undefined) return;
      const v = ctx.model.vcpu(vm, vcpu);
      const mode = kick.body.mode;
      if (mode === "IN_GUEST_MODE" || mode === "EXITING_GUEST_MODE") {
        racing.delete(vm, vcpu);
        return;
      }
      const rest = list.filter((r) => {
        if (r.p.maker !== kick.origin.pid) return true;
        // The maker's kick read OUTSIDE_GUEST_MODE: fine if V has left the guest since.
        if (v.inGuest && v.lastEntry === r.entry && kick.body.action !== "wake") {
          report(ctx, reported, r.v, r.p, r.entry, "entered the guest with no IPI coming", kick);
        }
        return false;
      });
      if (rest.length === 0) racing.delete(vm, vcpu);
      else racing.set(vm, vcpu, rest);
    };
    /**
     * A consumer (`kvm_check_request`/`kvm_clear_request`) was seen: only then
     * does a final check's bitmap without a request the model holds mean the
     * check missed it, rather than an untraced consumption before the write.
     * (At `kvm_entry` without a final-check event the rule judges anyway: a
     * trace that shows neither consumption nor the final check, such as the
     * explorer's counterexamples, has nothing else to go by.)
     */
    let consumers = false;
    /** Findings that wait for the trace to show a consumer (reported then, or dropped at the end). */
    const held: (() => void)[] = [];
    const judge = (f: () => void) => consumers ? f() : held.push(f);
    const sawConsumer = () => {
      if (consumers) return;
      consumers = true;
      for (const f of held.splice(0)) f();
    };
    return {
      check_request: sawConsumer,
      clear_request: sawConsumer,
      kick: settle,
      stock_kick(ev) {
        if (ev.body.vcpu === undefined || ev.body.action !== "ipi") return;
        racing.delete(ev.body.vm, ev.body.vcpu);
      },
      exit(ev) {
        // V left the guest: a request whose maker never kicked it waited for this exit.
        const list = racing.get(ev.body.vm, ev.body.vcpu);
        if (list === undefined) return;
        racing.delete(ev.body.vm, ev.body.vcpu);
        for (const r of list) {
          const kick = ctx.model.kicker(r.p.maker, r.v.vm, r.v.vcpu).lastKick;
          if (kick !== undefined && kick.seq > r.p.made.seq) continue;
          // The maker may be about to kick (its line comes after set_bit): give it the lag.
          if (nsBetween(ev, r.p.made) <= MAKE_LINE_LAG_NS) continue;
          report(ctx, reported, r.v, r.p, r.entry, "entered the guest with no IPI coming");
        }
      },
      finish() {
        for (const list of racing.values()) {
          for (const r of list) {
            report(ctx, reported, r.v, r.p, r.entry, "entered the guest with no IPI coming");
          }
        }
      },
      request_pending(ev) {
        checksTraced = true;
        const m = ev.body.mode;
        if (m === "OUTSIDE_GUEST_MODE" || m === "READING_SHADOW_PAGE_TABLES") {
          earlyChecks.add(ev);
          misordered(
            ctx.model.vcpu(ev.body.vm, ev.body.vcpu),
            ev,
            `read mode=${m} in its final check, i.e. checked before writing IN_GUEST_MODE`,
          );
        }
        // kvm_vcpu_exit_request() said exit: no entry follows this check.
        if (ev.body.exit === true || ev.body.mode === "EXITING_GUEST_MODE") return;
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        for (const p of v.pending.values()) {
          if (p.ambiguous) continue;
          const nr = p.request.nr;
          if (nr === undefined || nr > 63 || (ev.body.pending >> BigInt(nr)) & 1n) continue;
          // Made while the vCPU's check of it was clearing the bit: consumed (PendingView).
          if (p.maybeConsumedBy !== undefined) continue;
          if (madeBeforeInWrite(v, p)) {
            judge(() =>
              report(ctx, reported, v, p, ev, "read no pending request in its final check")
            );
          }
        }
      },
      entry(ev) {
        const v = ctx.model.vcpu(ev.body.vm, ev.body.vcpu);
        if (v.lastInGuestWrite === undefined) return;
        const pc = v.lastPendingCheck;
        const lost = ctx.model.lastLost;
        const unchecked = checksTraced &&
          (pc === undefined || pc.seq < v.lastInGuestWrite.seq) &&
          (pc === undefined || !earlyChecks.has(pc)) &&
          (lost === undefined || lost.seq < v.lastInGuestWrite.seq);
        /** A request was reported at this entry (then the missing check is not reported again). */
        let here = false;
        for (const p of v.pending.values()) {
          if (p.ambiguous) continue;
          if (madeBeforeInWrite(v, p)) {
            const pc = v.lastPendingCheck;
            const read = pc !== undefined && pc.seq > v.lastInGuestWrite.seq &&
                pc.body.kind === "request_pending"
              ? readBit(pc.body.pending, p)
              : undefined;
            // A final check that missed the bit is judged there (see request_pending).
            if (read === false) continue;
            here = report(
              ctx,
              reported,
              v,
              p,
              ev,
              read === true
                ? "entered the guest although its final check read the request pending"
                : unchecked
                ? "entered the guest with no final check after its IN_GUEST_MODE write"
                : "entered the guest",
            ) || here;
            continue;
          }
          // x86's forced immediate exit: the vCPU made the request itself, after its final check.
          if (ev.body.immediateExit === true && p.maker === v.thread) continue;
          // IPI Reduction: one IPI sent since the IN_GUEST_MODE write serves every later request.
          if (v.ipiInFlight === undefined || v.ipiInFlight.seq < v.lastInGuestWrite.seq) {
            const kick = ctx.model.kicker(p.maker, v.vm, v.vcpu).lastKick;
            if (kick !== undefined && kick.seq > p.made.seq && kick.body.kind === "kick") {
              // The maker already kicked: fine if it saw V in (or leaving) guest mode.
              const m = kick.body.mode;
              if (m !== "IN_GUEST_MODE" && m !== "EXITING_GUEST_MODE") {
                report(ctx, reported, v, p, ev, "entered the guest with no IPI coming");
              }
              continue;
            }
            const list = racing.get(v.vm, v.vcpu) ?? [];
            list.push({ v, p, entry: ev });
            racing.set(v.vm, v.vcpu, list);
          }
        }
        if (unchecked && !here) {
          misordered(v, ev, "entered the guest with no final check after its IN_GUEST_MODE write");
        }
      },
    };
  },
});
