/**
 * The reference model of the vCPU-request protocol: it replays normalized
 * events and keeps, per VM and vCPU, the state the seed document reasons
 * about (see {@link VcpuState}). Pure and deterministic: no I/O, no clock,
 * no globals; the same events give the same state.
 *
 * The model never judges: it records what happened. Rules (src/rules/) read
 * the state *before* each event is applied and decide what is a violation.
 *
 * @module
 */

import type { Mode, RequestRef } from "../events/protocol.ts";
import { chooseKernel, type KernelChoice } from "./kernel_version.ts";
import type { ModelEvent } from "./model_event.ts";
import { requestTable } from "./request_defs.ts";
import { createRequestResolver, KVM_REQ_VM_DEAD, type ResolvedRequest } from "./request_ref.ts";
import {
  type AllCpusCall,
  createVcpuState,
  type PendingRequest,
  type VcpuState,
} from "./vcpu_state.ts";
import { setBits64 } from "../events/bits.ts";

/** What one thread did to one vCPU since its last kick of it. */
export interface KickerState {
  /** The last request the thread made of the vCPU since its last kick. */
  requestSince: ModelEvent | undefined;
  /** The request it made, resolved. */
  requestMade: ResolvedRequest | undefined;
  /** A posted interrupt it delivered to the vCPU since its last kick. */
  postedSince: ModelEvent | undefined;
  /** Its last kick of the vCPU. */
  lastKick: ModelEvent | undefined;
}

/** The body of an event that consumes a request: `kvm_check_request` or `kvm_clear_request`. */
export type ConsumingBody = Extract<
  ModelEvent["body"],
  { kind: "check_request" | "clear_request" }
>;

/** The request context a kick was made in. */
export interface KickContext {
  /** The kvm_make_all_cpus_request() the kick belongs to. */
  readonly call: AllCpusCall | undefined;
  /** The request that goes with the kick: the call's, or the kicker's last one of the vCPU. */
  readonly request: ResolvedRequest | undefined;
}

/**
 * Whether a kick moves its vCPU to EXITING_GUEST_MODE: kvm_vcpu_kick()'s
 * cmpxchg of IN_GUEST_MODE to EXITING_GUEST_MODE ("VCPU Kicks"), seen as an
 * IPI sent by a kick that read IN_GUEST_MODE while the model has the vCPU
 * in guest mode (or does not know its mode yet), or as a kick of the
 * running vCPU by itself. `mode` is the model's mode before the kick,
 * `action` and `observed` what the kick says (`observed` is unknown for
 * kicks recovered from stock events).
 */
export function kickMakesExiting(
  mode: Mode | undefined,
  action: string,
  observed: string | undefined,
): boolean {
  if (action === "ipi") {
    return observed === "IN_GUEST_MODE" && (mode === "IN_GUEST_MODE" || mode === undefined);
  }
  return action === "self" && mode === "IN_GUEST_MODE";
}

/** Integer keys below this live in arrays; others (and non-integers) in a map. */
const DENSE_KEYS = 1024;

/** Values by small non-negative integer (array), any other number in a map. */
class IntTable<T> {
  readonly dense: (T | undefined)[] = [];
  readonly sparse = new Map<number, T>();

  get(k: number): T | undefined {
    return k >= 0 && k < DENSE_KEYS && Number.isInteger(k) ? this.dense[k] : this.sparse.get(k);
  }

  set(k: number, v: T): void {
    if (k >= 0 && k < DENSE_KEYS && Number.isInteger(k)) {
      while (this.dense.length < k) this.dense.push(undefined);
      this.dense[k] = v;
    } else this.sparse.set(k, v);
  }
}

/** Tables per VM id, remembering the last VM looked up (traces rarely have more than one). */
class PerVm<T> {
  readonly #byVm = new Map<string, T>();
  #lastVm: string | undefined;
  #last: T | undefined;

  constructor(readonly create: () => T) {}

