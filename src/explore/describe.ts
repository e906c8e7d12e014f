/**
 * One-line summaries of explored states, for counterexample steps.
 *
 * @module
 */

import type { BufferedStore, Machine } from "./machine.ts";
import { type Model, type RequesterOp, threadName, type VcpuOp } from "./model.ts";

const SHORT_MODE = ["OUTSIDE", "IN", "EXITING"];

function vcpuOpName(op: VcpuOp): string {
  switch (op.op) {
    case "store_mode":
      return `mode=${SHORT_MODE[op.mode]}`;
    case "mb":
      return "smp_mb";
    case "check":
      return "final check";
    default:
      return op.op;
  }
}

function requesterOpName(op: RequesterOp): string {
  switch (op.op) {
    case "amr_begin":
    case "amr_send":
    case "amr_end":
      return op.op.replace("amr_", "all-cpus ");
    case "amr_kick":
      return `all-cpus kick vCPU${op.vcpu}`;
    default:
      return `${op.op.replace("_", " ")} vCPU${op.vcpu}`;
  }
}

function senders(mask: number): string {
  const out: string[] = [];
  for (let r = 0; mask >> r !== 0; r++) if (mask & (1 << r)) out.push(`R${r + 1}`);
  return out.join("+");
}

function describeVcpu(model: Model, m: Machine, v: number): string {
  const s = m.vcpus[v];
  const op = model.vcpuProgram[s.pc];
  const where = op === undefined
    ? "done"
    : op.op === "guest"
    ? "IN GUEST"
    : `next ${vcpuOpName(op)}`;
  const ipi = s.ipi === 0 ? "" : `, IPI pending from ${senders(s.ipi)}`;
  return `vCPU${v}: ${where}, irqs ${s.irqsOff ? "off" : "on"}, entries ${s.entries}${ipi}`;
}

function describeRequester(model: Model, m: Machine, r: number): string {
  const s = m.requesters[r];
  const op = model.requesterPrograms[r][s.pc];
  return `R${r + 1}: ${op === undefined ? "done" : `next ${requesterOpName(op)}`}`;
}

function describeStore(e: BufferedStore): string {
  if (e.target === "mode") return `mode${e.vcpu}=${SHORT_MODE[e.value]}`;
  if (e.target === "requests") return `requests${e.vcpu}|=0x${e.value.toString(16)}`;
  return `work${e.vcpu}=1`;
}

/** A one-line summary of `m`: threads, memory, non-empty store buffers. */
export function describeMachine(model: Model, m: Machine): string {
  const parts: string[] = [];
  for (let v = 0; v < model.vcpus; v++) parts.push(describeVcpu(model, m, v));
  for (let r = 0; r < model.requesters; r++) parts.push(describeRequester(model, m, r));
  const memory: string[] = [];
  for (let v = 0; v < model.vcpus; v++) {
    memory.push(
      `mode${v}=${SHORT_MODE[m.mode[v]]}`,
      `requests${v}=0x${m.requests[v].toString(16)}`,
    );
    if (model.config.requestLess) memory.push(`work${v}=${m.work[v]}`);
  }
  parts.push(`memory: ${memory.join(" ")}`);
  const buffers = m.buffers
    .map((b, t) =>
      b.length === 0 ? "" : `${threadName(model, t)}[${b.map(describeStore).join(", ")}]`
    )
    .filter((text) => text !== "");
  if (buffers.length > 0) parts.push(`buffers: ${buffers.join(" ")}`);
  return parts.join(" | ");
}
