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

import { exitReasonOf } from "../kernels/exit_reasons.ts";
import { EVENT_KINDS, STOCK_EVENTS_USED } from "./event_kinds.ts";
import { VcpuIdentity } from "./identity.ts";
import {
  type Decoded,
  decodeProtocolEvent,
  isProtocolEventName,
  type ProtocolEvent,
  type ProtocolEventName,
} from "./protocol.ts";
import { parseInteger } from "./fields.ts";
import { decodeStockEvent, wordAfter } from "./stock_fields.ts";
import { TextEvent } from "./text_event.ts";
import type { TraceEvent, TraceRecord } from "./types.ts";
import { findKickCallSite, normalizeFrame } from "../kernels/kick_call_site.ts";
import { kickSiteRows } from "../kernels/kick_sites.ts";
import {
  ACK_KICK,
  FAN_OUT_CSD_CALLSITES,
  KICK_SHAPES,
  SINGLE_CSD_CALLSITES,
} from "../kernels/kick_shapes.ts";
import { type KernelVersion, NEWEST_KERNEL } from "../kernels/kernel_version.ts";
import { KIND, type ModelBody, ModelEvent, type StockKick, tsHiOf, tsLoOf } from "./model_event.ts";

/** Stock events the normalizer reads; lint builds only these and the protocol events. */
export { STOCK_EVENTS_USED };

/**
 * Stock events whose stack the normalizer reads (a wakeup's or an IPI's
 * kick call site): a live reader keeps such an event open for its stack
 * across a pause (see RecordBuilder.idle()).
 */
export const STACK_EVENTS_USED: readonly string[] = ["sched_waking", "ipi_send_cpu"];

/** Every event name the model can use. */
export const MODEL_EVENT_NAMES: ReadonlySet<string> = new Set<string>(Object.keys(EVENT_KINDS));

/** A protocol event whose fields could not be decoded. */
export interface DecodeProblem {
  /** Input line. */
  readonly line: number;
  /** Why. */
  readonly reason: string;
}

function frameFunction(frame: string): string {
  const plus = frame.indexOf("+");
  return (plus < 0 ? frame : frame.slice(0, plus)).trim();
}

/** What an `ipi_send_cpu` text says: target CPU, call site, and whether it is a reschedule IPI. */
interface IpiText {
  readonly cpu: number | undefined;
  /** The call site's function (`kvm_arch_memslots_updated`), `undefined` when absent. */
  readonly callsite: string | undefined;
  /** `callback=0x0` (or NULL): smp_send_reschedule(), which is what a plain kick sends. */
  readonly reschedule: boolean;
}

