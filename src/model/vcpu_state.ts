/**
 * What the reference model knows about each vCPU and VM at one instant.
 * Plain data, created and changed only by `protocol_model.ts`; rules read it.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";
import type { ModelEvent } from "../events/model_event.ts";
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
  /**
   * Since when the vCPU could have served it: the event that made it, or —
   * when it was made while the vCPU was out of KVM_RUN (before its thread's
   * first event, or after a `kvm_userspace_exit`) — the vCPU's first event
   * back; for a request that does not wake a halted vCPU (see
   * `ResolvedRequest.wakesHalted`), the end of a halt it was pending through.
   * `undefined` while the vCPU is away. Latency is `waitedNs` plus the time
   * since this event.
   */
  waitingSince: ModelEvent | undefined;
  /**
   * Nanoseconds it waited before `waitingSince` (stretches cut by a halt or
   * a trip to userspace, which do not count).
   */
  waitedNs: bigint;
  /**
   * Made by another thread of a vCPU whose id two live VMs share (see
   * `VcpuState.sharedId`): it may be the other VM's. Rules do not judge it.
   */
  readonly ambiguous: boolean;
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
  /** The vCPU thread's id, learned from its own events (mode writes, checks, entry/exit, blocks). */
  thread: number | undefined;
  /** Out of KVM_RUN since this `kvm_userspace_exit`; `undefined` while in it (or unknown). */
  outSince: ModelEvent | undefined;
  /** V's own thread has acted in the trace (so KVM_RUN has run). */
  started: boolean;
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
  /** The last guest exit. */
  lastExit: ModelEvent | undefined;
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
  /**
   * KVM_REQ_VM_DEAD was made of V here (or, on a stock 6.18 kernel, a
   * `kvm_exit` showed its bit pending).
   */
  deadSince: ModelEvent | undefined;
  /**
   * Requests V consumed (`kvm_check_request result=1`) before the line that
   * made them: the patched kernel records kvm_make_request after set_bit, so a
   * consumer on another CPU can print first. By bit number.
   */
  readonly consumedAhead: Map<number, ModelEvent>;
  /** The last check or clear of each request bit. */
  readonly lastConsumed: Map<number, ModelEvent>;
  /**
   * Another live vCPU has this id (`kvm_vcpu_create` twice without a
   * destroy): the trace has two VMs and no VM ids, so requests made by
   * other threads cannot be told apart.
   */
  sharedId: boolean;
  /**
   * V wrote `old=EXITING_GUEST_MODE` while the model held IN_GUEST_MODE: a
   * kick's IN → EXITING exchange happened before its `kvm_vcpu_kick` line
   * was recorded (the series traces the kick after the cmpxchg). The next
   * kick line of V that read IN_GUEST_MODE is that kick.
   */
  lateKick: ModelEvent | undefined;
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
  /** The CPU each IPI went to (the kick's `cpu=`), by vCPU, when known. */
  readonly ipiCpus: Map<number, number>;
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
    lastSeen: undefined,
  };
}
