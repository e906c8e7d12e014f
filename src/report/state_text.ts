/**
 * One-line descriptions of model state for `kvmreq replay`.
 *
 * @module
 */

import type { VcpuView } from "../model/view.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import type { TimeUnit } from "../events/types.ts";

/** `vCPU 0: IN_GUEST_MODE (irqs off) in guest; pending KVM_REQ_UNBLOCK; IPI in flight`. */
export function describeVcpu(v: VcpuView, unit: TimeUnit): string {
  const parts: string[] = [];
  let mode = v.mode ?? "mode unknown";
  if (v.irqsOffAtLastWrite !== undefined && v.mode !== undefined) {
    mode += v.irqsOffAtLastWrite ? " (irqs off)" : " (irqs on)";
  }
  parts.push(mode);
  if (v.inGuest) parts.push("in guest");
  if (v.blockedSince !== undefined) {
    parts.push(`blocked since ${formatTimestamp(v.blockedSince.origin.ts, unit)}`);
  }
  const pending = [...v.pending.values()].map((p) => p.request.name ?? p.request.text);
  parts.push(pending.length === 0 ? "no request pending" : `pending ${pending.join(", ")}`);
  if (v.ipiInFlight !== undefined) parts.push(`IPI in flight (line ${v.ipiInFlight.origin.line})`);
  if (v.deadSince !== undefined) parts.push("VM dead");
  if (v.thread !== undefined) parts.push(`thread ${v.thread}`);
  const label = v.vm === "0" ? `vCPU ${v.vcpu}` : `VM ${v.vm} vCPU ${v.vcpu}`;
  return `${label}: ${parts.join("; ")}`;
}
