/**
 * The events the reference model consumes: protocol events, guest entry and
 * exit, kicks recovered from stock events, and lost-event markers, each with
 * where it came from (the evidence a finding points at).
 *
 * @module
 */

import type { KickAction, Mode, ProtocolEvent } from "../events/protocol.ts";

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

/** A kick recovered from stock events (a vCPU-thread wakeup with the kick on its stack, an IPI from the kick). */
export interface StockKick {
  readonly kind: "stock_kick";
  readonly vm: string;
  /** Target vCPU, `undefined` when identity could not be resolved. */
  readonly vcpu: number | undefined;
  /** `wake` (sched_waking of the vCPU thread) or `ipi` (ipi_send_cpu from the kick). */
  readonly action: KickAction;
  /** The caller of the kick function (`kvm_arch_memslots_updated`), `undefined` when unknown. */
  readonly site: string | undefined;
  /** Target thread id for wakeups. */
  readonly targetPid: number | undefined;
  /** Target CPU for IPIs. */
  readonly targetCpu: number | undefined;
}

/** Guest entry (stock `kvm_entry`). */
export interface GuestEntry {
  readonly kind: "entry";
  readonly vm: string;
  readonly vcpu: number;
}

/** Guest exit (stock `kvm_exit`). */
export interface GuestExit {
  readonly kind: "exit";
  readonly vm: string;
  readonly vcpu: number;
  readonly reason: string | undefined;
}

/** Stock acknowledgement of a kick IPI (`csd_function_entry: func=ack_kick`). */
export interface StockAck {
  readonly kind: "stock_ack";
  readonly vm: string;
  readonly vcpu: number | undefined;
}

/** Stock end of kvm_vcpu_block (`kvm_vcpu_wakeup`). */
export interface StockWakeup {
  readonly kind: "stock_wakeup";
  readonly vm: string;
  readonly vcpu: number;
}

/** The ring buffer of a CPU lost events here. */
export interface LostEvents {
  readonly kind: "lost";
  readonly cpu: number;
  readonly count: number | null;
}

/** What a model event says. */
export type ModelBody =
  | ProtocolEvent
  | StockKick
  | GuestEntry
  | GuestExit
  | StockAck
  | StockWakeup
  | LostEvents;

/** One event for the model: what it says, where it came from, and the irqs-off bit of its flag column. */
export interface ModelEvent {
  /** Position in the event stream (0-based, strictly increasing). */
  readonly seq: number;
  /** What happened. */
  readonly body: ModelBody;
  /** The source line. */
  readonly origin: EventOrigin;
  /** Interrupts were off (`d` in the flag column); `undefined` without the column. */
  readonly irqsOff: boolean | undefined;
}

/** The kinds of {@link ModelBody}. */
export type ModelKind = ModelBody["kind"];

/** The vCPU modes, re-exported for rule files. */
export type { Mode };