  of(vm: string): T {
    if (vm === this.#lastVm) return this.#last!;
    let t = this.#byVm.get(vm);
    if (t === undefined) {
      t = this.create();
      this.#byVm.set(vm, t);
    }
    this.#lastVm = vm;
    this.#last = t;
    return t;
  }
}

/** Kicker states of one VM, by (vcpu, pid) packed in one number when both are small. */
interface KickerTable {
  readonly packed: Map<number, KickerState>;
  readonly other: Map<string, KickerState>;
}

const PID_SPAN = 1 << 22;

/**
 * The key of thread `pid`'s call in `vm`: the pid itself in VM "0" (every
 * trace without VM ids), a string otherwise (no string built per lookup in
 * the common case).
 */
function callKey(vm: string, pid: number): string | number {
  return vm === "0" && Number.isInteger(pid) ? pid : `${vm}\u0000${pid}`;
}

/** Settings of a {@link ProtocolModel}. */
export interface ProtocolModelOptions {
  /** The kernel whose request table resolves requests (default: the newest known). */
  readonly kernel?: KernelChoice;
}

/** The reference model. Feed it events in trace order with {@link ProtocolModel.apply}. */
export class ProtocolModel {
  /** The kernel version and architecture whose tables the model and rules use. */
  readonly kernel: KernelChoice;
  /** vCPU states by VM, then id; `#allVcpus` in creation order. */
  readonly #vcpus = new PerVm(() => new IntTable<VcpuState>());
  readonly #allVcpus: VcpuState[] = [];
  /** Calls in flight, by {@link callKey}; insertion order is call order. */
  readonly #calls = new Map<string | number, AllCpusCall>();
  readonly #kickers = new PerVm<KickerTable>(() => ({ packed: new Map(), other: new Map() }));
  readonly #threads = new Map<number, VcpuState>();
  /**
   * Resolves request references (memoized per model, and per reference
   * object: the normalizer shares decoded events, so the same reference
   * comes back again and again).
   */
  readonly resolve: (ref: RequestRef) => ResolvedRequest;
  /** The last lost-events marker, on any CPU. */
  lastLost: ModelEvent | undefined;
  /** The last event applied. */
  lastEvent: ModelEvent | undefined;

  /** @param options the kernel whose tables apply */
  constructor(options: ProtocolModelOptions = {}) {
    this.kernel = options.kernel ?? chooseKernel();
    this.resolve = memoizeByIdentity(createRequestResolver(requestTable(this.kernel.version)));
  }

  /** The state of vCPU `vcpu` of `vm` if the model has seen it (nothing is created). */
  knownVcpu(vm: string, vcpu: number): VcpuState | undefined {
    return this.#vcpus.of(vm).get(vcpu);
  }

  /** The state of vCPU `vcpu` of `vm`, created on first mention. */
  vcpu(vm: string, vcpu: number): VcpuState {
    const table = this.#vcpus.of(vm);
    let v = table.get(vcpu);
    if (v === undefined) {
      v = createVcpuState(vm, vcpu);
      table.set(vcpu, v);
      this.#allVcpus.push(v);
    }
    return v;
  }

  /**
   * What a `kvm_check_request` (result=1) or `kvm_clear_request` consumes: the
   * vCPU, the resolved request, and its pending entry when the model holds one
   * (read before the event is applied). `undefined` for a check that found
   * nothing pending (result=0).
   */
  consumedBy(
    body: ConsumingBody,
  ):
    | { vcpu: VcpuState; request: ResolvedRequest; pending: PendingRequest | undefined }
    | undefined {
    if (body.kind === "check_request" && !body.result) return undefined;
    const vcpu = this.vcpu(body.vm, body.vcpu);
    const request = this.resolve(body.request);
    const pending = request.nr === undefined ? undefined : vcpu.pending.get(request.nr);
    return { vcpu, request, pending };
  }

