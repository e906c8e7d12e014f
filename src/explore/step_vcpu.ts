/**
 * Moves of a vCPU thread: its next statement, and the host taking a pending
 * IPI while the thread runs in the host with irqs enabled (the IPI is then
 * consumed by the host and lost as far as the kick is concerned).
 *
 * @module
 */

import {
  ackEvent,
  checkRequestEvent,
  entryEvent,
  exitEvent,
  hex64,
  modeEvent,
  pendingEvent,
  R1_REQUEST,
} from "./events.ts";
import {
  cloneMachine,
  drain,
  loadMode,
  loadRequests,
  type Machine,
  store,
  type Transition,
} from "./machine.ts";
import { isWaitRequester, MODE_NAMES, type Model } from "./model.ts";
import type { TraceEvent } from "./types.ts";

/** True when vCPU `v` is running guest code. */
export function inGuest(model: Model, m: Machine, v: number): boolean {
  return model.vcpuProgram[m.vcpus[v].pc]?.op === "guest";
}

/** True when vCPU `v` can run its next statement (in the guest: only when an IPI forces an exit). */
export function vcpuCanExec(model: Model, m: Machine, v: number): boolean {
  const s = m.vcpus[v];
  const op = model.vcpuProgram[s.pc];
  if (op === undefined) return false;
  return op.op !== "guest" || s.ipi !== 0;
}

/** True when a pending IPI can interrupt vCPU `v`'s thread in the host (irqs on). */
export function vcpuCanTakeIrq(model: Model, m: Machine, v: number): boolean {
  const s = m.vcpus[v];
  return s.ipi !== 0 && !s.irqsOff && !inGuest(model, m, v);
}

/** Handles every pending IPI of `v`: acks the WAIT ones, clears them all. */
function handleIpis(m: Machine, v: number, events: TraceEvent[]): string {
  const senders: string[] = [];
  for (let r = 0; r < m.requesters.length; r++) {
    if ((m.vcpus[v].ipi & (1 << r)) === 0) continue;
    senders.push(`R${r + 1}`);
    if (isWaitRequester(r)) events.push(ackEvent(v, v));
  }
  m.vcpus[v].ipi = 0;
  return senders.join("+");
}

/** The host takes vCPU `v`'s pending IPIs with irqs on: no guest exit, the kick is spent. */
export function vcpuTakeIrq(m: Machine, v: number): Transition {
  const next = cloneMachine(m);
  const events: TraceEvent[] = [];
  const senders = handleIpis(next, v, events);
  return {
    next,
    action: `IPI from ${senders} handled in the host (irqs on): no guest exit`,
    events,
  };
}

/** vCPU `v` runs its next statement (`vcpuCanExec` must hold). */
export function vcpuExec(model: Model, m: Machine, v: number): Transition {
  const next = cloneMachine(m);
  const s = next.vcpus[v];
  const op = model.vcpuProgram[s.pc];
  const events: TraceEvent[] = [];
  let action: string;
  switch (op.op) {
    case "irq_disable":
      s.irqsOff = true;
      s.pc++;
      action = "local_irq_disable()";
      break;
    case "irq_enable":
      s.irqsOff = false;
      s.pc++;
      action = "local_irq_enable()";
      break;
    case "store_mode": {
      events.push(modeEvent(v, loadMode(next, v, v), op.mode, s.irqsOff));
      store(model, next, v, { target: "mode", vcpu: v, value: op.mode });
      s.pc++;
      action = `WRITE_ONCE(vcpu->mode, ${MODE_NAMES[op.mode]})` +
        (model.tso ? " into the store buffer" : "");
      break;
    }
    case "mb":
      drain(next, v);
      s.pc++;
      action = "smp_mb()";
      break;
    case "check": {
      const bits = loadRequests(next, v, v);
      events.push(pendingEvent(v, bits, s.irqsOff));
      s.pc = bits !== 0 ? op.abortTo : s.pc + 1;
      action = `kvm_request_pending() reads ${hex64(bits)}: ` +
        (bits !== 0 ? "abort the guest entry" : "go on to enter");
      break;
    }
    case "enter":
      drain(next, v);
      s.irqsOff = false;
      s.entries++;
      s.pc++;
      events.push(entryEvent(v));
      action = `VM entry #${s.entries} (irqs enabled atomically; entry is serializing)`;
      break;
    case "guest": {
      events.push(exitEvent());
      const senders = handleIpis(next, v, events);
      for (const r of next.requesters) r.stale &= ~(1 << v);
      s.irqsOff = true;
      s.pc++;
      action = `IPI from ${senders} forces a guest exit (back in the host, irqs off)`;
      break;
    }
    case "handle": {
      drain(next, v);
      const bits = next.requests[v];
      if ((bits & (1 << R1_REQUEST.nr)) !== 0) events.push(checkRequestEvent(v, R1_REQUEST));
      const work = next.work[v] !== 0;
      next.requests[v] = 0;
      next.work[v] = 0;
      const done = s.entries >= model.guestEntries;
      s.pc = done ? model.vcpuProgram.length : op.loopTo;
      action = `kvm_check_request(): consumed ${hex64(bits)}${work ? " and the work flag" : ""}` +
        (done ? "; stop (entry bound reached)" : "; loop");
      break;
    }
  }
  return { next, action, events };
}