/** What a `csd_queue_cpu` text says, when the function queued is KVM's ack_kick. */
interface AckKickText {
  readonly cpu: number | undefined;
  /** Queued by a fan-out's smp_call_function_many(). */
  readonly fanOut: boolean;
  /** Queued by a single waiting kick's smp_call_function_single(). */
  readonly single: boolean;
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
class FieldMemo<T> implements FieldDecoder<T> {
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

/** Something that decodes field texts: a {@link FieldMemo}, or the decoder itself. */
interface FieldDecoder<T> {
  get(fields: string): T;
}

/** A decoder without a memo (the text reader's {@link FieldText} is the memo). */
class PlainDecoder<T> implements FieldDecoder<T> {
  constructor(readonly get: (fields: string) => T) {}
}

/**
 * What `decoder` makes of `r`'s field text. A text reader's event carries its
 * interned {@link FieldText}, which remembers the last decoding: a text seen
 * before under the same decoder costs a comparison, not a lookup by string.
 */
function decodeFields<T>(decoder: FieldDecoder<T>, r: TraceEvent): T {
  if (r instanceof TextEvent) {
    const text = r.text;
    if (text.owner === decoder) return text.value as T;
    const value = decoder.get(text.text);
    text.owner = decoder;
    text.value = value;
    return value;
  }
  return decoder.get(r.fields);
}

/** What a `kvm_entry` or `kvm_exit` text says (see {@link EventNormalizer}). */
interface EntryExitText {
  /** The vCPU id printed, `undefined` when none. */
  readonly vcpu: number | undefined;
  /** `[immediate exit]` (kvm_entry). */
  readonly immediateExit: boolean;
  /** The exit reason (kvm_exit). */
  readonly reason: string | undefined;
  /** `requests 0x…` (kvm_exit, 6.13+). */
  readonly requests: bigint | undefined;
}

function entryText(fields: string): EntryExitText {
  return {
    vcpu: entryExitVcpu(fields),
    immediateExit: fields.endsWith("[immediate exit]"),
    reason: undefined,
    requests: undefined,
  };
}

function exitText(fields: string): EntryExitText {
  return {
    vcpu: entryExitVcpu(fields),
    immediateExit: false,
    reason: exitReasonOf(fields),
    requests: exitRequests(fields),
  };
}

/** Settings of an {@link EventNormalizer}. */
export interface NormalizerOptions {
  /**
   * Drop protocol events: judge the input as if the kernel were unpatched
   * (the stock events alone), e.g. to compare what a patched kernel adds.
   */
  readonly stockOnly?: boolean;
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
  /** `kvm_entry` and `kvm_exit` texts: decoded each time, or once per interned text. */
  readonly #entryText = new PlainDecoder(entryText);
  readonly #exitText = new PlainDecoder(exitText);
  readonly #switchMemo = new FieldMemo<number | undefined>((f) => {
    const d = decodeStockEvent("sched_switch", f);
    return d.kind === "sched_switch" ? d.nextPid : undefined;
  });
  /** `ipi_send_cpu` texts, decoded. */
  readonly #ipiMemo = new FieldMemo<IpiText | null>((f) => {
    const d = decodeStockEvent("ipi_send_cpu", f);
    if (d.kind !== "ipi_send_cpu") return null;
    const cb = d.callback?.trim();
    return {
      cpu: d.cpu,
      callsite: d.callsite === undefined ? undefined : normalizeFrame(d.callsite),
      reschedule: cb === undefined || cb === "0x0" || cb === "0" || cb === "(null)",
    };
  });
  /** `csd_queue_cpu` texts: the ack_kick IPIs of kicks, `null` for other functions. */
  readonly #csdMemo = new FieldMemo<AckKickText | null>((f) => {
    const d = decodeStockEvent("csd_queue_cpu", f);
    if (d.kind !== "csd_queue_cpu" || d.func === undefined) return null;
    if (frameFunction(d.func) !== ACK_KICK) return null;
    const site = d.callsite === undefined ? "" : normalizeFrame(d.callsite);
    return {
      cpu: d.cpu,
      fanOut: FAN_OUT_CSD_CALLSITES.includes(site),
      single: SINGLE_CSD_CALLSITES.includes(site),
    };
  });
  /** `kvm_vcpu_wakeup` texts: `wait`/`poll` and the halt time. */
  readonly #wakeupMemo = new FieldMemo<{ waited: boolean | undefined; ns: bigint | undefined }>(
    (f) => {
      const d = decodeStockEvent("kvm_vcpu_wakeup", f);
      if (d.kind !== "kvm_vcpu_wakeup") return { waited: undefined, ns: undefined };
      const waited = d.how === "wait" ? true : d.how === "poll" ? false : undefined;
      return { waited, ns: d.waitNs === undefined ? undefined : BigInt(d.waitNs) };
    },
  );
  /** `csd_function_entry` texts: whether the function run is KVM's kick acknowledgement. */
  readonly #ackMemo = new FieldMemo<boolean>((f) => {
    const d = decodeStockEvent("csd_function_entry", f);
    return d.kind === "csd_function_entry" && d.func !== undefined &&
      frameFunction(d.func) === "ack_kick";
  });
  /** Entry bodies by vCPU id; exit bodies by vCPU id and reason. */
  readonly #entryBodies = new Map<number, ModelBody>();
  readonly #exitBodies = new Map<number, Map<string | undefined, ModelBody>>();

  /**
   * A normalizer for one input.
   *
   * @param file input name, for evidence
   * @param kernel the kernel version whose kick-site table and kick shape apply
   */
  constructor(
    readonly file: string,
    readonly kernel: KernelVersion = NEWEST_KERNEL,
    options: NormalizerOptions = {},
  ) {
    this.stockOnly = options.stockOnly === true;
  }

  /** Protocol events are dropped: the input is read as an unpatched kernel's. */
  readonly stockOnly: boolean;
  /**
   * A protocol event has been seen: the kernel is patched, and its kicks,
   * acknowledgements and unblocks are traced as such. The stock events the
   * same kick also makes (sched_waking with kvm_vcpu_kick in its stack,
   * ipi_send_cpu, csd_queue_cpu/csd_function_entry of ack_kick,
   * kvm_vcpu_wakeup) then only teach identity: recovering them too would
   * count every kick twice (a stock kick between kvm_make_request and the
   * protocol kick would make that kick request-less).
   */
  #protocolSeen = false;

  /** The model event for `r`, or `undefined` when the model has no use for it. */
  toModel(r: TraceRecord): ModelEvent | undefined {
    if (r.type === "buffer-started") return undefined;
    if (r.type === "lost") {
      return new ModelEvent(
        this.#seq++,
        KIND.lost,
        { kind: "lost", cpu: r.cpu, count: r.count },
        undefined,
        this.file,
        r.line,
        -1,
        r.cpu,
        0,
        -1,
        "",
        undefined,
        "LOST",
        `CPU:${r.cpu} [LOST ${r.count ?? "?"} EVENTS]`,
        undefined,
      );
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
    if (handling === Handling.Protocol && this.stockOnly) return undefined;
    const body = handling === Handling.Protocol ? this.#protocol(r) : this.#stock(r);
    if (body === undefined) return undefined;
    // A text reader's event has its time as an exact number already: no bigint is made.
    const exact = r instanceof TextEvent && !Number.isNaN(r.tsNs);
    const irqsOff = r.flags === undefined ? undefined : r.flags.charCodeAt(0) === 100 /* d */;
    return new ModelEvent(
      this.#seq++,
      KIND[body.kind],
      body,
      irqsOff,
      this.file,
      r.line,
      r.pid,
      r.cpu,
      exact ? 0 : tsHiOf(r.ts),
      exact ? (r as TextEvent).tsNs : tsLoOf(r.ts),
      r.comm,
      r.flags,
      r.name,
      r.fields,
      r.stack,
    );
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
    const d = decodeFields(memo, r);
    if (!d.ok) return this.#problem(r.line, `${r.name}: ${d.error}`);
    const b = d.value;
    this.#protocolSeen = true;
    if (
      b.kind === "mode" || b.kind === "request_pending" || b.kind === "block" ||
      b.kind === "sync_pir"
    ) {
      this.identity.learn(r.pid, b.vcpu, "protocol");
    }
    if (b.kind === "ipi_ack" && b.vcpu === undefined) {
      // `vcpu=-1`: no vCPU was loaded on the acknowledging CPU (ack_kick()
      // reads kvm_running_vcpu); the last vCPU seen on that CPU stands in.
      return { ...b, vcpu: this.identity.vcpuOnCpu(r.cpu)?.vcpu };
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
        const t = decodeFields(entry ? this.#entryText : this.#exitText, r);
        const id = t.vcpu;
        if (id !== undefined) this.identity.learn(r.pid, id, "kvm_entry");
        const vcpu = id ?? this.identity.vcpuOfThread(r.pid)?.vcpu;
        if (vcpu === undefined) return undefined;
        return entry
          ? this.#entryBody(vcpu, t.immediateExit)
          : this.#exitBody(vcpu, t.reason, t.requests);
      }
      case "kvm_userspace_exit": {
        // Traced by the vCPU thread as KVM_RUN returns (kvm_arch_vcpu_ioctl_run).
        const id = this.identity.vcpuOfThread(r.pid);
        if (id === undefined) return undefined;
        return {
          kind: "userspace_exit",
          vm: "0",
          vcpu: id.vcpu,
          reason: wordAfter(r.fields, "reason"),
        };
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
        if (id === undefined) return undefined;
        if (this.#protocolSeen) return undefined;
        const w = decodeFields(this.#wakeupMemo, r);
        return { kind: "stock_wakeup", vm: "0", vcpu: id.vcpu, waited: w.waited, haltNs: w.ns };
      }
      case "sched_switch": {
        const nextPid = decodeFields(this.#switchMemo, r);
        if (nextPid !== undefined) this.identity.switchedTo(r.cpu, nextPid);
        return undefined;
      }
      case "sched_waking": {
        if (r.stack === undefined || this.#protocolSeen) return undefined;
        const kick = findKickCallSite(r.stack, this.kernel);
        if (kick === undefined) return undefined;
        const d = decodeStockEvent("sched_waking", r.fields);
        const targetPid = d.kind === "sched_waking" ? d.pid : undefined;
        const id = targetPid === undefined ? undefined : this.identity.vcpuOfThread(targetPid);
        if (id === undefined) this.unidentifiedKicks++;
        return this.#kick(id?.vcpu, "wake", "wake", {
          site: kick.callSite,
          kickFunction: kick.kickFunction,
          fanOut: kick.fanOut,
          targetPid,
        });
      }
      case "ipi_send_cpu": {
        const d = decodeFields(this.#ipiMemo, r);
        if (d === null || !d.reschedule || this.#protocolSeen) return undefined;
        // A plain kick's smp_send_reschedule() records the kick's caller as
        // callsite (_RET_IP_ of the out-of-line kick function): a known kick
        // site says this reschedule IPI is a kick; a stack on the event says
        // so for any site. (A fan-out's IPI delivers queued ack_kick csds:
        // those kicks come from csd_queue_cpu.)
        const kick = r.stack === undefined ? undefined : findKickCallSite(r.stack, this.kernel);
        let shape: StockKick["shape"];
        let site: string | undefined;
        if (kick !== undefined) {
          shape = "stack-ipi";
          site = kick.callSite;
        } else if (d.callsite !== undefined && this.#kicksDirectly(d.callsite)) {
          shape = "resched-ipi";
          site = d.callsite;
        } else return undefined;
        const id = d.cpu === undefined ? undefined : this.identity.vcpuOnCpu(d.cpu);
        if (id === undefined) this.unidentifiedKicks++;
        return this.#kick(id?.vcpu, "ipi", shape, {
          site,
          kickFunction: kick?.kickFunction ?? KICK_SHAPES[this.kernel].kickFrame,
          fanOut: kick?.fanOut ?? false,
          targetCpu: d.cpu,
        });
      }
      case "csd_queue_cpu": {
        const d = decodeFields(this.#csdMemo, r);
        if (d === null || this.#protocolSeen) return undefined;
        const kick = r.stack === undefined ? undefined : findKickCallSite(r.stack, this.kernel);
        const id = d.cpu === undefined ? undefined : this.identity.vcpuOnCpu(d.cpu);
        if (id === undefined) this.unidentifiedKicks++;
        return this.#kick(id?.vcpu, "ipi", "ack-kick", {
          site: kick?.callSite,
          kickFunction: kick?.kickFunction,
          fanOut: d.fanOut || kick?.fanOut === true,
          waits: d.single,
          targetCpu: d.cpu,
        });
      }
      case "csd_function_entry": {
        if (this.#protocolSeen || !decodeFields(this.#ackMemo, r)) return undefined;
        return { kind: "stock_ack", vm: "0", vcpu: this.identity.vcpuOnCpu(r.cpu)?.vcpu };
      }
    }
    return undefined;
  }

  /** True when the kernel's row for `fn` calls kvm_vcpu_kick() itself (or through an inlined helper). */
  #kicksDirectly(fn: string): boolean {
    return kickSiteRows(this.kernel).get(fn)?.calls.includes("kvm_vcpu_kick") === true;
  }

  #kick(
    vcpu: number | undefined,
    action: "wake" | "ipi",
    shape: StockKick["shape"],
    more: {
      site: string | undefined;
      kickFunction: string | undefined;
      fanOut: boolean;
      waits?: boolean;
      targetPid?: number;
      targetCpu?: number;
    },
  ): StockKick {
    return {
      kind: "stock_kick",
      vm: "0",
      vcpu,
      action,
      site: more.site,
      targetPid: more.targetPid,
      targetCpu: more.targetCpu,
      shape,
      kickFunction: more.kickFunction,
      fanOut: more.fanOut,
      waits: more.waits ?? false,
    };
  }

  #entryBody(vcpu: number, immediateExit: boolean): ModelBody {
    const key = immediateExit ? -1 - vcpu : vcpu;
    let b = this.#entryBodies.get(key);
    if (b === undefined) {
      b = { kind: "entry", vm: "0", vcpu, immediateExit };
      if (this.#entryBodies.size < DECODE_CACHE_SIZE) this.#entryBodies.set(key, b);
    }
    return b;
  }

  #exitBody(vcpu: number, reason: string | undefined, requests: bigint | undefined): ModelBody {
    if (requests !== undefined && requests !== 0n) {
      return { kind: "exit", vm: "0", vcpu, reason, requests };
    }
    let byReason = this.#exitBodies.get(vcpu);
    if (byReason === undefined) {
      byReason = new Map();
      if (this.#exitBodies.size < DECODE_CACHE_SIZE) this.#exitBodies.set(vcpu, byReason);
    }
    const key = requests === undefined ? reason : `${reason}\u0000`;
    let b = byReason.get(key);
    if (b === undefined) {
      b = { kind: "exit", vm: "0", vcpu, reason, requests };
      if (byReason.size < DECODE_CACHE_SIZE) byReason.set(key, b);
    }
    return b;
  }
}

/**
 * `vcpu->requests` at a `kvm_exit`, from its trailing `requests 0x%016llx`
 * (arch/x86/kvm/trace.h TRACE_EVENT_KVM_EXIT, printed since 6.13; 6.12 does
 * not print it): `undefined` when the text has no such field.
 */
export function exitRequests(fields: string): bigint | undefined {
  const at = fields.lastIndexOf(" requests 0x");
  if (at < 0) return undefined;
  const hex = fields.slice(at + 10).trim();
  return /^0x[0-9a-f]{1,16}$/i.test(hex) ? BigInt(hex) : undefined;
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
