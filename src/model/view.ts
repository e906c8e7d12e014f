/**
 * What rules (and every other reader of the model: statistics, replay, the
 * reports) see of the reference model: read-only interfaces over its state,
 * and a {@link ModelView} whose methods neither change nor create state. The
 * model (`protocol_model.ts`) is the one writer; the checker gives rules only
 * this view (docs/architecture.md, "The model/rules boundary"). These are
 * interfaces so that the state behind them may be stored any way (issue 17's
 * numeric state) without a rule changing.
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import type { Mode, RequestRef } from "../events/protocol.ts";
import type { KernelChoice } from "../kernels/kernel_version.ts";
import type { ResolvedRequest } from "./request_ref.ts";

/** A request bit set on a vCPU and not yet consumed. */
export interface PendingView {
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
  readonly waitingSince: ModelEvent | undefined;
  /**
   * Nanoseconds it waited before `waitingSince` (stretches cut by a halt or
   * a trip to userspace, which do not count).
   */
  readonly waitedNs: bigint;
  /**
   * Made by another thread of a vCPU whose id two live VMs share (see
   * `VcpuView.sharedId`): it may be the other VM's. Rules do not judge it.
   */
  readonly ambiguous: boolean;
  /**
   * The vCPU's `kvm_check_request` of this request that may have consumed it
   * already: the line making it came within `MAKE_LINE_LAG_NS` after that
   * check, the maker's previous line before it, and the vCPU wrote no
   * IN_GUEST_MODE in between. The series records
   * kvm_make_request after set_bit() and kvm_check_request after the
   * test-and-clear (include/linux/kvm_host.h), so the bit may have been set
   * before the check cleared it (one bit, two makes, one check; real: a
   * trace-cmd lab recording of the ipi workload). A final check whose bitmap
   * lacks the bit settles it: consumed.
   */
  readonly maybeConsumedBy: ModelEvent | undefined;
}

/** One vCPU. */
export interface VcpuView {
  /** VM id (`vm=` field, `0` by default). */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** Current mode, `undefined` until the trace shows it. */
  readonly mode: Mode | undefined;
  /** The event that set the current mode (a mode write or a kick's cmpxchg). */
  readonly modeSetBy: ModelEvent | undefined;
  /** The vCPU thread's id, learned from its own events (mode writes, checks, entry/exit, blocks). */
  readonly thread: number | undefined;
  /** Out of KVM_RUN since this `kvm_userspace_exit`; `undefined` while in it (or unknown). */
  readonly outSince: ModelEvent | undefined;
  /** V's own thread has acted in the trace (so KVM_RUN has run). */
  readonly started: boolean;
  /** The CPU the vCPU thread last ran on. */
  readonly cpu: number | undefined;
  /** Interrupts off at the last mode write (`undefined`: no flag column). */
  readonly irqsOffAtLastWrite: boolean | undefined;
  /** The last write of IN_GUEST_MODE. */
  readonly lastInGuestWrite: ModelEvent | undefined;
  /** Between kvm_entry and kvm_exit. */
  readonly inGuest: boolean;
  /** The last guest entry. */
  readonly lastEntry: ModelEvent | undefined;
  /** The last guest exit. */
  readonly lastExit: ModelEvent | undefined;
  /** Pending request bits, by number. */
  readonly pending: ReadonlyMap<number, PendingView>;
  /** Blocked in kvm_vcpu_block() since this event, `undefined` when not blocked. */
  readonly blockedSince: ModelEvent | undefined;
  /** The last kick that woke the thread while blocked. */
  readonly wokenBy: ModelEvent | undefined;
  /** The last final `kvm_request_pending` check. */
  readonly lastPendingCheck: ModelEvent | undefined;
  /** The last kick that sent V an IPI, since V's last exit or mode write to OUTSIDE. */
  readonly ipiInFlight: ModelEvent | undefined;
  /** Sequence number of the last IPI sent to V (any time). */
  readonly lastIpiSeq: number;
  /**
   * True once V's pending set is known to be exact: after a final check that
   * read no request bits, every later bit must have been made in the trace.
   */
  readonly historyKnown: boolean;
  /**
   * KVM_REQ_VM_DEAD was made of V here (or, on a stock 6.18 kernel, a
   * `kvm_exit` showed its bit pending).
   */
  readonly deadSince: ModelEvent | undefined;
  /**
   * Requests V consumed (`kvm_check_request result=1`) before the line that
   * made them: the patched kernel records kvm_make_request after set_bit, so a
   * consumer on another CPU can print first. By bit number.
   */
  readonly consumedAhead: ReadonlyMap<number, ModelEvent>;
  /** The last check or clear of each request bit. */
  readonly lastConsumed: ReadonlyMap<number, ModelEvent>;
  /**
   * Another live vCPU has this id (`kvm_vcpu_create` twice without a
   * destroy): the trace has two VMs and no VM ids, so requests made by
   * other threads cannot be told apart.
   */
  readonly sharedId: boolean;
  /**
   * V wrote `old=EXITING_GUEST_MODE` while the model held IN_GUEST_MODE: a
   * kick's IN → EXITING exchange happened before its `kvm_vcpu_kick` line
   * was recorded (the series traces the kick after the cmpxchg). The next
   * kick line of V that read IN_GUEST_MODE is that kick.
   */
  readonly lateKick: ModelEvent | undefined;
  /**
   * A kick line of V that read IN_GUEST_MODE (and did not wake it) while the
   * model held V outside guest mode: V's IN_GUEST_MODE store came before the
   * kicker's cmpxchg, but V traces its write after the store
   * (vcpu_enter_guest(), 6.12 arch/x86/kvm/x86.c with the series), so the
   * kicker's line can come first. V's next OUTSIDE_GUEST_MODE →
   * IN_GUEST_MODE write within `LATE_KICK_WINDOW_NS` takes this exchange.
   */
  readonly earlyKick: ModelEvent | undefined;
  /** Last event of any kind about V. */
  readonly lastSeen: ModelEvent | undefined;
}

