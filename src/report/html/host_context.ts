/**
 * What the host did around the protocol, for the report page: the whole
 * trace's time span (every event, not only the protocol's), each thread's
 * scheduling state over time (running, runnable, sleeping, from
 * `sched_switch` and `sched_wakeup`/`sched_waking`), and for each listed
 * finding the scheduling and guest entry/exit events of its threads just
 * before and after it (`kvm_exit` with its reason among them). Fed every
 * record as it is read; memory is bounded by the page budget, not the trace.
 *
 * @module
 */

import { SchedStates, THREAD_STATES } from "../../analysis/sched_state.ts";
import type { TraceEvent, TraceRecord } from "../../events/types.ts";
import { formatTimestamp } from "../../ingest/timestamp.ts";
import type { TimeUnit } from "../../events/types.ts";
import type { Finding } from "../../rules/finding.ts";
import { TimeSeries } from "./series.ts";

export { THREAD_STATES } from "../../analysis/sched_state.ts";

/** Events shown as context around a finding. */
const CONTEXT_EVENTS: ReadonlySet<string> = new Set([
  "sched_switch",
  "sched_waking",
  "sched_wakeup",
  "kvm_entry",
  "kvm_exit",
  "kvm_userspace_exit",
  "kvm_vcpu_wakeup",
]);

/** Context events kept before the current one (the look-back of a finding's context). */
const RING = 512;

/** Context lines shown before and after a finding. */
export const CONTEXT_BEFORE = 6;
/** See {@link CONTEXT_BEFORE}. */
export const CONTEXT_AFTER = 6;

/** Records after a finding searched for its after-context. */
const AFTER_REACH = 20_000;

/** One context line. */
export interface ContextLine {
  /** Input line. */
  readonly line: number;
  /** Timestamp. */
  readonly ts: bigint;
  /** The event as the trace printed it. */
  readonly text: string;
}

interface Pending {
  readonly pids: ReadonlySet<number>;
  readonly after: ContextLine[];
  /** Lines already shown as the finding's evidence. */
  readonly skip: ReadonlySet<number>;
  reach: number;
}

/** A thread's scheduling over time. */
export interface ThreadTrack {
  /** Thread id. */
  readonly pid: number;
  /** Its latest name. */
  comm: string;
  /** Times the state changed, and the new state ({@link THREAD_STATES} index). */
  readonly states: TimeSeries;
  /** Its state code at its last change (−1: none yet). */
  last: number;
}

function lineText(r: TraceEvent, unit: TimeUnit): string {
  const flags = r.flags === undefined ? "" : ` ${r.flags}`;
  return `${r.comm}-${r.pid} [${String(r.cpu).padStart(3, "0")}]${flags} ${
    formatTimestamp(r.ts, unit)
  }: ${r.name}: ${r.fields}`;
}

const PID_FIELD = /\b(?:pid|prev_pid|next_pid)=(\d+)/g;

/** Thread ids an event is about: its own, and those its fields name. */
function pidsOf(pid: number, fields: string): number[] {
  const out = [pid];
  for (const m of fields.matchAll(PID_FIELD)) out.push(Number(m[1]));
  return out;
}

/** Collects the host context of one input. */
export class HostContext {
  /** Earliest and latest event timestamps of the whole input. */
  first: bigint | undefined;
  /** See {@link HostContext.first}. */
  last: bigint | undefined;
  readonly #threads = new Map<number, ThreadTrack>();
  readonly #sched = new SchedStates();
  readonly #ring: (TraceEvent | undefined)[] = new Array(RING);
  #ringAt = 0;
  readonly #pending: Pending[] = [];
  readonly #context = new Map<Finding, { before: ContextLine[]; after: ContextLine[] }>();

  /**
   * Collects the host context of one input.
   *
   * @param unit the input's time unit, once known
   * @param rel turns a timestamp into the page's relative time
   */
  constructor(readonly unit: () => TimeUnit, readonly rel: (ts: bigint) => number) {}

  /** Sees one record, before it is normalized. */
  record(r: TraceRecord): void {
    if (r.type !== "event") return;
    const ts = r.ts;
    if (ts >= 0n) {
      if (this.first === undefined || ts < this.first) this.first = ts;
      if (this.last === undefined || ts > this.last) this.last = ts;
    }
    if (!CONTEXT_EVENTS.has(r.name)) return;
    this.#schedule(r);
    if (this.#pending.length > 0) this.#fillAfter(r);
    this.#ring[this.#ringAt] = r;
    this.#ringAt = (this.#ringAt + 1) % RING;
  }

  #track(pid: number, comm: string | undefined): ThreadTrack {
    let t = this.#threads.get(pid);
    if (t === undefined) {
      t = { pid, comm: comm ?? "", states: new TimeSeries(), last: -1 };
      this.#threads.set(pid, t);
    } else if (comm !== undefined && comm !== "") t.comm = comm;
    return t;
  }

  #schedule(r: TraceEvent): void {
    for (const t of this.#sched.observe(r)) {
      const track = this.#track(t.pid, t.comm);
      const code = THREAD_STATES.indexOf(t.state);
      if (track.last === code) continue;
      track.last = code;
      track.states.push(this.rel(r.ts), code);
    }
  }

  /**
   * Captures the context of `f` (call when it is reported): the scheduling
   * and guest entry/exit events before it that concern its threads, now;
   * those after it as they are read.
   */
  capture(f: Finding, vcpuThread: number | undefined): void {
    const pids = new Set<number>();
    for (const e of f.evidence) for (const p of pidsOf(e.pid, e.fields)) pids.add(p);
    if (vcpuThread !== undefined) pids.add(vcpuThread);
    pids.delete(0);
    const skip = new Set(f.evidence.map((e) => e.line));
    const before: ContextLine[] = [];
    const unit = this.unit();
    for (let k = 1; k <= RING && before.length < CONTEXT_BEFORE; k++) {
      const r = this.#ring[(this.#ringAt - k + RING) % RING];
      if (r === undefined) break;
      if (r.line > f.at.line || skip.has(r.line)) continue;
      if (pidsOf(r.pid, r.fields).some((p) => pids.has(p))) {
        before.push({ line: r.line, ts: r.ts, text: lineText(r, unit) });
      }
    }
    before.reverse();
    const after: ContextLine[] = [];
    this.#context.set(f, { before, after });
    this.#pending.push({ pids, after, skip, reach: AFTER_REACH });
  }

  #fillAfter(r: TraceEvent): void {
    const ids = pidsOf(r.pid, r.fields);
    let done = 0;
    for (const p of this.#pending) {
      p.reach--;
      if (!p.skip.has(r.line) && ids.some((id) => p.pids.has(id))) {
        p.after.push({ line: r.line, ts: r.ts, text: lineText(r, this.unit()) });
      }
      if (p.after.length >= CONTEXT_AFTER || p.reach <= 0) done++;
    }
    if (done > 0) {
      const keep = this.#pending.filter((p) => p.after.length < CONTEXT_AFTER && p.reach > 0);
      this.#pending.length = 0;
      this.#pending.push(...keep);
    }
  }

  /** The context captured for `f`, before and after it. */
  contextOf(f: Finding): { before: readonly ContextLine[]; after: readonly ContextLine[] } {
    return this.#context.get(f) ?? { before: [], after: [] };
  }

  /** The scheduling track of thread `pid`, when the trace switched it in or out. */
  thread(pid: number): ThreadTrack | undefined {
    return this.#threads.get(pid);
  }
}
