/**
 * What the reference model knows about each vCPU and VM at one instant.
 * Plain data, created and changed only by `protocol_model.ts`; rules read it.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";
import type { ModelEvent } from "./model_event.ts";
import type { ResolvedRequest } from "./request_ref.ts";

/** A request bit set on a vCPU and not yet consumed. */
export interface PendingRequest {
  /** The request. */
  readonly request: ResolvedRequest;
  /** The event that made it (`kvm_make_request` or an all-CPUs `phase=begin`). */
  readonly made: ModelEvent;
  /** Thread that made it. */
  readonly maker: number;
  /** Made by kvm_make_all_cpus_request(). */
  readonly allCpus: boolean;
  /** Whether the model already reported a finding about it (one finding per bug). */
  reported: Set<string>;
}

/** One vCPU. */
export interface VcpuState {
  /** VM id (`vm=` field, `0` by default). */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** Current mode, `undefined` until the trace shows it. */
  mode: Mode | undefined;
  /** The event that set the current mode (a mode write or a kick's cmpxchg). */
  modeSetBy: ModelEvent | undefined;
  /** The vCPU thread's id, learned from its own events. */
  thread: number | undefined;
  /** The CPU the vCPU thread last ran on. */
  cpu: number | undefined;
  /** Interrupts off at the last mode write (`undefined`: no flag column). */
  irqsOffAtLastWrite: boolean | undefined;
  /** The last write of IN_GUEST_MODE. */
  lastInGuestWrite: ModelEvent | undefined;
  /** Between kvm_entry and kvm_exit. */
  inGuest: boolean;
  /** The last guest entry. */
  lastEntry: ModelEvent | undefined;
  /** Pending request bits, by number. */
  readonly pending: Map<number, PendingRequest>;
  /** Blocked in kvm_vcpu_block() since this event, `undefined` when not blocked. */
  blockedSince: ModelEvent | undefined;
  /** The last kick that woke the thread while blocked. */
  wokenBy: ModelEvent | undefined;
  /** The last final `kvm_request_pending` check. */
  lastPendingCheck: ModelEvent | undefined;
  /** The last kick that sent V an IPI, since V's last exit or mode write to OUTSIDE. */
  ipiInFlight: ModelEvent | undefined;
  /** Sequence number of the last IPI sent to V (any time). */
  lastIpiSeq: number;
  /**
   * True once V's pending set is known to be exact: after a final check that
   * read no request bits, every later bit must have been made in the trace.
   */
  historyKnown: boolean;
  /** KVM_REQ_VM_DEAD was made of V here. */
  deadSince: ModelEvent | undefined;
  /** Last event of any kind about V. */
  lastSeen: ModelEvent | undefined;
}

/** A kvm_make_all_cpus_request() between its `phase=begin` and `phase=end`. */
export interface AllCpusCall {
  /** The `phase=begin` event. */
  readonly begin: ModelEvent;
  /** The request. */
  readonly request: ResolvedRequest;
  /** Targeted vCPU ids (from `mask=`, or every known vCPU). */
  readonly targets: readonly number[];
  /** IPIs sent by its kicks, by vCPU. */
  readonly ipis: Map<number, ModelEvent>;
  /** Acknowledgements received, by vCPU. */
  readonly acks: Map<number, ModelEvent>;
  /** Kicks made by it, by vCPU. */
  readonly kicks: Map<number, ModelEvent>;
}

/** Creates the state of a vCPU the trace has just mentioned. */
export function createVcpuState(vm: string, vcpu: number): VcpuState {
  return {
    vm,
    vcpu,
    mode: undefined,
    modeSetBy: undefined,
    thread: undefined,
    cpu: undefined,
    irqsOffAtLastWrite: undefined,
    lastInGuestWrite: undefined,
    inGuest: false,
    lastEntry: undefined,
    pending: new Map(),
    blockedSince: undefined,
    wokenBy: undefined,
    lastPendingCheck: undefined,
    ipiInFlight: undefined,
    lastIpiSeq: -1,
    historyKnown: false,
    deadSince: undefined,
    lastSeen: undefined,
  };
}