/** A kvm_make_all_cpus_request() between its `phase=begin` and `phase=end`. */
export interface AllCpusCallView {
  /** The `phase=begin` event. */
  readonly begin: ModelEvent;
  /** The request. */
  readonly request: ResolvedRequest;
  /** Targeted vCPU ids (from `mask=`, or every known vCPU). */
  readonly targets: readonly number[];
  /** IPIs sent by its kicks, by vCPU. */
  readonly ipis: ReadonlyMap<number, ModelEvent>;
  /** The CPU each IPI went to (the kick's `cpu=`), by vCPU, when known. */
  readonly ipiCpus: ReadonlyMap<number, number>;
  /** Acknowledgements received, by vCPU. */
  readonly acks: ReadonlyMap<number, ModelEvent>;
  /** Kicks made by it, by vCPU. */
  readonly kicks: ReadonlyMap<number, ModelEvent>;
}

/** What one thread did to one vCPU since its last kick of it. */
export interface KickerView {
  /** The last request the thread made of the vCPU since its last kick. */
  readonly requestSince: ModelEvent | undefined;
  /** The request it made, resolved. */
  readonly requestMade: ResolvedRequest | undefined;
  /** A posted interrupt it delivered to the vCPU since its last kick. */
  readonly postedSince: ModelEvent | undefined;
  /** Its last kick of the vCPU. */
  readonly lastKick: ModelEvent | undefined;
}

/** The body of an event that consumes a request: `kvm_check_request` or `kvm_clear_request`. */
export type ConsumingBody = Extract<
  ModelEvent["body"],
  { kind: "check_request" | "clear_request" }
>;

/** What a consuming event consumes (see {@link ModelView.consumedBy}). */
export interface Consumed {
  /** The vCPU whose request it is. */
  readonly vcpu: VcpuView;
  /** The request, resolved. */
  readonly request: ResolvedRequest;
  /** Its pending entry, when the model holds one. */
  readonly pending: PendingView | undefined;
}

/** The request context a kick was made in. */
export interface KickContext {
  /** The kvm_make_all_cpus_request() the kick belongs to. */
  readonly call: AllCpusCallView | undefined;
  /** The request that goes with the kick: the call's, or the kicker's last one of the vCPU. */
  readonly request: ResolvedRequest | undefined;
}

/** The reference model as its readers see it: nothing here changes or creates state. */
export interface ModelView {
  /** The kernel version and architecture whose tables the model and rules use. */
  readonly kernel: KernelChoice;
  /** A trace's request reference resolved against the kernel's request table. */
  resolve(ref: RequestRef): ResolvedRequest;
  /** The name of request bit `nr` in this kernel's table (`undefined`: no such bit). */
  requestName(nr: number): string | undefined;
  /**
   * The state of vCPU `vcpu` of `vm`, or — when the model has not seen it —
   * the initial state a vCPU has on first mention (a new object each call,
   * never stored: nothing is created in the model).
   */
  vcpu(vm: string, vcpu: number): VcpuView;
  /** The state of vCPU `vcpu` of `vm` if the model has seen it. */
  knownVcpu(vm: string, vcpu: number): VcpuView | undefined;
  /** Every vCPU seen, ordered by VM then id. */
  allVcpus(): readonly VcpuView[];
  /** The vCPU whose thread is `pid`, when known. */
  vcpuOfThread(pid: number): VcpuView | undefined;
  /** The id of the vCPU at index `idx` (vcpu_idx, the bit of fan-out masks) of `vm`. */
  vcpuAtIndex(vm: string, idx: number): number;
  /** The kvm_make_all_cpus_request() thread `pid` is inside, if any. */
  callOf(vm: string, pid: number): AllCpusCallView | undefined;
  /**
   * What thread `pid` did to a vCPU since its last kick of it (all
   * `undefined` when it has done nothing the model recorded).
   */
  kicker(pid: number, vm: string, vcpu: number): KickerView;
  /** The request context of a kick by `pid` of a vCPU. */
  kickContext(vm: string, pid: number, vcpu: number): KickContext;
  /**
   * What a `kvm_check_request` (result=1) or `kvm_clear_request` consumes,
   * read before the event is applied; `undefined` for a check that found
   * nothing pending (result=0).
   */
  consumedBy(body: ConsumingBody): Consumed | undefined;
  /**
   * A protocol event (the patch series' tracepoints) has been applied: the
   * kernel is patched, and what stock events only sample is traced exactly.
   */
  readonly kernelPatched: boolean;
  /** The last event applied. */
  readonly lastEvent: ModelEvent | undefined;
  /** The last lost-events marker, on any CPU. */
  readonly lastLost: ModelEvent | undefined;
}

/** What a thread that did nothing to a vCPU has done to it. */
export const NO_KICKER: KickerView = Object.freeze({
  requestSince: undefined,
  requestMade: undefined,
  postedSince: undefined,
  lastKick: undefined,
});
