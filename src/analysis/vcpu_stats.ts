/**
 * Per-vCPU statistics for `kvmreq analyze`: requests made and served by
 * name, kicks by action, IPIs sent and coalesced, time in each mode, request
 * service latency and kick-to-exit latency — and, from stock events alone
 * (issue 16.15, what `perf kvm stat` gives and more): guest exits by reason
 * and class (`kvm_exit`), returns to userspace (`kvm_userspace_exit`), time
 * in the guest (`kvm_entry` → `kvm_exit`), halts that polled or waited and
 * their length (`kvm_vcpu_wakeup`), and wake-to-entry latency (a kick that
 * woke the vCPU → its next `kvm_entry`). Fed the same model events as the
 * checker, with the model state before each event; pure.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";
import type { ModelEvent } from "../events/model_event.ts";
import { kickTransition } from "../model/mode_automaton.ts";
import type { ModelView } from "../model/view.ts";
import { setBits64 } from "../events/bits.ts";
import { exitClass } from "../kernels/exit_reasons.ts";
import { inTimeRange, type TraceWindow, vcpuInWindow, WHOLE_TRACE } from "./trace_window.ts";

/** Statistics of one vCPU. */
export interface VcpuStats {
  /** VM id. */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** Requests made of it, by name. */
  readonly requestsMade: Map<string, number>;
  /** Requests it served, by name. */
  readonly requestsServed: Map<string, number>;
  /** Kicks of it, by action (`ipi`, `wake`, `none`, `self`). */
  readonly kicksByAction: Map<string, number>;
  /** Kicks that sent it an IPI. */
  ipisSent: number;
  /** Kicks that found the vCPU already EXITING_GUEST_MODE and so needed no IPI. */
  ipisCoalesced: number;
  /** Time in each mode and blocked, ns (ticks on counter clocks). */
  readonly timeInMode: Map<Mode | "blocked", bigint>;
  /** Service latencies (made → consumed), ns. */
  readonly serviceLatencies: bigint[];
  /** Kick with IPI → next guest exit, ns. */
  readonly kickToExit: bigint[];
  /** Guest entries. */
  entries: number;
  /** Guest exits. */
  exits: number;
  /** Guest exits by reason, as `kvm_exit` prints it. */
  readonly exitsByReason: Map<string, number>;
  /** Guest exits by class (see src/kernels/exit_reasons.ts). */
  readonly exitsByClass: Map<string, number>;
  /** KVM_RUN returns (`kvm_userspace_exit`) by reason. */
  readonly userspaceExits: Map<string, number>;
  /** Time between each `kvm_entry` and the next `kvm_exit`, ns. */
  timeInGuest: bigint;
  /** Halts that ended while polling (`kvm_vcpu_wakeup … poll`). */
  haltsPolled: number;
  /** Halts that scheduled out (`kvm_vcpu_wakeup … wait`). */
  haltsWaited: number;
  /** Each halt's length (`time N ns`: polling and waiting), ns. */
  readonly haltLengths: bigint[];
  /** A kick that woke the vCPU → its next guest entry, ns. */
  readonly wakeToEntry: bigint[];
}

function inc<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Collects {@link VcpuStats} for every vCPU. */
export class VcpuStatsCollector {
  readonly #stats = new Map<string, VcpuStats>();
  readonly #modeSince = new Map<string, { mode: Mode; ts: bigint }>();
  readonly #blockedSince = new Map<string, bigint>();
  readonly #pendingKick = new Map<string, bigint>();
  readonly #pendingWake = new Map<string, bigint>();
  readonly #inGuestSince = new Map<string, bigint>();
  #lastTs: bigint | undefined;

  /**
   * Counts the statistics of `model`'s vCPUs inside `window`.
   *
   * @param model the checker's model, read before each event is applied
   * @param window what to count: events inside its time range (a latency
   *   when its end is inside), the part of each mode interval inside it, and
   *   only its vCPUs; every event is still observed, so state from before
   *   the window carries in
   */
  constructor(readonly model: ModelView, readonly window: TraceWindow = WHOLE_TRACE) {}

