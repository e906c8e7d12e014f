/**
 * The events the reference model consumes: protocol events, guest entry and
 * exit, kicks recovered from stock events, and lost-event markers, each with
 * where it came from (the evidence a finding points at).
 *
 * @module
 */

import type { KickAction, Mode, ProtocolEvent } from "./protocol.ts";

/** Where an event came from: enough to cite it as evidence. */
export interface EventOrigin {
  /** Input file. */
  readonly file: string;
  /** 1-based line (or record ordinal for binary inputs). */
  readonly line: number;
  /** Timestamp (ns, or ticks for counter clocks). */
  readonly ts: bigint;
  /** Thread name. */
  readonly comm: string;
  /** Thread id. */
  readonly pid: number;
  /** CPU the event was recorded on. */
  readonly cpu: number;
  /** The flag column as printed (`d..1.`), `undefined` when absent. */
  readonly flags: string | undefined;
  /** Event name. */
  readonly name: string;
  /** Field text. */
  readonly fields: string;
  /** Stack frames attached to the event (stacktrace trigger), innermost first. */
  readonly stack?: readonly string[];
}

/**
 * Which stock event a kick was recovered from (src/kernels/kick_shapes.ts):
 * `wake` a `sched_waking` of the vCPU thread whose stack holds the kick;
 * `resched-ipi` an `ipi_send_cpu … callback=0x0` (smp_send_reschedule())
 * whose `callsite` is a known kick site; `stack-ipi` a reschedule IPI whose
 * own stack holds the kick; `ack-kick` a `csd_queue_cpu … func=ack_kick` (a
 * fan-out's or a waiting single kick's IPI).
 */
export type StockKickShape = "wake" | "resched-ipi" | "stack-ipi" | "ack-kick";

/** A kick recovered from stock events (a vCPU-thread wakeup with the kick on its stack, an IPI from the kick). */
export interface StockKick {
  /** Model-event kind. */
  readonly kind: "stock_kick";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** Target vCPU, `undefined` when identity could not be resolved. */
  readonly vcpu: number | undefined;
  /** `wake` (sched_waking of the vCPU thread) or `ipi` (an IPI the kick sent). */
  readonly action: KickAction;
  /** The caller of the kick function (`kvm_arch_memslots_updated`), `undefined` when unknown. */
  readonly site: string | undefined;
  /** Target thread id for wakeups. */
  readonly targetPid: number | undefined;
  /** Target CPU for IPIs. */
  readonly targetCpu: number | undefined;
  /** The event it was recovered from. */
  readonly shape: StockKickShape;
  /** The kick frame the stack showed (`__kvm_vcpu_kick`), when there was a stack. */
  readonly kickFunction: string | undefined;
  /** The kick went through a fan-out (kvm_make_all_cpus_request(), …), which makes the request itself. */
  readonly fanOut: boolean;
  /** A single kick that waits for its IPI's acknowledgement (6.18 __kvm_vcpu_kick(vcpu, true)). */
  readonly waits: boolean;
}

/** Guest entry (stock `kvm_entry`). */
export interface GuestEntry {
  /** Model-event kind. */
  readonly kind: "entry";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** vCPU id, from the event's `vcpu` field or its thread. */
  readonly vcpu: number;
  /**
   * The entry forces an immediate exit (`[immediate exit]`, printed since
   * 6.9: arch/x86/kvm/trace.h kvm_entry, KVM_RUN_FORCE_IMMEDIATE_EXIT).
   */
  readonly immediateExit: boolean;
}

/** Guest exit (stock `kvm_exit`). */
export interface GuestExit {
  /** Model-event kind. */
  readonly kind: "exit";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** vCPU id, from the event's `vcpu` field or its thread. */
  readonly vcpu: number;
  /** The exit reason as printed (`HLT`, `EXTERNAL_INTERRUPT`, …), `undefined` when absent. */
  readonly reason: string | undefined;
  /**
   * `vcpu->requests` at the exit (`requests 0x…`, printed by kvm_exit since
   * 6.13: READ_ONCE(vcpu->requests) in TRACE_EVENT_KVM_EXIT), `undefined` on
   * kernels that do not print it.
   */
  readonly requests: bigint | undefined;
}

