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

import type { RequestRef } from "../events/protocol.ts";
import { chooseKernel, type KernelChoice } from "../kernels/kernel_version.ts";
import {
  KIND,
  MODEL_KINDS,
  type ModelBody,
  type ModelEvent,
  type ModelKind,
  nsBetween,
} from "../events/model_event.ts";
import { requestTable } from "../kernels/request_defs.ts";
import type { RequestTable } from "../kernels/request_table.ts";
import { createRequestResolver, KVM_REQ_VM_DEAD, type ResolvedRequest } from "./request_ref.ts";
import {
  type AllCpusCall,
  createVcpuState,
  type KickerState,
  type PendingRequest,
  type VcpuState,
} from "./vcpu_state.ts";
import {
  type Consumed,
  type ConsumingBody,
  type KickContext,
  type KickerView,
  type ModelView,
  NO_KICKER,
  type VcpuView,
} from "./view.ts";
import { setBits64 } from "../events/bits.ts";
import { kickTransition } from "./mode_automaton.ts";
import { ThreadSeqs } from "./thread_seqs.ts";

/**
 * How far apart a kick's line and the vCPU's line that shows its exchange may
 * be: after the vCPU saw it (`old=EXITING_GUEST_MODE` while the model held
 * IN_GUEST_MODE) the kick's line may still come, and a kick that read
 * IN_GUEST_MODE may come before the vCPU's own IN_GUEST_MODE line (see
 * `VcpuView.earlyKick`). The kicker traces right after its cmpxchg with
 * preemption off, so microseconds on a real host; but a guest CPU of the lab
 * (nested KVM under QEMU TCG) can be descheduled between the two for
 * milliseconds (labbig's single-threaded-TCG recording: a kick line 1.5 ms
 * after the vCPU's EXITING -> OUTSIDE write, an IPI kick line 1.9 ms before
 * the vCPU's IN_GUEST_MODE line; the same recording shows make lines 3.5 ms
 * after their set_bit). 50 ms.
 */
export const LATE_KICK_WINDOW_NS = 50_000_000;

/**
 * How long after a consumer (a `kvm_check_request`, a final check's bitmap)
 * the line of the request it consumed may still come: the series records
 * kvm_make_request after set_bit, so a vCPU on another CPU can read the bit
 * first (real: lab clock trace, kvm_end_pvclock_update()'s KVM_REQ_CLOCK_UPDATE
 * read by the vCPU's final check before the maker's line, 2-13 µs). An
 * interrupt between the set_bit() and the trace call can stretch it; 100 µs
 * of slack.
 */
export const MAKE_LINE_LAG_NS = 100_000;

/** By kind code: the kinds stock kernels emit (every other kind comes from the patch series). */
const STOCK_KINDS: readonly boolean[] = MODEL_KINDS.map((k) =>
  k === "stock_kick" || k === "stock_ack" || k === "stock_wakeup" || k === "entry" ||
  k === "exit" || k === "userspace_exit" || k === "lost"
);

/** The body of a model event of kind `K`. */
type BodyOf<K extends ModelKind> = Extract<ModelBody, { kind: K }>;

const MAKE_REQUEST = KIND.make_request;
const KICK = KIND.kick;
const MODE = KIND.mode;
const REQUEST_PENDING = KIND.request_pending;
const CHECK_REQUEST = KIND.check_request;
const CLEAR_REQUEST = KIND.clear_request;
const ALL_CPUS_REQUEST = KIND.all_cpus_request;
const IPI_ACK = KIND.ipi_ack;
const BLOCK = KIND.block;
const UNBLOCK = KIND.unblock;
const POSTED_INTERRUPT = KIND.posted_interrupt;
const SYNC_PIR = KIND.sync_pir;
const VCPU_CREATE = KIND.vcpu_create;
const VCPU_DESTROY = KIND.vcpu_destroy;
const STOCK_KICK = KIND.stock_kick;
const ENTRY = KIND.entry;
const EXIT = KIND.exit;
const USERSPACE_EXIT = KIND.userspace_exit;
const STOCK_ACK = KIND.stock_ack;
const STOCK_WAKEUP = KIND.stock_wakeup;
const LOST = KIND.lost;

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

