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
  type Decoded,
  decodeProtocolEvent,
  isProtocolEventName,
  PROTOCOL_EVENT_NAMES,
  type ProtocolEvent,
  type ProtocolEventName,
} from "../events/protocol.ts";
import { parseInteger } from "../events/fields.ts";
import { decodeStockEvent, wordAfter } from "../events/stock.ts";
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

/** Decoded field texts kept per event name, at most; the cache is emptied when full. */
const DECODE_CACHE_SIZE = 4096;

/**
 * A memo of a pure decoder of field texts: traces repeat the same texts
 * (`vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE`) millions of times,
 * and decoding them again each time was most of the normalizer's cost.
 * Decoded values are never mutated, so sharing them is safe. A text is
 * remembered only once a cheap hash of it has come by before, so one-off
 * texts do not linger (and get promoted to the old generation) in the memo.
 */
class FieldMemo<T> {
  #map = new Map<string, T>();
  readonly #seen = new Int32Array(DECODE_CACHE_SIZE);
  constructor(readonly decode: (fields: string) => T) {}

  get(fields: string): T {
    let v = this.#map.get(fields);
    if (v === undefined) {
      v = this.decode(fields);
      // Only on a miss, which costs a decode anyway: hash the whole text.
      let h = fields.length;
      for (let i = 0; i < fields.length; i++) h = Math.imul(h ^ fields.charCodeAt(i), 0x01000193);
      const door = (h ^ (h >>> 13)) & (DECODE_CACHE_SIZE - 1);
      if (this.#seen[door] !== h) {
        this.#seen[door] = h;
        return v;
      }
      if (this.#map.size >= DECODE_CACHE_SIZE) this.#map = new Map();
      this.#map.set(fields, v);
    }
    return v;
  }
}

/** How the normalizer handles an event name. */
const Handling = { Protocol: 0, Stock: 1, Other: 2 } as const;
type Handling = typeof Handling[keyof typeof Handling];

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
  readonly #handling = new Map<string, Handling>();
  readonly #protocolMemo = new Map<string, FieldMemo<Decoded<ProtocolEvent>>>();
  readonly #switchMemo = new FieldMemo<number | undefined>((f) => {
    const d = decodeStockEvent("sched_switch", f);
    return d.kind === "sched_switch" ? d.nextPid : undefined;
  });
  /** `ipi_send_cpu` texts: the target CPU of an IPI a kick function sent, `null` for other IPIs. */
  readonly #kickIpiMemo = new FieldMemo<{ readonly cpu: number | undefined } | null>((f) => {
    const d = decodeStockEvent("ipi_send_cpu", f);
    if (d.kind !== "ipi_send_cpu" || d.callsite === undefined) return null;
    return KICK_SET.has(frameFunction(d.callsite)) ? { cpu: d.cpu } : null;
  });
  /** `csd_function_entry` texts: whether the function run is KVM's kick acknowledgement. */
  readonly #ackMemo = new FieldMemo<boolean>((f) => {
    const d = decodeStockEvent("csd_function_entry", f);
    return d.kind === "csd_function_entry" && d.func !== undefined &&
      frameFunction(d.func) === "ack_kick";
  });
  /** Entry bodies by vCPU id; exit bodies by vCPU id and reason. */
  readonly #entryBodies = new Map<number, ModelBody>();
  readonly #exitBodies = new Map<number, Map<string | undefined, ModelBody>>();

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
    let handling = this.#handling.get(r.name);
    if (handling === undefined) {
      handling = isProtocolEventName(r.name)
        ? Handling.Protocol
        : MODEL_EVENT_NAMES.has(r.name)
        ? Handling.Stock
        : Handling.Other;
      this.#handling.set(r.name, handling);
    }
    if (handling === Handling.Other) return undefined;
    const body = handling === Handling.Protocol ? this.#protocol(r) : this.#stock(r);
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
    let memo = this.#protocolMemo.get(r.name);
    if (memo === undefined) {
      const name = r.name as ProtocolEventName;
      memo = new FieldMemo((f) => decodeProtocolEvent(name, f));
      this.#protocolMemo.set(r.name, memo);
    }
    const d = memo.get(r.fields);
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
        // Only the vCPU id (and the exit reason) matter here: read them
        // without decoding the whole text (see entryExitVcpu).
        const entry = r.name === "kvm_entry";
        const id = entryExitVcpu(r.fields);
        if (id !== undefined) this.identity.learn(r.pid, id, "kvm_entry");
        const vcpu = id ?? this.identity.vcpuOfThread(r.pid)?.vcpu;
        if (vcpu === undefined) return undefined;
        return entry ? this.#entryBody(vcpu) : this.#exitBody(vcpu, wordAfter(r.fields, "reason"));
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
        const nextPid = this.#switchMemo.get(r.fields);
        if (nextPid !== undefined) this.identity.switchedTo(r.cpu, nextPid);
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
        const d = this.#kickIpiMemo.get(r.fields);
        if (d === null) return undefined;
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
        if (!this.#ackMemo.get(r.fields)) return undefined;
        return { kind: "stock_ack", vm: "0", vcpu: this.identity.vcpuOnCpu(r.cpu)?.vcpu };
      }
    }
    return undefined;
  }

  #entryBody(vcpu: number): ModelBody {
    let b = this.#entryBodies.get(vcpu);
    if (b === undefined) {
      b = { kind: "entry", vm: "0", vcpu };
      if (this.#entryBodies.size < DECODE_CACHE_SIZE) this.#entryBodies.set(vcpu, b);
    }
    return b;
  }

  #exitBody(vcpu: number, reason: string | undefined): ModelBody {
    let byReason = this.#exitBodies.get(vcpu);
    if (byReason === undefined) {
      byReason = new Map();
      if (this.#exitBodies.size < DECODE_CACHE_SIZE) this.#exitBodies.set(vcpu, byReason);
    }
    let b = byReason.get(reason);
    if (b === undefined) {
      b = { kind: "exit", vm: "0", vcpu, reason };
      if (byReason.size < DECODE_CACHE_SIZE) byReason.set(reason, b);
    }
    return b;
  }
}

/**
 * `parseInteger(wordAfter(fields, "vcpu"))` — the vCPU id of a kvm_entry or
 * kvm_exit — without building strings when the text starts `vcpu N` with a
 * plain decimal N, as every kernel prints it; anything else takes the
 * general path.
 */
function entryExitVcpu(fields: string): number | undefined {
  if (fields.startsWith("vcpu ")) {
    let end = 5;
    let v = 0;
    let c = 0;
    while (end < fields.length && (c = fields.charCodeAt(end)) >= 0x30 && c <= 0x39 && end < 14) {
      v = v * 10 + (c - 0x30);
      end++;
    }
    // `N` then a blank, `,` or `:` then a blank, or the end: the token is N.
    const next = end < fields.length ? fields.charCodeAt(end) : -1;
    const after = end + 1 < fields.length ? fields.charCodeAt(end + 1) : -1;
    if (
      end > 5 && end < 14 &&
      (next === -1 || next === 0x20 ||
        ((next === 0x2c || next === 0x3a) && (after === -1 || after === 0x20)))
    ) {
      return v;
    }
  }
  return parseInteger(wordAfter(fields, "vcpu"));
}
