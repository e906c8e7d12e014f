/**
 * The protocol timeline of a trace, as the exporters need it: per-vCPU state
 * changes (mode, or blocked), requests made and served, kicks, IPI
 * acknowledgements, posted interrupts and lost events. It reads the checker's
 * model, so the timeline and the findings cannot disagree about a vCPU's
 * mode. Shared by `kvmreq export` (Perfetto JSON) and `kvmreq report` (HTML).
 *
 * @module
 */

import type { KickAction, Mode } from "../events/protocol.ts";
import type { ModelEvent } from "../events/model_event.ts";
import type { ModelView } from "../model/view.ts";
import type { ResolvedRequest } from "../model/request_ref.ts";
import type { PendingView, VcpuView } from "../model/view.ts";
import { setBits64 } from "../events/bits.ts";

/** What a vCPU row shows at an instant: its mode, or `blocked` inside kvm_vcpu_block(). */
export type TrackState =
  | "OUTSIDE"
  | "IN_GUEST"
  | "EXITING"
  | "READING_SHADOW_PAGE_TABLES"
  | "blocked";

/** Every {@link TrackState}, in a fixed order (their indices are the HTML report's state codes). */
export const TRACK_STATES: readonly TrackState[] = [
  "OUTSIDE",
  "IN_GUEST",
  "EXITING",
  "READING_SHADOW_PAGE_TABLES",
  "blocked",
];

const SHORT: Readonly<Record<Mode, TrackState>> = {
  OUTSIDE_GUEST_MODE: "OUTSIDE",
  IN_GUEST_MODE: "IN_GUEST",
  EXITING_GUEST_MODE: "EXITING",
  READING_SHADOW_PAGE_TABLES: "READING_SHADOW_PAGE_TABLES",
};

/**
 * The state a vCPU row shows: `blocked` while in kvm_vcpu_block(), else its
 * mode; on stock traces (no mode writes) guest entry/exit stand in for it;
 * `undefined` until the trace tells.
 */
export function trackState(v: VcpuView): TrackState | undefined {
  if (v.blockedSince !== undefined) return "blocked";
  if (v.mode !== undefined) return SHORT[v.mode];
  if (v.lastEntry !== undefined) return v.inGuest ? "IN_GUEST" : "OUTSIDE";
  return undefined;
}

/** A vCPU row changed state at `ts` (the time of `ev`). */
export interface StateItem {
  /** Item kind. */
  readonly kind: "state";
  /** VM id. */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** When (the event's timestamp). */
  readonly ts: bigint;
  /** The new state (a row stays blank until its first state is known). */
  readonly state: TrackState;
  /** The event that changed it. */
  readonly ev: ModelEvent;
}

/** One target of a request: whether the request set a new pending bit there. */
export interface MadeTarget {
  /** vCPU id. */
  readonly vcpu: number;
  /** False when the bit was already pending (coalesced) or the request has NO_ACTION. */
  readonly fresh: boolean;
}

/** A `kvm_make_request`, or the `phase=begin` of a kvm_make_all_cpus_request(). */
export interface MadeItem {
  /** Item kind. */
  readonly kind: "made";
  /** VM id. */
  readonly vm: string;
  /** The event that made it. */
  readonly ev: ModelEvent;
  /** The request made. */
  readonly request: ResolvedRequest;
  /** The vCPUs it targets. */
  readonly targets: readonly MadeTarget[];
  /** Made by kvm_make_all_cpus_request(). */
  readonly allCpus: boolean;
  /** The vCPU whose thread made it, when the maker is a vCPU thread. */
  readonly byVcpu: number | undefined;
  /** `site=` of the event. */
  readonly site: string | undefined;
}

/** A pending request consumed (`kvm_check_request result=1` or `kvm_clear_request`). */
export interface ServedItem {
  /** Item kind. */
  readonly kind: "served";
  /** VM id. */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** The consuming event. */
  readonly ev: ModelEvent;
  /** The request consumed. */
  readonly request: ResolvedRequest;
  /** The pending bit it consumed, `undefined` when no traced event made it. */
  readonly made: PendingView | undefined;
}

/** A kick (protocol `kvm_vcpu_kick`, or one recovered from stock events). */
export interface KickItem {
  /** Item kind. */
  readonly kind: "kick";
  /** VM id. */
  readonly vm: string;
  /** Target vCPU, `undefined` when a stock kick's target was not identified. */
  readonly vcpu: number | undefined;
  /** The kick's event. */
  readonly ev: ModelEvent;
  /** What the kick did: `ipi`, `wake`, `none` or `self`. */
  readonly action: KickAction;
  /** The mode the kicker read (protocol kicks only). */
  readonly observed: Mode | undefined;
  /** The CPU an IPI went to. */
  readonly cpu: number | undefined;
  /** The kick's call site. */
  readonly site: string | undefined;
  /** Part of a kvm_make_all_cpus_request(). */
  readonly allCpus: boolean;
}

/** An IPI acknowledgement, or a posted-interrupt delivery. */
export interface SignalItem {
  /** Item kind. */
  readonly kind: "ipi_ack" | "posted";
  /** VM id. */
  readonly vm: string;
  /** vCPU id. */
  readonly vcpu: number;
  /** The event. */
  readonly ev: ModelEvent;
}

/** A lost-events marker. */
export interface LostItem {
  /** Item kind. */
  readonly kind: "lost";
  /** The marker's event. */
  readonly ev: ModelEvent;
  /** The CPU whose buffer lost events. */
  readonly cpu: number;
  /** How many, `null` when the marker does not say. */
  readonly count: number | null;
}

/** Anything on the timeline. */
export type TimelineItem = StateItem | MadeItem | ServedItem | KickItem | SignalItem | LostItem;

function key(vm: string, vcpu: number): string {
  return `${vm}\u0000${vcpu}`;
}

/**
 * Turns model events into {@link TimelineItem}s. Call {@link observe} with
 * each event *before* the model applies it (the `observe` hook of
 * `lintInput`), then {@link finish} once the model has applied the last one.
 */
export class TimelineScanner {
  readonly #shown = new Map<string, TrackState>();
  #previous: ModelEvent | undefined;

