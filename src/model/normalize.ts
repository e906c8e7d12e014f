/**
 * Turns trace records into model events: protocol events decoded from their
 * fields; guest entry/exit from `kvm_entry`/`kvm_exit`; on stock kernels,
 * kicks recovered from a vCPU-thread wakeup whose stack holds the kick
 * function, from an `ipi_send_cpu` whose callsite is the kick, and
 * acknowledgements from `csd_function_entry: func=ack_kick`; lost-event
 * markers. Deterministic, no I/O. Events that should decode and do not are
 * counted with their lines, never dropped silently.
 *
 * @module
 */

import { VcpuIdentity } from "../events/identity.ts";
import {
  decodeProtocolEvent,
  isProtocolEventName,
  PROTOCOL_EVENT_NAMES,
} from "../events/protocol.ts";
import { decodeStockEvent } from "../events/stock.ts";
import type { TraceEvent, TraceRecord } from "../events/types.ts";
import { findKickCallSite, KICK_FUNCTIONS } from "../stock/kick_sites.ts";
import type { EventOrigin, ModelBody, ModelEvent } from "./model_event.ts";

/** Stock events the normalizer reads; lint builds only these and the protocol events. */
export const STOCK_EVENTS_USED = [
  "kvm_entry",
  "kvm_exit",
  "kvm_vcpu_wakeup",
  "kvm_halt_poll_ns",
  "sched_waking",
  "sched_switch",
  "ipi_send_cpu",
  "csd_function_entry",
] as const;

/** Every event name the model can use. */
export const MODEL_EVENT_NAMES: ReadonlySet<string> = new Set<string>([
  ...PROTOCOL_EVENT_NAMES,
  ...STOCK_EVENTS_USED,
]);

/** A protocol event whose fields could not be decoded. */
export interface DecodeProblem {
  /** Input line. */
  readonly line: number;
  /** Why. */
  readonly reason: string;
}

const KICK_SET: ReadonlySet<string> = new Set(KICK_FUNCTIONS);

function frameFunction(frame: string): string {
  const plus = frame.indexOf("+");
  return (plus < 0 ? frame : frame.slice(0, plus)).trim();
}

/** Normalizes the records of one input. */
export class EventNormalizer {
  /** Thread and CPU identity learned so far. */
  readonly identity = new VcpuIdentity();
  /** Protocol events that failed to decode (first ten kept), and their count. */
  readonly problems: DecodeProblem[] = [];
  /** Number of protocol events that failed to decode. */
  problemCount = 0;
  /** Stock kicks whose target vCPU could not be identified. */
  unidentifiedKicks = 0;
  #seq = 0;

  /** @param file input name, for evidence */
  constructor(readonly file: string) {}

  /** The model event for `r`, or `undefined` when the model has no use for it. */
  toModel(r: TraceRecord): ModelEvent | undefined {
    if (r.type === "buffer-started") return undefined;
    if (r.type === "lost") {
      const origin: EventOrigin = {
        file: this.file,
        line: r.line,
        ts: -1n,
        comm: "",
        pid: -1,
        cpu: r.cpu,
        flags: undefined,
        name: "LOST",
        fields: `CPU:${r.cpu} [LOST ${r.count ?? "?"} EVENTS]`,
      };
      return this.#make({ kind: "lost", cpu: r.cpu, count: r.count }, origin, undefined);
    }
    this.identity.observe(r.pid, r.comm, r.cpu);
    const body = isProtocolEventName(r.name) ? this.#protocol(r) : this.#stock(r);
    if (body === undefined) return undefined;
    const origin: EventOrigin = {
      file: this.file,
      line: r.line,
      ts: r.ts,
      comm: r.comm,
      pid: r.pid,
      cpu: r.cpu,
      flags: r.flags,
      name: r.name,
      fields: r.fields,
      stack: r.stack,
    };
    const irqsOff = r.flags === undefined ? undefined : r.flags.charCodeAt(0) === 100 /* d */;
    return this.#make(body, origin, irqsOff);
  }

  #make(body: ModelBody, origin: EventOrigin, irqsOff: boolean | undefined): ModelEvent {
    return { seq: this.#seq++, body, origin, irqsOff };
  }