/** Whether (pid, vcpu) packs into one number (see {@link KickerTable}). */
function packable(pid: number, vcpu: number): boolean {
  return pid >= 0 && pid < PID_SPAN && Number.isInteger(pid) && vcpu >= 0 &&
    vcpu < DENSE_KEYS * DENSE_KEYS && Number.isInteger(vcpu);
}

/** The context of a kick with no request and no fan-out. */
const NO_CONTEXT: KickContext = Object.freeze({ call: undefined, request: undefined });

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

/**
 * The reference model. Feed it events in trace order with
 * {@link ProtocolModel.apply}; everything else it offers is the read-only
 * {@link ModelView} (nothing but `apply` changes or creates state).
 */
export class ProtocolModel implements ModelView {
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
  /** Each thread's last event (sequence number). */
  readonly #lastByThread = new ThreadSeqs();
  /** Kick contexts by request (see #contextOf). */
  readonly #contexts = new Map<ResolvedRequest, KickContext>();
  /** KVM_REQ_VM_DEAD's bit in this kernel's table. */
  readonly #vmDeadNr: number;
  readonly #table: RequestTable;
  /**
   * A protocol event (the patch series' tracepoints) has been applied: the
   * kernel is patched, and what stock events only sample is traced exactly.
   */
  kernelPatched = false;
  /** vCPU ids by index (vcpu_idx, the bit of fan-out masks), per VM; see {@link ProtocolModel.vcpuAtIndex}. */
  readonly #byIndex = new PerVm(() => ({
    ids: new Map<number, number>(),
    live: new Map<number, number>(),
    shared: false,
  }));

  /**
   * Makes a model with no vCPU known yet.
   *
   * @param options the kernel whose tables apply
   */
  constructor(options: ProtocolModelOptions = {}) {
    this.kernel = options.kernel ?? chooseKernel();
    const table = requestTable(this.kernel.version);
    this.#table = table;
    this.resolve = memoizeByIdentity(createRequestResolver(table));
    this.#vmDeadNr = table.byName(KVM_REQ_VM_DEAD)?.nr ?? 1;
  }

  /** The name of request bit `nr` in this kernel's table (`undefined`: no such bit). */
  requestName(nr: number): string | undefined {
    return this.#table.byNumber(nr)?.name;
  }

  /** The state of vCPU `vcpu` of `vm` if the model has seen it (nothing is created). */
  knownVcpu(vm: string, vcpu: number): VcpuView | undefined {
    return this.#vcpus.of(vm).get(vcpu);
  }

  /**
   * The id of the vCPU at index `idx` of `vm`: fan-out masks count vCPUs by
   * position (6.12 and 6.18 virt/kvm/kvm_main.c kvm_make_vcpus_request_mask()
   * walks the bitmap with kvm_get_vcpu(kvm, i); kvm_make_all_cpus_request()
   * walks kvm_for_each_vcpu), and a vCPU's index is its place in creation
   * order (kvm_vm_ioctl_create_vcpu(): vcpu->vcpu_idx = online_vcpus), not
   * its id. Learned from the kicks' `idx=` and from `kvm_vcpu_create` order;
   * with neither, the index is taken to be the id (what VMMs do: ids 0..n-1
   * created in order).
   */
  vcpuAtIndex(vm: string, idx: number): number {
    return this.#byIndex.of(vm).ids.get(idx) ?? idx;
  }

  /**
   * The state of vCPU `vcpu` of `vm`, or the initial state of a vCPU the
   * model has not seen (a new object, not stored: nothing is created).
   */
  vcpu(vm: string, vcpu: number): VcpuView {
    return this.#vcpus.of(vm).get(vcpu) ?? createVcpuState(vm, vcpu);
  }

  /** The state of vCPU `vcpu` of `vm`, created on first mention (the model's own use). */
  #state(vm: string, vcpu: number): VcpuState {
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
  consumedBy(body: ConsumingBody): Consumed | undefined {
    if (body.kind === "check_request" && !body.result) return undefined;
    const vcpu = this.vcpu(body.vm, body.vcpu);
    const request = this.resolve(body.request);
    const pending = request.nr === undefined ? undefined : vcpu.pending.get(request.nr);
    return { vcpu, request, pending };
  }

  /** Every vCPU seen, ordered by VM then id. */
  allVcpus(): VcpuView[] {
    return [...this.#allVcpus].sort((a, b) => a.vm.localeCompare(b.vm) || a.vcpu - b.vcpu);
  }

  /** The vCPU whose thread is `pid`, when known. */
  vcpuOfThread(pid: number): VcpuView | undefined {
    return this.#threads.get(pid);
  }

  /** The kvm_make_all_cpus_request() thread `pid` is inside, if any. */
  callOf(vm: string, pid: number): AllCpusCall | undefined {
    if (this.#calls.size === 0) return undefined;
    return this.#calls.get(callKey(vm, pid));
  }

  /** What thread `pid` did to a vCPU since its last kick of it (nothing is created). */
  kicker(pid: number, vm: string, vcpu: number): KickerView {
    return this.#findKicker(pid, vm, vcpu) ?? NO_KICKER;
  }

  /** The kicker state of thread `pid` and a vCPU, if the model has one. */
  #findKicker(pid: number, vm: string, vcpu: number): KickerState | undefined {
    const table = this.#kickers.of(vm);
    return packable(pid, vcpu)
      ? table.packed.get(vcpu * PID_SPAN + pid)
      : table.other.get(`${pid}\u0000${vcpu}`);
  }

  /** The context of a kick that goes with `request` and no fan-out (one object per request). */
  #contextOf(request: ResolvedRequest): KickContext {
    let c = this.#contexts.get(request);
    if (c === undefined) {
      c = { call: undefined, request };
      if (this.#contexts.size >= 4096) this.#contexts.clear();
      this.#contexts.set(request, c);
    }
    return c;
  }

  /** The kicker state of thread `pid` and a vCPU, created on first use (the model's own use). */
  #kicker(pid: number, vm: string, vcpu: number): KickerState {
    let k = this.#findKicker(pid, vm, vcpu);
    if (k === undefined) {
      k = {
        requestSince: undefined,
        requestMade: undefined,
        postedSince: undefined,
        lastKick: undefined,
        context: NO_CONTEXT,
      };
      const table = this.#kickers.of(vm);
      if (packable(pid, vcpu)) table.packed.set(vcpu * PID_SPAN + pid, k);
      else table.other.set(`${pid}\u0000${vcpu}`, k);
    }
    return k;
  }

  /**
   * The request context of a kick by `pid` of a vCPU (one object per call
   * and per request made, shared by every rule that asks).
   */
  kickContext(vm: string, pid: number, vcpu: number): KickContext {
    const call = this.callOf(vm, pid);
    if (call !== undefined && call.targets.includes(vcpu)) return call.context;
    return this.#findKicker(pid, vm, vcpu)?.context ?? NO_CONTEXT;
  }

  /**
   * An event only V's own thread makes (a mode write, the final check, guest
   * entry or exit, a block): binds V to that thread the first time. Requests,
   * clears and kicks come from any thread (6.12's kvm_end_pvclock_update()
   * clears KVM_REQ_MCLOCK_INPROGRESS of every vCPU from one thread), so they
   * never bind.
   */
  #own(v: VcpuState, ev: ModelEvent): void {
    if (v.thread === undefined) {
      v.thread = ev.pid;
      this.#threads.set(ev.pid, v);
    }
    this.#byOwnThread(v, ev);
  }

  /** An event of V's own thread: V runs KVM_RUN, so requests that waited for that wait from here. */
  #byOwnThread(v: VcpuState, ev: ModelEvent): void {
    if (v.thread !== ev.pid) return;
    v.cpu = ev.cpu;
    if (v.outSince !== undefined || !v.started) {
      v.outSince = undefined;
      v.started = true;
      for (const p of v.pending.values()) p.waitingSince ??= ev;
    }
  }

  /**
   * Stops the wait of V's pending requests (`all`, or only those that do not
   * wake a halted vCPU: the vCPU cannot serve them from `ev` on): the time
   * waited so far is kept in `waitedNs`.
   */
  #pauseWaits(v: VcpuState, ev: ModelEvent, all: boolean): void {
    for (const p of v.pending.values()) {
      if (p.waitingSince === undefined || (!all && p.request.wakesHalted)) continue;
      const waited = nsBetween(ev, p.waitingSince);
      if (waited > 0) p.waitedNs += BigInt(waited);
      p.waitingSince = undefined;
    }
  }

  #setPending(
    v: VcpuState,
    request: ResolvedRequest,
    ev: ModelEvent,
    allCpus: boolean,
    maybeConsumedBy: ModelEvent | undefined = undefined,
  ): void {
    if (request.nr === undefined) return;
    if (request.name === KVM_REQ_VM_DEAD) v.deadSince ??= ev;
    if (request.noAction || v.pending.has(request.nr)) return;
    const p: PendingRequest = {
      request,
      made: ev,
      maker: ev.pid,
      allCpus,
      waitingSince: v.started && v.outSince === undefined && v.blockedSince === undefined
        ? ev
        : undefined,
      waitedNs: 0n,
      ambiguous: v.sharedId && ev.pid !== v.thread,
      maybeConsumedBy,
    };
    v.pending.set(request.nr, p);
  }

  /** Applies one event to the state. */
  apply(ev: ModelEvent): void {
    if (!this.kernelPatched && !STOCK_KINDS[ev.kindId]) this.kernelPatched = true;
    this.#applyBody(ev);
    this.lastEvent = ev;
    if (ev.pid >= 0) this.#lastByThread.set(ev.pid, ev.seq);
  }

  /** The sequence number of thread `pid`'s last event before the current one (-1: none). */
  #lastSeqOf(pid: number): number {
    return this.#lastByThread.get(pid);
  }

  #applyBody(ev: ModelEvent): void {
    // Dispatch on the kind's integer code (see KIND); each case reads its body's type.
    switch (ev.kindId) {
      case MAKE_REQUEST: {
        const b = ev.body as BodyOf<"make_request">;
        const v = this.#state(b.vm, b.vcpu);
        const request = this.resolve(b.request);
        const call = this.callOf(b.vm, ev.pid);
        const ahead = request.nr === undefined || v.consumedAhead.size === 0
          ? undefined
          : v.consumedAhead.get(request.nr);
        if (ahead !== undefined) v.consumedAhead.delete(request.nr!);
        if (
          ahead !== undefined && ahead.seq > this.#lastSeqOf(ev.pid) &&
          nsBetween(ev, ahead) <= MAKE_LINE_LAG_NS
        ) {
          // Consumed between the maker's previous line and this one: the bit was set
          // before the consumer cleared it, and this line was recorded after.
        } else {
          // Inside a fan-out, this is its per-target line (kvm_make_vcpu_request()).
          const inCall = call !== undefined && call.targets.includes(b.vcpu);
          const last = request.nr === undefined ? undefined : v.lastConsumed.get(request.nr);
          // The vCPU has not written IN_GUEST_MODE since the check: its next final check
          // settles it.
          const raced = last !== undefined && last.body.kind === "check_request" &&
            last.seq > this.#lastSeqOf(ev.pid) &&
            nsBetween(ev, last) <= MAKE_LINE_LAG_NS &&
            (v.lastInGuestWrite === undefined || v.lastInGuestWrite.seq < last.seq);
          this.#setPending(v, request, ev, inCall, raced ? last : undefined);
        }
        const k = this.#kicker(ev.pid, b.vm, b.vcpu);
        k.requestSince = ev;
        if (k.requestMade !== request) {
          k.requestMade = request;
          k.context = this.#contextOf(request);
        }
        v.lastSeen = ev;
        return;
      }
      case KICK: {
        const b = ev.body as BodyOf<"kick">;
        if (b.idx !== undefined) this.#byIndex.of(b.vm).ids.set(b.idx, b.vcpu);
        return this.#applyKick(ev, b.vm, b.vcpu, b.action, b.mode, b.cpu, true);
      }
      case VCPU_CREATE:
      case VCPU_DESTROY: {
        const b = ev.body as BodyOf<"vcpu_create" | "vcpu_destroy">;
        return this.#lifecycle(ev, b.vm, b.vcpu, b.kind === "vcpu_create");
      }
      case STOCK_KICK: {
        const b = ev.body as BodyOf<"stock_kick">;
        if (b.vcpu !== undefined) {
          this.#applyKick(ev, b.vm, b.vcpu, b.action, undefined, b.targetCpu, false);
        }
        return;
      }
      case MODE: {
        const b = ev.body as BodyOf<"mode">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        // The vCPU saw a kick's exchange whose `kvm_vcpu_kick` line is not recorded yet
        // (the kicker traces after its cmpxchg): that line must not exchange again.
        if (b.old === "EXITING_GUEST_MODE" && v.mode === "IN_GUEST_MODE") v.lateKick = ev;
        const early = v.earlyKick;
        v.earlyKick = undefined;
        v.mode = b.new;
        v.modeSetBy = ev;
        if (
          early !== undefined && b.old === "OUTSIDE_GUEST_MODE" && b.new === "IN_GUEST_MODE" &&
          nsBetween(ev, early) <= LATE_KICK_WINDOW_NS
        ) {
          // A kick already exchanged this write's IN_GUEST_MODE (see `earlyKick`).
          v.mode = "EXITING_GUEST_MODE";
          v.modeSetBy = early;
        }
        v.irqsOffAtLastWrite = ev.irqsOff;
        if (b.new === "IN_GUEST_MODE") v.lastInGuestWrite = ev;
        else if (b.new === "OUTSIDE_GUEST_MODE") {
          v.inGuest = false;
          v.ipiInFlight = undefined;
        }
        v.lastSeen = ev;
        return;
      }
      case REQUEST_PENDING: {
        const b = ev.body as BodyOf<"request_pending">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        v.lastPendingCheck = ev;
        if (b.pending === 0n) v.historyKnown = true;
        if (v.pending.size !== 0) {
          for (const [nr, p] of v.pending) {
            if (p.maybeConsumedBy === undefined || nr > 63) continue;
            // The check it raced with consumed it if the bit is gone; else it is pending
            // (see `maybeConsumedBy`).
            if (((b.pending >> BigInt(nr)) & 1n) === 0n) v.pending.delete(nr);
            else p.maybeConsumedBy = undefined;
          }
        }
        v.lastSeen = ev;
        return;
      }
      case CHECK_REQUEST:
      case CLEAR_REQUEST: {
        const b = ev.body as ConsumingBody;
        const v = this.#state(b.vm, b.vcpu);
        // Any thread may clear a vCPU's request: x86's kvm_end_pvclock_update()
        // clears KVM_REQ_MCLOCK_INPROGRESS of every vCPU (6.12 arch/x86/kvm/x86.c),
        // so only a check tells which thread is the vCPU's.
        const check = b.kind === "check_request";
        if (check) this.#own(v, ev);
        else this.#byOwnThread(v, ev);
        // What it consumes (see consumedBy): nothing for a check that found nothing.
        const nr = check && !b.result ? undefined : this.resolve(b.request).nr;
        if (nr !== undefined) {
          if (check && !v.pending.has(nr)) v.consumedAhead.set(nr, ev);
          v.pending.delete(nr);
          v.lastConsumed.set(nr, ev);
        }
        v.lastSeen = ev;
        return;
      }
      case ALL_CPUS_REQUEST: {
        const b = ev.body as BodyOf<"all_cpus_request">;
        return this.#applyAllCpus(ev, b.vm, b.phase, this.resolve(b.request), b.mask, b.site);
      }
      case IPI_ACK: {
        const b = ev.body as BodyOf<"ipi_ack">;
        // `cpu=` is the acknowledging CPU (ack_kick() runs where the IPI went).
        return this.#applyAck(ev, b.vm, b.vcpu, b.cpu ?? ev.cpu);
      }
      case STOCK_ACK: {
        const b = ev.body as BodyOf<"stock_ack">;
        // ack_kick runs on the CPU the IPI went to.
        return this.#applyAck(ev, b.vm, b.vcpu, ev.cpu);
      }
      case BLOCK: {
        const b = ev.body as BodyOf<"block">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        // A halted vCPU serves no request; only some requests end a halt
        // (kvm_vcpu_check_block(); x86 kvm_vcpu_has_events()): the others wait for its end.
        this.#pauseWaits(v, ev, false);
        v.blockedSince = ev;
        v.wokenBy = undefined;
        v.lastSeen = ev;
        return;
      }
      case UNBLOCK:
      case STOCK_WAKEUP: {
        const b = ev.body as BodyOf<"unblock" | "stock_wakeup">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        // The halt is over: requests wait again. A stock kvm_vcpu_wakeup (no block
        // event before it) ends a halt of `haltNs`: the non-waking requests waited from here.
        if (b.kind === "stock_wakeup") this.#pauseWaits(v, ev, false);
        for (const p of v.pending.values()) p.waitingSince ??= ev;
        v.blockedSince = undefined;
        v.lastSeen = ev;
        return;
      }
      case POSTED_INTERRUPT: {
        const b = ev.body as BodyOf<"posted_interrupt">;
        this.#kicker(ev.pid, b.vm, b.vcpu).postedSince = ev;
        this.#state(b.vm, b.vcpu).lastSeen = ev;
        return;
      }
      case SYNC_PIR: {
        const b = ev.body as BodyOf<"sync_pir">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        v.lastSeen = ev;
        return;
      }
      case ENTRY: {
        const b = ev.body as BodyOf<"entry">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        v.inGuest = true;
        v.lastEntry = ev;
        v.lastSeen = ev;
        return;
      }
      case EXIT: {
        const b = ev.body as BodyOf<"exit">;
        const v = this.#state(b.vm, b.vcpu);
        this.#own(v, ev);
        v.inGuest = false;
        v.ipiInFlight = undefined;
        v.lastExit = ev;
        // 6.18's kvm_exit prints vcpu->requests: a VM_DEAD bit there is the request made.
        if (b.requests !== undefined && (b.requests >> BigInt(this.#vmDeadNr)) & 1n) {
          v.deadSince ??= ev;
        }
        v.lastSeen = ev;
        return;
      }
      case USERSPACE_EXIT: {
        const b = ev.body as BodyOf<"userspace_exit">;
        // A KVM_RUN return says nothing of the protocol: it does not make a vCPU known.
        const v = this.#vcpus.of(b.vm).get(b.vcpu);
        if (v === undefined) return;
        v.inGuest = false;
        if (v.thread === ev.pid) {
          // Back to userspace: requests wait for the next KVM_RUN, which is userspace's business.
          v.outSince = ev;
          this.#pauseWaits(v, ev, true);
        }
        v.lastSeen = ev;
        return;
      }
      case LOST:
        this.lastLost = ev;
        return;
    }
  }

  /**
   * A kick of `vcpu`: `cpu` is the CPU its IPI went to (acks are matched by
   * it); `byProtocol` false for kicks recovered from stock events, which say
   * nothing about the kicker's requests (its state is left alone).
   */
  #applyKick(
    ev: ModelEvent,
    vm: string,
    vcpu: number,
    action: string,
    observed: string | undefined,
    cpu: number | undefined,
    byProtocol: boolean,
  ): void {
    const v = this.#state(vm, vcpu);
    if (
      v.lateKick !== undefined && nsBetween(ev, v.lateKick) > LATE_KICK_WINDOW_NS
    ) v.lateKick = undefined;
    if (v.lateKick !== undefined && observed === "IN_GUEST_MODE" && action !== "wake") {
      // The exchange this line reports was already seen by the vCPU (see `lateKick`).
      v.lateKick = undefined;
    } else {
      const row = kickTransition(v.mode, action, observed);
      if (row !== undefined) {
        v.mode = row.to;
        v.modeSetBy = ev;
      } else if (
        observed === "IN_GUEST_MODE" && action !== "wake" && v.mode === "OUTSIDE_GUEST_MODE"
      ) {
        // The vCPU's IN_GUEST_MODE line is still to come (see `earlyKick`).
        v.earlyKick = ev;
      }
    }
    if (action === "ipi") {
      v.ipiInFlight = ev;
      v.lastIpiSeq = ev.seq;
    } else if (action === "wake") {
      v.wokenBy = ev;
    }
    const call = this.callOf(vm, ev.pid);
    if (call !== undefined && call.targets.includes(vcpu)) {
      call.kicks.set(vcpu, ev);
      if (action === "ipi") {
        call.ipis.set(vcpu, ev);
        if (cpu !== undefined) call.ipiCpus.set(vcpu, cpu);
      }
    }
    v.lastSeen = ev;
    if (!byProtocol) return;
    const k = this.#kicker(ev.pid, vm, vcpu);
    k.lastKick = ev;
    k.requestSince = undefined;
    k.requestMade = undefined;
    k.context = NO_CONTEXT;
    k.postedSince = undefined;
  }

  /**
   * `kvm_vcpu_create` / `kvm_vcpu_destroy`: the vCPU starts (or ends) with a
   * fresh state — no thread, mode or pending requests. A process may create
   * VMs one after another with the same vCPU ids; without VM ids in the
   * trace, the new vCPU 0 must not inherit the old one's thread or requests.
   * A created vCPU's index is the number of vCPUs then alive in the VM.
   */
  #lifecycle(ev: ModelEvent, vm: string, vcpu: number, create: boolean): void {
    const table = this.#vcpus.of(vm);
    const old = table.get(vcpu);
    const fresh = createVcpuState(vm, vcpu);
    fresh.lastSeen = ev;
    if (old === undefined) {
      table.set(vcpu, fresh);
      this.#allVcpus.push(fresh);
    } else {
      if (old.thread !== undefined && this.#threads.get(old.thread) === old) {
        this.#threads.delete(old.thread);
      }
      table.set(vcpu, fresh);
      this.#allVcpus[this.#allVcpus.indexOf(old)] = fresh;
    }
    const index = this.#byIndex.of(vm);
    const alive = index.live.get(vcpu) ?? 0;
    if (create) {
      // A second vCPU with this id while the first lives: two VMs in a trace without VM ids.
      if (alive === 0 && !index.shared) index.ids.set(index.live.size, vcpu);
      else index.shared = true;
      index.live.set(vcpu, alive + 1);
    } else if (alive > 1) index.live.set(vcpu, alive - 1);
    else {
      index.live.delete(vcpu);
      if (index.live.size === 0) {
        index.ids.clear();
        index.shared = false;
      }
    }
    fresh.sharedId = (index.live.get(vcpu) ?? 0) > 1;
  }

  #applyAllCpus(
    ev: ModelEvent,
    vm: string,
    phase: "begin" | "end",
    request: ResolvedRequest,
    mask: bigint | undefined,
    site: string | undefined,
  ): void {
    const key = callKey(vm, ev.pid);
    if (phase === "end") {
      this.#calls.delete(key);
      return;
    }
    const targets: number[] = [];
    if (mask === undefined) {
      for (const v of this.allVcpus()) if (v.vm === vm) targets.push(v.vcpu);
    } else {
      for (const idx of setBits64(mask)) targets.push(this.vcpuAtIndex(vm, idx));
    }
    const call: AllCpusCall = {
      begin: ev,
      request,
      targets,
      ipis: new Map(),
      ipiCpus: new Map(),
      acks: new Map(),
      kicks: new Map(),
      context: { call: undefined, request },
    };
    (call as { context: KickContext }).context = { call, request };
    this.#calls.set(key, call);
    // The kernel sets each target's bit in kvm_make_vcpu_request(), after
    // phase=begin: a producer that traces that (the series, whose begin line
    // has `site=`) prints a `kvm_make_request` per target, which makes the
    // request then. Others (the simulator, hand-written traces) print only
    // the brackets: the begin line stands for the bits.
    if (site !== undefined) return;
    for (const id of targets) this.#setPending(this.#state(vm, id), request, ev, true);
  }

  /**
   * An acknowledgement (ack_kick) on `cpu`: it answers the oldest call in
   * flight with an unacknowledged IPI to that CPU — ack_kick runs per CPU,
   * and the vCPU loaded there (`vcpu`) need not be the one kicked — and, in
   * that call, every target whose IPI went to that CPU: a fan-out collects
   * CPUs in one cpumask (6.12 virt/kvm/kvm_main.c kvm_make_vcpu_request()
   * sets the target's CPU with __cpumask_set_cpu(), then one
   * smp_call_function_many()), so two vCPUs last run on one CPU share one
   * IPI and one ack (real: labbig's single-threaded-TCG recording, both
   * vCPUs kicked with `cpu=1`, one `kvm_vcpu_ipi_ack: vcpu=1 cpu=1`).
   * Without a CPU, the IPI to `vcpu`.
   */
  #applyAck(ev: ModelEvent, vm: string, vcpu: number | undefined, cpu: number | undefined): void {
    if (vcpu !== undefined) this.#state(vm, vcpu).lastSeen = ev;
    for (const call of this.#calls.values()) {
      if (call.begin.body.kind !== "all_cpus_request" || call.begin.body.vm !== vm) continue;
      let answered = false;
      for (const target of call.ipis.keys()) {
        if (call.acks.has(target)) continue;
        const sent = call.ipiCpus.get(target);
        const match = cpu !== undefined && sent !== undefined ? sent === cpu : target === vcpu;
        if (!match) continue;
        call.acks.set(target, ev);
        answered = true;
        if (cpu === undefined || sent === undefined) return;
      }
      if (answered) return;
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