  /**
   * Scans the events of `model`'s input into timeline items for `emit`.
   *
   * @param model the checker's model
   * @param emit receives the items, in trace order
   */
  constructor(
    readonly model: ModelView,
    readonly emit: (item: TimelineItem) => void,
  ) {}

  /** Sees one event before the model applies it. */
  observe(ev: ModelEvent): void {
    this.#settle();
    this.#previous = ev;
    const b = ev.body;
    switch (b.kind) {
      case "make_request": {
        const request = this.model.resolve(b.request);
        const fresh = this.#wouldSet(b.vm, b.vcpu, request);
        this.emit({
          kind: "made",
          vm: b.vm,
          ev,
          request,
          targets: [{ vcpu: b.vcpu, fresh }],
          allCpus: false,
          byVcpu: this.#makerVcpu(b.vm, ev),
          site: b.site,
        });
        return;
      }
      case "all_cpus_request": {
        if (b.phase !== "begin") return;
        const request = this.model.resolve(b.request);
        const ids: number[] = [];
        if (b.mask === undefined) {
          for (const v of this.model.allVcpus()) if (v.vm === b.vm) ids.push(v.vcpu);
        } else {
          ids.push(...setBits64(b.mask));
        }
        this.emit({
          kind: "made",
          vm: b.vm,
          ev,
          request,
          targets: ids.map((vcpu) => ({ vcpu, fresh: this.#wouldSet(b.vm, vcpu, request) })),
          allCpus: true,
          byVcpu: this.#makerVcpu(b.vm, ev),
          site: undefined,
        });
        return;
      }
      case "check_request":
      case "clear_request": {
        const c = this.model.consumedBy(b);
        if (c === undefined || (b.kind === "clear_request" && c.pending === undefined)) return;
        this.emit({
          kind: "served",
          vm: b.vm,
          vcpu: b.vcpu,
          ev,
          request: c.request,
          made: c.pending,
        });
        return;
      }
      case "kick":
        this.emit({
          kind: "kick",
          vm: b.vm,
          vcpu: b.vcpu,
          ev,
          action: b.action,
          observed: b.mode,
          cpu: b.cpu,
          site: b.site,
          allCpus: this.#inAllCpus(b.vm, ev, b.vcpu),
        });
        return;
      case "stock_kick":
        this.emit({
          kind: "kick",
          vm: b.vm,
          vcpu: b.vcpu,
          ev,
          action: b.action,
          observed: undefined,
          cpu: b.targetCpu,
          site: b.site,
          allCpus: false,
        });
        return;
      case "ipi_ack":
        if (b.vcpu !== undefined) this.emit({ kind: "ipi_ack", vm: b.vm, vcpu: b.vcpu, ev });
        return;
      case "stock_ack":
        if (b.vcpu !== undefined) this.emit({ kind: "ipi_ack", vm: b.vm, vcpu: b.vcpu, ev });
        return;
      case "posted_interrupt":
        this.emit({ kind: "posted", vm: b.vm, vcpu: b.vcpu, ev });
        return;
      case "lost":
        this.emit({ kind: "lost", ev, cpu: b.cpu, count: b.count });
        return;
    }
  }

  /** Reports the state change of the last event (call after the model applied it). */
  finish(): void {
    this.#settle();
    this.#previous = undefined;
  }

  /** Emits the state change the previous event caused, now that the model applied it. */
  #settle(): void {
    const ev = this.#previous;
    if (ev === undefined) return;
    const b = ev.body;
    if (!("vcpu" in b) || b.vcpu === undefined || !("vm" in b)) return;
    // Only vCPUs the model knows: a report must not create model state.
    const v = this.model.knownVcpu(b.vm, b.vcpu);
    const state = v === undefined ? undefined : trackState(v);
    if (state === undefined) return;
    const k = key(b.vm, b.vcpu);
    if (this.#shown.get(k) === state) return;
    this.#shown.set(k, state);
    this.emit({ kind: "state", vm: b.vm, vcpu: b.vcpu, ts: ev.origin.ts, state, ev });
  }

  #wouldSet(vm: string, vcpu: number, request: ResolvedRequest): boolean {
    if (request.nr === undefined || request.noAction) return false;
    return !this.model.vcpu(vm, vcpu).pending.has(request.nr);
  }

  #makerVcpu(vm: string, ev: ModelEvent): number | undefined {
    const v = this.model.vcpuOfThread(ev.origin.pid);
    return v !== undefined && v.vm === vm ? v.vcpu : undefined;
  }

  #inAllCpus(vm: string, ev: ModelEvent, vcpu: number): boolean {
    const call = this.model.callOf(vm, ev.origin.pid);
    return call !== undefined && call.targets.includes(vcpu);
  }
}