  /** Every vCPU seen, ordered by VM then id. */
  allVcpus(): VcpuState[] {
    return [...this.#allVcpus].sort((a, b) => a.vm.localeCompare(b.vm) || a.vcpu - b.vcpu);
  }

  /** The vCPU whose thread is `pid`, when known. */
  vcpuOfThread(pid: number): VcpuState | undefined {
    return this.#threads.get(pid);
  }

  /** The kvm_make_all_cpus_request() thread `pid` is inside, if any. */
  callOf(vm: string, pid: number): AllCpusCall | undefined {
    if (this.#calls.size === 0) return undefined;
    return this.#calls.get(callKey(vm, pid));
  }

  /** What thread `pid` did to a vCPU since its last kick of it. */
  kicker(pid: number, vm: string, vcpu: number): KickerState {
    const table = this.#kickers.of(vm);
    const packable = pid >= 0 && pid < PID_SPAN && Number.isInteger(pid) && vcpu >= 0 &&
      vcpu < DENSE_KEYS * DENSE_KEYS && Number.isInteger(vcpu);
    const packed = packable ? vcpu * PID_SPAN + pid : -1;
    const key = packable ? "" : `${pid}\u0000${vcpu}`;
    let k = packable ? table.packed.get(packed) : table.other.get(key);
    if (k === undefined) {
      k = {
        requestSince: undefined,
        requestMade: undefined,
        postedSince: undefined,
        lastKick: undefined,
      };
      if (packable) table.packed.set(packed, k);
      else table.other.set(key, k);
    }
    return k;
  }

  /** The request context of a kick by `pid` of a vCPU. */
  kickContext(vm: string, pid: number, vcpu: number): KickContext {
    const call = this.callOf(vm, pid);
    if (call !== undefined && call.targets.includes(vcpu)) return { call, request: call.request };
    return { call: undefined, request: this.kicker(pid, vm, vcpu).requestMade };
  }

  #own(v: VcpuState, ev: ModelEvent): void {
    if (v.thread === undefined) {
      v.thread = ev.origin.pid;
      this.#threads.set(ev.origin.pid, v);
    }
    v.cpu = ev.origin.cpu;
  }

  #setPending(v: VcpuState, request: ResolvedRequest, ev: ModelEvent, allCpus: boolean): void {
    if (request.nr === undefined) return;
    if (request.name === KVM_REQ_VM_DEAD) v.deadSince ??= ev;
    if (request.noAction || v.pending.has(request.nr)) return;
    const p: PendingRequest = {
      request,
      made: ev,
      maker: ev.origin.pid,
      allCpus,
      reported: new Set(),
    };
    v.pending.set(request.nr, p);
  }