  #problem(line: number, reason: string): undefined {
    this.problemCount++;
    if (this.problems.length < 10) this.problems.push({ line, reason });
    return undefined;
  }

  #protocol(r: TraceEvent): ModelBody | undefined {
    const d = decodeProtocolEvent(r.name as typeof PROTOCOL_EVENT_NAMES[number], r.fields);
    if (!d.ok) return this.#problem(r.line, `${r.name}: ${d.error}`);
    const b = d.value;
    if (
      b.kind === "mode" || b.kind === "request_pending" || b.kind === "block" ||
      b.kind === "sync_pir"
    ) {
      this.identity.learn(r.pid, b.vcpu, "protocol");
    }
    return b;
  }

  #stock(r: TraceEvent): ModelBody | undefined {
    switch (r.name) {
      case "kvm_entry":
      case "kvm_exit": {
        const d = decodeStockEvent(r.name, r.fields);
        if (d.kind !== "kvm_entry" && d.kind !== "kvm_exit") return undefined;
        if (d.vcpu !== undefined) this.identity.learn(r.pid, d.vcpu, "kvm_entry");
        const vcpu = d.vcpu ?? this.identity.vcpuOfThread(r.pid)?.vcpu;
        if (vcpu === undefined) return undefined;
        return d.kind === "kvm_entry"
          ? { kind: "entry", vm: "0", vcpu }
          : { kind: "exit", vm: "0", vcpu, reason: d.reason };
      }
      case "kvm_halt_poll_ns": {
        // Emitted by the vCPU thread itself: `vcpu 1: halt_poll_ns 0 (shrink 10000)`.
        const d = decodeStockEvent("kvm_halt_poll_ns", r.fields);
        if (d.kind === "kvm_halt_poll_ns" && d.vcpu !== undefined) {
          this.identity.learn(r.pid, d.vcpu, "protocol");
        }
        return undefined;
      }
      case "kvm_vcpu_wakeup": {
        const id = this.identity.vcpuOfThread(r.pid);
        return id === undefined ? undefined : { kind: "stock_wakeup", vm: "0", vcpu: id.vcpu };
      }
      case "sched_switch": {
        const d = decodeStockEvent("sched_switch", r.fields);
        if (d.kind === "sched_switch" && d.nextPid !== undefined) {
          this.identity.switchedTo(r.cpu, d.nextPid);
        }
        return undefined;
      }
      case "sched_waking": {
        if (r.stack === undefined) return undefined;
        const kick = findKickCallSite(r.stack);
        if (kick === undefined) return undefined;
        const d = decodeStockEvent("sched_waking", r.fields);
        const targetPid = d.kind === "sched_waking" ? d.pid : undefined;
        const id = targetPid === undefined ? undefined : this.identity.vcpuOfThread(targetPid);
        if (id === undefined) this.unidentifiedKicks++;
        return {
          kind: "stock_kick",
          vm: "0",
          vcpu: id?.vcpu,
          action: "wake",
          site: kick.callSite,
          targetPid,
          targetCpu: undefined,
        };
      }
      case "ipi_send_cpu": {
        const d = decodeStockEvent("ipi_send_cpu", r.fields);
        if (d.kind !== "ipi_send_cpu" || d.callsite === undefined) return undefined;
        if (!KICK_SET.has(frameFunction(d.callsite))) return undefined;
        const id = d.cpu === undefined ? undefined : this.identity.vcpuOnCpu(d.cpu);
        if (id === undefined) this.unidentifiedKicks++;
        const site = r.stack === undefined ? undefined : findKickCallSite(r.stack)?.callSite;
        return {
          kind: "stock_kick",
          vm: "0",
          vcpu: id?.vcpu,
          action: "ipi",
          site,
          targetPid: undefined,
          targetCpu: d.cpu,
        };
      }
      case "csd_function_entry": {
        const d = decodeStockEvent("csd_function_entry", r.fields);
        if (
          d.kind !== "csd_function_entry" || d.func === undefined ||
          frameFunction(d.func) !== "ack_kick"
        ) {
          return undefined;
        }
        return { kind: "stock_ack", vm: "0", vcpu: this.identity.vcpuOnCpu(r.cpu)?.vcpu };
      }
    }
    return undefined;
  }
}
