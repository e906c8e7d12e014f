/**
 * The trace events explored steps emit, with exactly the field syntax of
 * trace-events.md, and the requests the two requesters make.
 *
 * @module
 */

import { MODE_NAMES } from "./model.ts";
import type { TraceEvent } from "./types.ts";

/** Flag column of a vCPU-thread event with irqs off (preemption disabled). */
export const IRQS_OFF = "d..1.";
/** Flag column of an event with irqs on. */
export const IRQS_ON = ".....";
/** Flag column inside get_cpu()/put_cpu() (kicks, kvm_make_all_cpus_request). */
export const PREEMPT_OFF = "...1.";
/** Flag column of an IPI handler (hardirq, irqs off). */
export const HARDIRQ = "d.h1.";

/** The guest RIP printed by `kvm_entry` / `kvm_exit`. */
export const GUEST_RIP = "0xffffffff81000000";

/** A request as the trace names it. */
export interface RequestName {
  /** `req=` name. */
  readonly name: string;
  /** Request number (the low 8 bits; the bit in `vcpu->requests`). */
  readonly nr: number;
  /** `flags=` text. */
  readonly flags: string;
}

/** R1's request: KVM_REQ_UNBLOCK (nr 2, no flags), followed by kvm_vcpu_kick(). */
export const R1_REQUEST: RequestName = { name: "KVM_REQ_UNBLOCK", nr: 2, flags: "0" };

/** R2's request: KVM_REQ_OUTSIDE_GUEST_MODE = NO_ACTION|WAIT|NO_WAKEUP with nr 0. */
export const R2_REQUEST: RequestName = {
  name: "KVM_REQ_OUTSIDE_GUEST_MODE",
  nr: 0,
  flags: "WAIT|NO_WAKEUP|NO_ACTION",
};

/** `n` as the trace prints a 64-bit mask: `0x` and 16 hex digits. */
export function hex64(n: number): string {
  return "0x" + n.toString(16).padStart(16, "0");
}

function event(name: string, fields: string, flags: string): TraceEvent {
  return { name, fields, flags };
}

/** `kvm_vcpu_mode`: the vCPU thread wrote its mode. */
export function modeEvent(v: number, old: number, now: number, irqsOff: boolean): TraceEvent {
  const fields = `vcpu=${v} old=${MODE_NAMES[old]} new=${MODE_NAMES[now]}`;
  return event("kvm_vcpu_mode", fields, irqsOff ? IRQS_OFF : IRQS_ON);
}

/** `kvm_request_pending`: the final check read `bits`. */
export function pendingEvent(v: number, bits: number, irqsOff: boolean): TraceEvent {
  return event(
    "kvm_request_pending",
    `vcpu=${v} pending=${hex64(bits)}`,
    irqsOff ? IRQS_OFF : IRQS_ON,
  );
}

/** `kvm_check_request ... result=1`: the vCPU consumed request `req`. */
export function checkRequestEvent(v: number, req: RequestName): TraceEvent {
  return event("kvm_check_request", `vcpu=${v} req=${req.name} nr=${req.nr} result=1`, IRQS_ON);
}

/** `kvm_entry` (stock x86 format). */
export function entryEvent(v: number): TraceEvent {
  return event("kvm_entry", `vcpu ${v}, rip ${GUEST_RIP}`, IRQS_OFF);
}

/** `kvm_exit` for an exit forced by an IPI (stock x86 format). */
export function exitEvent(): TraceEvent {
  return event("kvm_exit", `reason EXTERNAL_INTERRUPT rip ${GUEST_RIP} info 0 0`, IRQS_OFF);
}

/** `kvm_vcpu_ipi_ack`: vCPU `v` on CPU `cpu` ran the WAIT IPI's handler. */
export function ackEvent(v: number, cpu: number): TraceEvent {
  return event("kvm_vcpu_ipi_ack", `vcpu=${v} cpu=${cpu}`, HARDIRQ);
}

/** `kvm_make_request`. */
export function makeRequestEvent(v: number, req: RequestName): TraceEvent {
  return event(
    "kvm_make_request",
    `vcpu=${v} req=${req.name} nr=${req.nr} flags=${req.flags}`,
    IRQS_ON,
  );
}

/** `kvm_vcpu_kick`: the kicker saw mode `seen` and sent an IPI to `cpu` or did nothing. */
export function kickEvent(v: number, seen: number, ipi: boolean, cpu: number): TraceEvent {
  const fields = `vcpu=${v} mode=${MODE_NAMES[seen]} action=${ipi ? "ipi" : "none"} cpu=${cpu}`;
  return event("kvm_vcpu_kick", fields, PREEMPT_OFF);
}

/** `kvm_make_all_cpus_request` for R2's request over vCPUs `0..vcpus-1`. */
export function allCpusEvent(vcpus: number, phase: "begin" | "end"): TraceEvent {
  const r = R2_REQUEST;
  const fields = `req=${r.name} nr=${r.nr} flags=${r.flags} mask=${hex64((1 << vcpus) - 1)} ` +
    `phase=${phase}`;
  return event("kvm_make_all_cpus_request", fields, PREEMPT_OFF);
}