  /** Applies one event to the state. */
  apply(ev: ModelEvent): void {
    this.lastEvent = ev;
    const b = ev.body;
    switch (b.kind) {
      case "make_request": {
        const v = this.vcpu(b.vm, b.vcpu);
        const request = this.resolve(b.request);
        this.#setPending(v, request, ev, false);
        const k = this.kicker(ev.origin.pid, b.vm, b.vcpu);
        k.requestSince = ev;
        k.requestMade = request;
        v.lastSeen = ev;
        return;
      }
      case "kick":
        return this.#applyKick(ev, b.vm, b.vcpu, b.action, b.mode);
      case "stock_kick":
        if (b.vcpu !== undefined) this.#applyKick(ev, b.vm, b.vcpu, b.action, undefined);
        return;
      case "mode": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.mode = b.new;
        v.modeSetBy = ev;
        v.irqsOffAtLastWrite = ev.irqsOff;
        if (b.new === "IN_GUEST_MODE") v.lastInGuestWrite = ev;
        if (b.new === "OUTSIDE_GUEST_MODE") {
          v.inGuest = false;
          v.ipiInFlight = undefined;
        }
        v.lastSeen = ev;
        return;
      }
      case "request_pending": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.lastPendingCheck = ev;
        if (b.pending === 0n) v.historyKnown = true;
        v.lastSeen = ev;
        return;
      }
      case "check_request":
      case "clear_request": {
        const v = this.vcpu(b.vm, b.vcpu);
        // Any thread may clear a vCPU's request: x86's kvm_end_pvclock_update()
        // clears KVM_REQ_MCLOCK_INPROGRESS of every vCPU (arch/x86/kvm/x86.c),
        // so only a check tells which thread is the vCPU's.
        if (b.kind === "check_request") this.#own(v, ev);
        const consumed = this.consumedBy(b);
        if (consumed?.request.nr !== undefined) v.pending.delete(consumed.request.nr);
        v.lastSeen = ev;
        return;
      }
      case "all_cpus_request":
        return this.#applyAllCpus(ev, b.vm, b.phase, this.resolve(b.request), b.mask);
      case "ipi_ack":
        if (b.vcpu !== undefined) this.#applyAck(ev, b.vm, b.vcpu);
        return;
      case "stock_ack":
        if (b.vcpu !== undefined) this.#applyAck(ev, b.vm, b.vcpu);
        return;
      case "block": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.blockedSince = ev;
        v.wokenBy = undefined;
        v.lastSeen = ev;
        return;
      }
      case "unblock":
      case "stock_wakeup": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.blockedSince = undefined;
        v.lastSeen = ev;
        return;
      }
      case "posted_interrupt":
        this.kicker(ev.origin.pid, b.vm, b.vcpu).postedSince = ev;
        this.vcpu(b.vm, b.vcpu).lastSeen = ev;
        return;
      case "sync_pir": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.lastSeen = ev;
        return;
      }
      case "entry": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.inGuest = true;
        v.lastEntry = ev;
        v.lastSeen = ev;
        return;
      }
      case "exit": {
        const v = this.vcpu(b.vm, b.vcpu);
        this.#own(v, ev);
        v.inGuest = false;
        v.ipiInFlight = undefined;
        v.lastSeen = ev;
        return;
      }
      case "userspace_exit": {
        // A KVM_RUN return says nothing of the protocol: it does not make a vCPU known.
        const v = this.knownVcpu(b.vm, b.vcpu);
        if (v === undefined) return;
        v.inGuest = false;
        v.lastSeen = ev;
        return;
      }
      case "lost":
        this.lastLost = ev;
        return;
    }
  }

  #applyKick(
    ev: ModelEvent,
    vm: string,
    vcpu: number,
    action: string,
    observed: string | undefined,
  ): void {
    const v = this.vcpu(vm, vcpu);
    if (kickMakesExiting(v.mode, action, observed)) {
      v.mode = "EXITING_GUEST_MODE";
      v.modeSetBy = ev;
    }
    if (action === "ipi") {
      v.ipiInFlight = ev;
      v.lastIpiSeq = ev.seq;
    } else if (action === "wake") {
      v.wokenBy = ev;
    }
    const call = this.callOf(vm, ev.origin.pid);
    if (call !== undefined && call.targets.includes(vcpu)) {
      call.kicks.set(vcpu, ev);
      if (action === "ipi") call.ipis.set(vcpu, ev);
    }
    const k = this.kicker(ev.origin.pid, vm, vcpu);
    k.lastKick = ev;
    k.requestSince = undefined;
    k.requestMade = undefined;
    k.postedSince = undefined;
    v.lastSeen = ev;
  }

  #applyAllCpus(
    ev: ModelEvent,
    vm: string,
    phase: "begin" | "end",
    request: ResolvedRequest,
    mask: bigint | undefined,
  ): void {
    const key = callKey(vm, ev.origin.pid);
    if (phase === "end") {
      this.#calls.delete(key);
      return;
    }
    const targets: number[] = [];
    if (mask === undefined) {
      for (const v of this.allVcpus()) if (v.vm === vm) targets.push(v.vcpu);
    } else {
      targets.push(...setBits64(mask));
    }
    this.#calls.set(key, {
      begin: ev,
      request,
      targets,
      ipis: new Map(),
      acks: new Map(),
      kicks: new Map(),
    });
    for (const id of targets) this.#setPending(this.vcpu(vm, id), request, ev, true);
  }

  #applyAck(ev: ModelEvent, vm: string, vcpu: number): void {
    const v = this.vcpu(vm, vcpu);
    v.lastSeen = ev;
    for (const call of this.#calls.values()) {
      if (
        call.begin.body.kind === "all_cpus_request" && call.begin.body.vm === vm &&
        call.ipis.has(vcpu) && !call.acks.has(vcpu)
      ) {
        call.acks.set(vcpu, ev);
        return;
      }
    }
  }
}

/** Wraps a resolver with a memo keyed by the reference object itself (bounded). */
function memoizeByIdentity(
  resolve: (ref: RequestRef) => ResolvedRequest,
): (ref: RequestRef) => ResolvedRequest {
  let memo = new Map<RequestRef, ResolvedRequest>();
  return (ref) => {
    let r = memo.get(ref);
    if (r === undefined) {
      r = resolve(ref);
      if (memo.size >= 4096) memo = new Map();
      memo.set(ref, r);
    }
    return r;
  };
}