  /** Adds the part of `[a, b]` inside the window's time range to `mode`'s time. */
  #addTime(s: VcpuStats, mode: Mode | "blocked", a: bigint, b: bigint): void {
    const w = this.window;
    const from = w.from !== undefined && w.from > a ? w.from : a;
    const to = w.until !== undefined && w.until < b ? w.until : b;
    if (to > from) s.timeInMode.set(mode, (s.timeInMode.get(mode) ?? 0n) + to - from);
  }

  /** The part of `[a, b]` inside the window's time range, ns. */
  #clipped(a: bigint, b: bigint): bigint {
    const w = this.window;
    const from = w.from !== undefined && w.from > a ? w.from : a;
    const to = w.until !== undefined && w.until < b ? w.until : b;
    return to > from ? to - from : 0n;
  }

  #of(vm: string, vcpu: number): VcpuStats {
    const key = `${vm}\u0000${vcpu}`;
    let s = this.#stats.get(key);
    if (s === undefined) {
      s = {
        vm,
        vcpu,
        requestsMade: new Map(),
        requestsServed: new Map(),
        kicksByAction: new Map(),
        ipisSent: 0,
        ipisCoalesced: 0,
        timeInMode: new Map(),
        serviceLatencies: [],
        kickToExit: [],
        entries: 0,
        exits: 0,
        exitsByReason: new Map(),
        exitsByClass: new Map(),
        userspaceExits: new Map(),
        timeInGuest: 0n,
        haltsPolled: 0,
        haltsWaited: 0,
        haltLengths: [],
        wakeToEntry: [],
      };
      this.#stats.set(key, s);
    }
    return s;
  }

  #modeChange(vm: string, vcpu: number, mode: Mode, ts: bigint): void {
    const key = `${vm}\u0000${vcpu}`;
    const prev = this.#modeSince.get(key);
    if (prev !== undefined && ts >= prev.ts) {
      this.#addTime(this.#of(vm, vcpu), prev.mode, prev.ts, ts);
    }
    this.#modeSince.set(key, { mode, ts });
  }

  /** Observes one event (call before the model applies it). */
  observe(ev: ModelEvent): void {
    const b = ev.body;
    const ts = ev.origin.ts;
    if (b.kind !== "lost") this.#lastTs = ts;
    // Counts are taken inside the window only; state is followed everywhere.
    const counts = inTimeRange(this.window, ts);
    switch (b.kind) {
      case "make_request": {
        const r = this.model.resolve(b.request);
        const s = this.#of(b.vm, b.vcpu);
        if (counts) inc(s.requestsMade, r.name ?? r.text);
        return;
      }
      case "all_cpus_request": {
        if (b.phase !== "begin") return;
        const r = this.model.resolve(b.request);
        const targets = b.mask === undefined
          ? this.model.allVcpus().filter((v) => v.vm === b.vm).map((v) => v.vcpu)
          : setBits64(b.mask);
        for (const id of targets) {
          const s = this.#of(b.vm, id);
          if (counts) inc(s.requestsMade, r.name ?? r.text);
        }
        return;
      }
      case "check_request":
      case "clear_request": {
        const c = this.model.consumedBy(b);
        if (c?.pending === undefined) return;
        const s = this.#of(b.vm, b.vcpu);
        if (!counts) return;
        inc(s.requestsServed, c.request.name ?? c.request.text);
        s.serviceLatencies.push(ts - c.pending.made.origin.ts);
        return;
      }
      case "kick":
      case "stock_kick": {
        if (b.vcpu === undefined) return;
        const s = this.#of(b.vm, b.vcpu);
        if (counts) inc(s.kicksByAction, b.action);
        // The kick's cmpxchg to EXITING_GUEST_MODE is a mode change too.
        const before = this.model.knownVcpu(b.vm, b.vcpu)?.mode;
        const row = kickTransition(before, b.action, b.kind === "kick" ? b.mode : undefined);
        if (row !== undefined) this.#modeChange(b.vm, b.vcpu, row.to, ts);
        if (b.action === "wake") {
          const key = `${b.vm}\u0000${b.vcpu}`;
          if (!this.#pendingWake.has(key)) this.#pendingWake.set(key, ts);
        }
        if (b.action === "ipi") {
          if (counts) s.ipisSent++;
          const key = `${b.vm}\u0000${b.vcpu}`;
          if (!this.#pendingKick.has(key)) this.#pendingKick.set(key, ts);
        } else if (b.kind === "kick" && b.mode === "EXITING_GUEST_MODE" && counts) {
          s.ipisCoalesced++;
        }
        return;
      }
      case "mode":
        this.#modeChange(b.vm, b.vcpu, b.new, ts);
        return;
      case "entry": {
        const s = this.#of(b.vm, b.vcpu);
        if (counts) s.entries++;
        const key = `${b.vm}\u0000${b.vcpu}`;
        this.#inGuestSince.set(key, ts);
        const woke = this.#pendingWake.get(key);
        if (woke !== undefined) {
          if (counts) s.wakeToEntry.push(ts - woke);
          this.#pendingWake.delete(key);
        }
        return;
      }
      case "exit": {
        const s = this.#of(b.vm, b.vcpu);
        const key = `${b.vm}\u0000${b.vcpu}`;
        if (counts) {
          s.exits++;
          inc(s.exitsByReason, b.reason ?? "?");
          inc(s.exitsByClass, exitClass(b.reason));
        }
        const since = this.#inGuestSince.get(key);
        if (since !== undefined) {
          this.#inGuestSince.delete(key);
          s.timeInGuest += this.#clipped(since, ts);
        }
        const k = this.#pendingKick.get(key);
        if (k !== undefined) {
          if (counts) s.kickToExit.push(ts - k);
          this.#pendingKick.delete(key);
        }
        return;
      }
      case "block":
        this.#blockedSince.set(`${b.vm}\u0000${b.vcpu}`, ts);
        return;
      case "userspace_exit": {
        // The normalizer only makes these for threads it knows as vCPUs.
        const s = this.#of(b.vm, b.vcpu);
        if (counts) inc(s.userspaceExits, b.reason ?? "?");
        return;
      }
      case "unblock":
      case "stock_wakeup": {
        const key = `${b.vm}\u0000${b.vcpu}`;
        if (b.kind === "stock_wakeup" && counts) {
          const s = this.#of(b.vm, b.vcpu);
          if (b.waited === true) s.haltsWaited++;
          else if (b.waited === false) s.haltsPolled++;
          if (b.haltNs !== undefined) s.haltLengths.push(b.haltNs);
        }
        const since = this.#blockedSince.get(key);
        if (since === undefined) return;
        this.#blockedSince.delete(key);
        this.#addTime(this.#of(b.vm, b.vcpu), "blocked", since, ts);
        return;
      }
    }
  }

  /** Closes open intervals at the last timestamp and returns the statistics, ordered by VM and vCPU. */
  finish(): VcpuStats[] {
    if (this.#lastTs !== undefined) {
      for (const [key, m] of this.#modeSince) {
        const [vm, vcpu] = key.split("\u0000");
        this.#modeChange(vm, Number(vcpu), m.mode, this.#lastTs);
      }
    }
    return [...this.#stats.values()]
      .filter((s) => vcpuInWindow(this.window, s.vcpu))
      .sort((a, b) => a.vm.localeCompare(b.vm) || a.vcpu - b.vcpu);
  }
}

/** The `q` quantile (0..1) of `values` (nearest rank), `undefined` when empty. */
export function quantile(values: readonly bigint[], q: number): bigint | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
