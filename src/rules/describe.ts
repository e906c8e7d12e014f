/**
 * Words rules use in messages: vCPU and request names, short event citations.
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import type { ResolvedRequest } from "../model/request_ref.ts";

/** `vCPU 1`, or `VM 2 vCPU 1` when the trace names VMs. */
export function vcpuLabel(vm: string, vcpu: number | undefined): string {
  const id = vcpu === undefined ? "an unidentified vCPU" : `vCPU ${vcpu}`;
  return vm === "0" ? id : `VM ${vm} ${id}`;
}

/** The request's name, or its text as printed when the table does not know it. */
export function requestLabel(r: ResolvedRequest): string {
  return r.name ?? r.text;
}

/** `line 42 (CPU 0/KVM-6459)`: where an event is, for messages. */
export function at(ev: ModelEvent): string {
  return `line ${ev.origin.line} (${ev.origin.comm}-${ev.origin.pid})`;
}

/** `comm-pid`: who did something. */
export function who(ev: ModelEvent): string {
  return `${ev.origin.comm}-${ev.origin.pid}`;
}
