/**
 * The reference model's own, writable state: the {@link VcpuView} family of
 * `view.ts` with its fields writable and its maps mutable. Created and
 * changed only by `protocol_model.ts`; every reader gets the views.
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import type { AllCpusCallView, KickContext, KickerView, PendingView, VcpuView } from "./view.ts";

/** `T` with its properties writable. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A request bit set on a vCPU and not yet consumed (see {@link PendingView}). */
export type PendingRequest = Writable<PendingView>;

/** One vCPU (see {@link VcpuView}). */
export type VcpuState =
  & Writable<Omit<VcpuView, "vm" | "vcpu" | "pending" | "consumedAhead" | "lastConsumed">>
  & {
    /** VM id. */
    readonly vm: string;
    /** vCPU id. */
    readonly vcpu: number;
    /** Pending request bits, by number. */
    readonly pending: Map<number, PendingRequest>;
    /** Requests consumed before the line that made them, by bit number. */
    readonly consumedAhead: Map<number, ModelEvent>;
    /** The last check or clear of each request bit. */
    readonly lastConsumed: Map<number, ModelEvent>;
  };

/** A kvm_make_all_cpus_request() in flight (see {@link AllCpusCallView}). */
export type AllCpusCall =
  & Omit<AllCpusCallView, "ipis" | "ipiCpus" | "acks" | "kicks">
  & {
    /** The context of its kicks (`{ call: this, request }`), made once. */
    readonly context: KickContext;
    /** IPIs sent by its kicks, by vCPU. */
    readonly ipis: Map<number, ModelEvent>;
    /** The CPU each IPI went to, by vCPU. */
    readonly ipiCpus: Map<number, number>;
    /** Acknowledgements received, by vCPU. */
    readonly acks: Map<number, ModelEvent>;
    /** Kicks made by it, by vCPU. */
    readonly kicks: Map<number, ModelEvent>;
  };

/** What one thread did to one vCPU since its last kick of it (see {@link KickerView}). */
export type KickerState = Writable<KickerView> & {
  /** The context of its next kick outside a fan-out (`{ call: undefined, request: requestMade }`). */
  context: KickContext;
};

/** Creates the state of a vCPU the trace has just mentioned. */
export function createVcpuState(vm: string, vcpu: number): VcpuState {
  return {
    vm,
    vcpu,
    mode: undefined,
    modeSetBy: undefined,
    thread: undefined,
    outSince: undefined,
    started: false,
    cpu: undefined,
    irqsOffAtLastWrite: undefined,
    lastInGuestWrite: undefined,
    inGuest: false,
    lastEntry: undefined,
    lastExit: undefined,
    pending: new Map(),
    blockedSince: undefined,
    wokenBy: undefined,
    lastPendingCheck: undefined,
    ipiInFlight: undefined,
    lastIpiSeq: -1,
    historyKnown: false,
    deadSince: undefined,
    consumedAhead: new Map(),
    lastConsumed: new Map(),
    sharedId: false,
    lateKick: undefined,
    earlyKick: undefined,
    lastSeen: undefined,
  };
}