/** A vCPU's KVM_RUN returned to userspace (stock `kvm_userspace_exit`). */
export interface UserspaceExit {
  /** Model-event kind. */
  readonly kind: "userspace_exit";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** vCPU id: the vCPU whose thread returned. */
  readonly vcpu: number;
  /** `KVM_EXIT_IO`, `KVM_EXIT_MMIO`, …, as printed. */
  readonly reason: string | undefined;
}

/** Stock acknowledgement of a kick IPI (`csd_function_entry: func=ack_kick`). */
export interface StockAck {
  /** Model-event kind. */
  readonly kind: "stock_ack";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** The vCPU loaded on the acknowledging CPU, `undefined` when unknown. */
  readonly vcpu: number | undefined;
}

/**
 * The end of a halt (`kvm_vcpu_wakeup`, traced once at the end of
 * kvm_vcpu_halt() in virt/kvm/kvm_main.c, 6.12 and 6.18).
 */
export interface StockWakeup {
  /** Model-event kind. */
  readonly kind: "stock_wakeup";
  /** VM id (`0`: stock events name no VM). */
  readonly vm: string;
  /** The vCPU whose thread traced it. */
  readonly vcpu: number;
  /**
   * `wait`: the vCPU scheduled out at least once in kvm_vcpu_block();
   * `poll`: it never slept (halt polling, or kvm_vcpu_block() returning at
   * once); `undefined` when the text says neither.
   */
  readonly waited: boolean | undefined;
  /** The halt's length (`time N ns`: polling and waiting together). */
  readonly haltNs: bigint | undefined;
}

/** The ring buffer of a CPU lost events here. */
export interface LostEvents {
  /** Model-event kind. */
  readonly kind: "lost";
  /** The CPU whose ring buffer lost events. */
  readonly cpu: number;
  /** How many, `null` when the marker does not say. */
  readonly count: number | null;
}

/** What a model event says. */
export type ModelBody =
  | ProtocolEvent
  | StockKick
  | GuestEntry
  | GuestExit
  | UserspaceExit
  | StockAck
  | StockWakeup
  | LostEvents;

/** The kinds of {@link ModelBody}. */
export type ModelKind = ModelBody["kind"];

/**
 * Every model-event kind, in the order of their integer codes ({@link KIND}):
 * the checker indexes its handlers by code and the model switches on it, so
 * no kind string is compared per event.
 */
export const MODEL_KINDS = [
  "make_request",
  "kick",
  "mode",
  "request_pending",
  "check_request",
  "clear_request",
  "all_cpus_request",
  "ipi_ack",
  "block",
  "unblock",
  "posted_interrupt",
  "sync_pir",
  "vcpu_create",
  "vcpu_destroy",
  "stock_kick",
  "entry",
  "exit",
  "userspace_exit",
  "stock_ack",
  "stock_wakeup",
  "lost",
] as const satisfies readonly ModelKind[];

/** Every {@link ModelKind} is in {@link MODEL_KINDS} (a compile error names one that is not). */
const _everyKindListed: Exclude<ModelKind, typeof MODEL_KINDS[number]> extends never ? true
  : never = true;
void _everyKindListed;

/** The integer code of each model-event kind (its index in {@link MODEL_KINDS}). */
export const KIND: { readonly [K in ModelKind]: number } = Object.freeze(
  Object.fromEntries(MODEL_KINDS.map((k, i) => [k, i])) as { [K in ModelKind]: number },
);

/** The integer code of `kind` (see {@link KIND}). */
export function kindOf(kind: ModelKind): number {
  return KIND[kind];
}

/** Nanoseconds (or ticks) per unit of {@link ModelEvent.tsHi}. */
const HI_UNIT = 1_000_000_000;
const HI_UNIT_N = 1_000_000_000n;
const MAX_SAFE_N = BigInt(Number.MAX_SAFE_INTEGER);

