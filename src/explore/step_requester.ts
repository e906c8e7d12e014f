/**
 * Moves of a requester thread.
 *
 * The kick's mode access is kvm_vcpu_exiting_guest_mode():
 * `smp_mb__before_atomic(); cmpxchg(&vcpu->mode, IN_GUEST_MODE,
 * EXITING_GUEST_MODE)`, one atomic step that returns the mode it saw. Under
 * tso a cmpxchg is a locked instruction and drains the store buffer, so the
 * requester's side never reorders its request store after the mode read
 * even in no-barrier (as on x86, where smp_mb__before_atomic() is only a
 * compiler barrier). no-barrier fails under tso through the vCPU's side: its
 * IN_GUEST_MODE store waits in the buffer while it reads the requests.
 *
 * @module
 */

import { allCpusEvent, kickEvent, makeRequestEvent, R1_REQUEST } from "./events.ts";
import { cloneMachine, drain, type Machine, store, type Transition } from "./machine.ts";
import { MODE, MODE_NAMES, type Model } from "./model.ts";
import { inGuest } from "./step_vcpu.ts";
import type { TraceEvent } from "./types.ts";

/** True when requester `r` can run its next statement (`amr_end` waits for every ack). */
export function requesterCanExec(model: Model, m: Machine, r: number): boolean {
  const op = model.requesterPrograms[r][m.requesters[r].pc];
  if (op === undefined) return false;
  if (op.op !== "amr_end") return true;
  return m.vcpus.every((v) => (v.ipi & (1 << r)) === 0);
}

/** The kick's atomic mode step: returns the mode seen (and writes the variant's mode over IN). */
function exitingGuestMode(model: Model, m: Machine, t: number, v: number): number {
  drain(m, t);
  const seen = m.mode[v];
  if (seen === MODE.IN) m.mode[v] = model.config.kickWrites;
  return seen;
}

function cmpxchgText(model: Model, seen: number): string {
  const barrier = model.config.requesterBarrier ? "smp_mb(); " : "";
  const to = MODE_NAMES[model.config.kickWrites];
  return `${barrier}cmpxchg(vcpu->mode, IN_GUEST_MODE, ${to}) sees ${MODE_NAMES[seen]}`;
}

/** Requester `r` runs its next statement (`requesterCanExec` must hold). */
export function requesterExec(model: Model, m: Machine, r: number): Transition {
  const next = cloneMachine(m);
  const t = model.vcpus + r;
  const s = next.requesters[r];
  const op = model.requesterPrograms[r][s.pc];
  const events: TraceEvent[] = [];
  let action: string;
  switch (op.op) {
    case "make_request":
      store(model, next, t, { target: "requests", vcpu: op.vcpu, value: 1 << R1_REQUEST.nr });
      events.push(makeRequestEvent(op.vcpu, R1_REQUEST));
      s.pc++;
      action = `kvm_make_request(${R1_REQUEST.name}, vCPU${op.vcpu}): smp_wmb(); set bit ` +
        `${R1_REQUEST.nr}` + (model.tso ? " into the store buffer" : "");
      break;
    case "set_work":
      store(model, next, t, { target: "work", vcpu: op.vcpu, value: 1 });
      s.pc++;
      action = `WRITE_ONCE(work[vCPU${op.vcpu}], 1), no request` +
        (model.tso ? " (into the store buffer)" : "");
      break;
    case "kick": {
      const seen = exitingGuestMode(model, next, t, op.vcpu);
      const ipi = seen === MODE.IN;
      events.push(kickEvent(op.vcpu, seen, ipi, op.vcpu));
      s.pc += ipi ? 1 : 2;
      action = `kvm_vcpu_kick(vCPU${op.vcpu}): ${cmpxchgText(model, seen)}: ` +
        (ipi ? "will send an IPI" : "nothing to do");
      break;
    }
    case "send_ipi":
      next.vcpus[op.vcpu].ipi |= 1 << r;
      s.pc++;
      action = `smp_send_reschedule(CPU ${op.vcpu}): IPI to vCPU${op.vcpu}`;
      break;
    case "amr_begin":
      for (let v = 0; v < model.vcpus; v++) if (inGuest(model, next, v)) s.stale |= 1 << v;
      events.push(allCpusEvent(model.vcpus, "begin"));
      s.pc++;
      action = "kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE) begins (no request bit)";
      break;
    case "amr_kick": {
      const seen = exitingGuestMode(model, next, t, op.vcpu);
      const ipi = seen !== MODE.OUTSIDE;
      if (ipi) s.ipiMask |= 1 << op.vcpu;
      events.push(kickEvent(op.vcpu, seen, ipi, op.vcpu));
      s.pc++;
      action = `kvm_request_needs_ipi(vCPU${op.vcpu}): ${cmpxchgText(model, seen)}: ` +
        (ipi ? "IPI needed (WAIT: mode != OUTSIDE_GUEST_MODE)" : "no IPI");
      break;
    }
    case "amr_send": {
      const targets: string[] = [];
      for (let v = 0; v < model.vcpus; v++) {
        if ((s.ipiMask & (1 << v)) === 0) continue;
        next.vcpus[v].ipi |= 1 << r;
        targets.push(`vCPU${v}`);
      }
      s.ipiMask = 0;
      s.pc++;
      action = targets.length === 0
        ? "no CPU to IPI: nothing to wait for"
        : `smp_call_function_many(ack_kick, wait=1) to ${targets.join(", ")}`;
      break;
    }
    case "amr_end":
      events.push(allCpusEvent(model.vcpus, "end"));
      s.pc++;
      action = "kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE) returns";
      break;
  }
  return { next, action, events };
}