/** {@link ModelEvent.tsHi} of a timestamp given as a `bigint`. */
export function tsHiOf(ts: bigint): number {
  return ts <= MAX_SAFE_N && ts >= -MAX_SAFE_N ? 0 : Number(ts / HI_UNIT_N);
}

/** {@link ModelEvent.tsLo} of a timestamp given as a `bigint`. */
export function tsLoOf(ts: bigint): number {
  return ts <= MAX_SAFE_N && ts >= -MAX_SAFE_N ? Number(ts) : Number(ts % HI_UNIT_N);
}

/**
 * One event for the model: what it says (`body`, shared between events with
 * the same field text), where it came from, and the irqs-off bit of its flag
 * column. One object per event: it is its own {@link EventOrigin}
 * (`ev.origin` is the event), holding references to strings the reader
 * already shares (thread names, event names, flag columns, interned field
 * texts); its `bigint` timestamp is made only when read, and the model and
 * rules compare times with {@link nsBetween}. A finding copies the origins
 * it cites into plain objects ({@link originOf}).
 */
export class ModelEvent implements EventOrigin {
  #ts: bigint | undefined;

  /**
   * Makes the model event of one trace event (the normalizer's feeds are the
   * only makers; tests use it too).
   *
   * @param seq position in the event stream (0-based, strictly increasing)
   * @param kindId the integer code of `body.kind` ({@link KIND})
   * @param body what happened
   * @param irqsOff interrupts were off (`d` in the flag column); `undefined` without the column
   * @param file input file
   * @param line 1-based line (or record ordinal for binary inputs)
   * @param pid thread id
   * @param cpu CPU the event was recorded on
   * @param tsHi with `tsLo`, the timestamp: `tsHi * 1e9 + tsLo`, each part an integer below 2^53
   *   (seconds and nanoseconds, or any such split of a tick count)
   * @param tsLo see `tsHi`
   * @param comm thread name
   * @param flags the flag column as printed, `undefined` when absent
   * @param name event name
   * @param fields field text
   * @param stack stack frames attached to the event, innermost first
   */
  constructor(
    readonly seq: number,
    readonly kindId: number,
    readonly body: ModelBody,
    readonly irqsOff: boolean | undefined,
    readonly file: string,
    readonly line: number,
    readonly pid: number,
    readonly cpu: number,
    readonly tsHi: number,
    readonly tsLo: number,
    readonly comm: string,
    readonly flags: string | undefined,
    readonly name: string,
    readonly fields: string,
    readonly stack: readonly string[] | undefined,
  ) {}

  /** Timestamp (ns, or ticks for counter clocks), made on first read. */
  get ts(): bigint {
    if (this.#ts === undefined) {
      this.#ts = this.tsHi === 0
        ? BigInt(this.tsLo)
        : BigInt(this.tsHi) * HI_UNIT_N + BigInt(this.tsLo);
    }
    return this.#ts;
  }

  /** The source line: the event itself, read as an {@link EventOrigin}. */
  get origin(): EventOrigin {
    return this;
  }
}

/**
 * `a`'s timestamp minus `b`'s, as an exact number (ns, or ticks): no
 * `bigint` is made. Exact whenever the difference is below 2^53 (104 days
 * of nanoseconds).
 */
export function nsBetween(a: ModelEvent, b: ModelEvent): number {
  return (a.tsHi - b.tsHi) * HI_UNIT + (a.tsLo - b.tsLo);
}

/** A plain copy of `ev`'s origin, for a finding's evidence. */
export function originOf(ev: ModelEvent): EventOrigin {
  const o = {
    file: ev.file,
    line: ev.line,
    ts: ev.ts,
    comm: ev.comm,
    pid: ev.pid,
    cpu: ev.cpu,
    flags: ev.flags,
    name: ev.name,
    fields: ev.fields,
  };
  // A lost-events marker's origin never had a stack.
  return ev.kindId === KIND.lost ? o : { ...o, stack: ev.stack };
}

/** The vCPU modes, re-exported for rule files. */
export type { Mode };
