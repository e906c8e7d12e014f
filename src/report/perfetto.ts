/**
 * `kvmreq export --format perfetto`: the protocol timeline as Trace Event
 * Format JSON (`{"traceEvents": [...]}`), which ui.perfetto.dev and
 * chrome://tracing open. One process per VM and one thread track per vCPU,
 * whose slices are its modes (and `blocked`); requests are flow arrows from
 * the requesting thread's `make` slice to the vCPU's `serve` slice; kicks,
 * IPI acknowledgements, posted interrupts and findings are instant events.
 *
 * Events are written as they come (a vCPU's mode slice when it ends, a flow
 * when its request is served), so memory stays flat on large traces.
 * Timestamps are exact: microseconds with the nanosecond fraction, formatted
 * from the bigint nanoseconds, never through a float.
 *
 * Tracks carry the trace's real ids, so the document lines up with a
 * systrace of the same recording: a vCPU's track is its thread (tid), in its
 * process (the tgid when the trace records it, `options/record-tgid`; else
 * the thread's own id), and so is every host thread that kicked a vCPU or
 * made a request. A vCPU whose thread is not known yet when its first event
 * comes has its events held until it is (at most {@link MAX_HELD} of them;
 * a vCPU never identified keeps a synthetic track in its VM's process, as
 * VM-wide instants do). Next to each of these threads a "scheduling" track
 * shows when it ran, waited to run and slept (from `sched_switch` and
 * wakeups); guest exits are instants with their `kvm_exit` reason. Synthetic
 * ids are above Linux's `pid_max` (2^22), so they never clash with real ones.
 *
 * A window (`--from`, `--until`, `--vcpu`) keeps what lies inside it: slices
 * clipped to it, instants and findings inside it; the whole input is still
 * replayed.
 *
 * @module
 */

import type { TextSink } from "./text_sink.ts";
import { SchedStates, type ThreadState } from "../analysis/sched_state.ts";
import {
  findingInWindow,
  inTimeRange,
  type TraceWindow,
  vcpuInWindow,
  WHOLE_TRACE,
} from "../analysis/trace_window.ts";
import type { TimeUnit, TraceRecord } from "../events/types.ts";
import type { EventOrigin, ModelEvent } from "../events/model_event.ts";
import type { ResolvedRequest } from "../model/request_ref.ts";
import type { Finding } from "../rules/finding.ts";
import { evidenceText } from "./evidence.ts";
import type {
  KickItem,
  MadeItem,
  ServedItem,
  TimelineItem,
  TrackState,
} from "../analysis/timeline_scan.ts";

/** First synthetic pid of VM processes. */
export const VM_PID_BASE = 5_000_000;
/** First synthetic tid of vCPU tracks. */
export const VCPU_TID_BASE = 6_000_000;
/** First synthetic pid of the per-input "host threads" processes. */
export const HOST_PID_BASE = 7_000_000;
/** First synthetic tid of host-thread tracks. */
export const HOST_TID_BASE = 8_000_000;
/** First synthetic tid of scheduling tracks. */
export const SCHED_TID_BASE = 9_000_000;

/** Events held at most for a vCPU whose thread is not known yet. */
export const MAX_HELD = 20_000;

/**
 * Scheduling changes remembered per thread before it gets a track (a vCPU
 * thread's first protocol event, a host thread's first kick), so its
 * scheduling track starts with the trace, not with that event.
 */
export const SCHED_HISTORY = 256;

/** Threads whose scheduling history is remembered before they get a track, at most. */
export const SCHED_HISTORY_THREADS = 4096;

/** A vCPU's thread, as the trace identifies it. */
export interface VcpuThread {
  /** Thread id. */
  readonly tid: number;
  /** Thread name. */
  readonly comm: string;
}

/**
 * Formats nanoseconds as Trace Event Format microseconds with the exact
 * nanosecond fraction (`7166367568123n` → `"7166367568.123"`).
 *
 * @example
 * ```ts
 * import { formatMicros } from "./perfetto.ts";
 * if (formatMicros(7166367568123n) !== "7166367568.123") throw new Error();
 * if (formatMicros(5n) !== "0.005") throw new Error();
 * ```
 */
export function formatMicros(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? "-" : ""}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, "0")}`;
}

/** One trace event (Trace Event Format), before serialization. */
export interface TraceEventFields {
  /** Name shown on the slice or instant. */
  readonly name: string;
  /** Phase: complete slice, instant, flow start, flow end, metadata. */
  readonly ph: "X" | "i" | "s" | "f" | "M";
  /** Category. */
  readonly cat?: string;
  /** Start, ns (written as µs with three decimals). */
  readonly ts?: bigint;
  /** Duration of a complete slice, ns. */
  readonly dur?: bigint;
  /** Process id of its track. */
  readonly pid: number;
  /** Thread id of its track. */
  readonly tid?: number;
  /** Instant scope (`t`, `p`, `g`). */
  readonly s?: "t" | "p" | "g";
  /** Flow id. */
  readonly id?: number;
  /** Flow binding point. */
  readonly bp?: "e";
  /** Arguments shown with the event. */
  readonly args?: Readonly<Record<string, unknown>>;
}

function serialize(e: TraceEventFields): string {
  let t = `{"name":${JSON.stringify(e.name)},"ph":"${e.ph}"`;
  if (e.cat !== undefined) t += `,"cat":${JSON.stringify(e.cat)}`;
  t += `,"ts":${formatMicros(e.ts ?? 0n)}`;
  if (e.dur !== undefined) t += `,"dur":${formatMicros(e.dur)}`;
  t += `,"pid":${e.pid}`;
  if (e.tid !== undefined) t += `,"tid":${e.tid}`;
  if (e.s !== undefined) t += `,"s":"${e.s}"`;
  if (e.id !== undefined) t += `,"id":${e.id}`;
  if (e.bp !== undefined) t += `,"bp":"${e.bp}"`;
  if (e.args !== undefined) t += `,"args":${JSON.stringify(e.args)}`;
  return t + "}";
}

/**
 * Streams one Trace Event Format document to a {@link TextSink}: call
 * {@link PerfettoWriter.begin}, feed each input through
 * {@link PerfettoWriter.input}, {@link PerfettoWriter.drain} between batches,
 * and {@link PerfettoWriter.end} last.
 */
export class PerfettoWriter {
  #parts: string[] = [];
  #events = 0;
  #inputs = 0;
  #nextVmPid = VM_PID_BASE;
  #nextVcpuTid = VCPU_TID_BASE;
  #nextHostTid = HOST_TID_BASE;
  #nextSchedTid = SCHED_TID_BASE;
  #nextFlow = 1;
  /** Processes named so far (real ids can be shared by several inputs' threads). */
  readonly named = new Set<number>();

  /**
   * Writes one Trace Event Format document to `sink`.
   *
   * @param sink where the JSON goes
   */
  constructor(readonly sink: TextSink) {}

  /** Trace events written so far. */
  get events(): number {
    return this.#events;
  }

  /** Writes the document's opening. */
  async begin(): Promise<void> {
    await this.sink.write('{"displayTimeUnit":"ns","traceEvents":[\n');
  }

  /**
   * Starts the events of one input. `threadOf` says which thread a vCPU is
   * (as far as the trace has told so far); `window` what to keep.
   */
  input(
    path: string,
    unit: () => TimeUnit,
    threadOf: (vm: string, vcpu: number) => VcpuThread | undefined = () => undefined,
    window: () => TraceWindow = () => WHOLE_TRACE,
  ): PerfettoInput {
    return new PerfettoInput(this, path, HOST_PID_BASE + this.#inputs++, unit, threadOf, window);
  }

  /** Writes out the events collected since the last drain. */
  async drain(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    await this.sink.write(text);
  }

  /** Writes the rest and closes the document with `otherData`. */
  async end(otherData: Readonly<Record<string, unknown>>): Promise<void> {
    await this.drain();
    await this.sink.write(`\n],"otherData":${JSON.stringify(otherData)}}\n`);
  }

  /** Queues one event (used by {@link PerfettoInput}). */
  push(e: TraceEventFields): void {
    this.#parts.push(this.#events === 0 ? serialize(e) : ",\n" + serialize(e));
    this.#events++;
  }

  /** A new VM process id. */
  vmPid(): number {
    return this.#nextVmPid++;
  }

  /** A new vCPU track id. */
  vcpuTid(): number {
    return this.#nextVcpuTid++;
  }

  /** A new host-thread track id. */
  hostTid(): number {
    return this.#nextHostTid++;
  }

  /** A new scheduling track id. */
  schedTid(): number {
    return this.#nextSchedTid++;
  }

  /** A new flow id. */
  flowId(): number {
    return this.#nextFlow++;
  }
}

interface Track {
  pid: number;
  tid: number;
  /** Events waiting for the vCPU's thread to be known (`undefined` once resolved). */
  held?: TraceEventFields[];
}

/** A thread in one scheduling state since `since` (until `until`, once it ended). */
interface SchedSpan {
  readonly state: ThreadState;
  readonly since: bigint;
  readonly cpu: number;
  readonly detail: string | undefined;
  readonly until?: bigint;
}

/** A thread whose scheduling is drawn: its scheduling track and its open state. */
interface SchedTrack {
  readonly pid: number;
  readonly tid: number;
}

interface OpenSlice {
  readonly state: TrackState;
  readonly start: bigint;
  readonly cause: ModelEvent;
}

interface FlowStart {
  readonly track: Track;
  readonly ts: bigint;
  readonly seq: number;
}

function who(o: EventOrigin): string {
  return `${o.comm}-${o.pid}`;
}

function requestName(r: ResolvedRequest): string {
  return r.name ?? r.text;
}

function requestArgs(r: ResolvedRequest): Record<string, unknown> {
  const flags = [r.wait ? "WAIT" : "", r.noWakeup ? "NO_WAKEUP" : "", r.noAction ? "NO_ACTION" : ""]
    .filter((f) => f !== "").join("|");
  return { request: requestName(r), nr: r.nr ?? null, flags: flags === "" ? "0" : flags };
}

/** The events of one input: its processes, vCPU and host-thread tracks, their scheduling. */
export class PerfettoInput {
  readonly #vms = new Map<string, number>();
  readonly #vcpus = new Map<string, Track>();
  readonly #vcpuKeys = new Map<Track, { vm: string; vcpu: number }>();
  readonly #unresolved = new Set<string>();
  readonly #hosts = new Map<number, Track>();
  readonly #open = new Map<string, OpenSlice>();
  readonly #flows = new Map<string, FlowStart>();
  /** Thread id → thread-group id, from records that print it. */
  readonly #tgids = new Map<number, number>();
  /** Thread id → name, as last printed. */
  readonly #comms = new Map<number, string>();
  readonly #sched = new SchedStates();
  /** Each thread's current scheduling state, tracked or not yet. */
  readonly #schedNow = new Map<number, SchedSpan>();
  /** Scheduling spans of threads without a track yet, the latest {@link SCHED_HISTORY}. */
  readonly #schedHistory = new Map<number, SchedSpan[]>();
  readonly #schedTracks = new Map<number, SchedTrack>();
  #hostProcess = false;
  #lastTs = 0n;

  /**
   * The tracks of one input.
   *
   * @param writer the document
   * @param path input name (shown in process names)
   * @param hostPid pid of this input's synthetic process (lost events)
   * @param unit the input's time unit, once known
   * @param threadOf which thread a vCPU is, as far as the trace has told
   * @param window what to keep
   */
  constructor(
    readonly writer: PerfettoWriter,
    readonly path: string,
    readonly hostPid: number,
    readonly unit: () => TimeUnit,
    readonly threadOf: (vm: string, vcpu: number) => VcpuThread | undefined = () => undefined,
    readonly window: () => TraceWindow = () => WHOLE_TRACE,
  ) {}

  /** Notes the time of an event (open slices end at the last one). */
  advance(ts: bigint): void {
    if (ts > this.#lastTs) this.#lastTs = ts;
  }

  /** Sees every record read: thread groups, names, and scheduling. */
  record(r: TraceRecord): void {
    if (r.type !== "event") return;
    this.advance(r.ts);
    if (typeof r.tgid === "number" && r.tgid > 0) this.#tgids.set(r.pid, r.tgid);
    this.#comms.set(r.pid, r.comm);
    if (r.name !== "sched_switch" && r.name !== "sched_wakeup" && r.name !== "sched_waking") {
      return;
    }
    for (const t of this.#sched.observe(r)) {
      if (t.comm !== undefined && !this.#comms.has(t.pid)) this.#comms.set(t.pid, t.comm);
      const track = this.#schedTracks.get(t.pid);
      const now = this.#schedNow.get(t.pid);
      if (now !== undefined) {
        if (track !== undefined) this.#schedSlice(track, now, r.ts);
        else this.#remember(t.pid, { ...now, until: r.ts });
      }
      this.#schedNow.set(t.pid, { state: t.state, since: r.ts, cpu: t.cpu, detail: t.detail });
    }
  }

  /** Keeps a finished span of an untracked thread (the latest {@link SCHED_HISTORY}). */
  #remember(pid: number, span: SchedSpan): void {
    let h = this.#schedHistory.get(pid);
    if (h === undefined) {
      if (this.#schedHistory.size >= SCHED_HISTORY_THREADS) return;
      h = [];
      this.#schedHistory.set(pid, h);
    }
    if (h.length >= SCHED_HISTORY) h.shift();
    h.push(span);
  }

  /** Adds one timeline item. */
  item(item: TimelineItem): void {
    this.advance(item.ev.origin.ts);
    if (this.#unresolved.size > 0) this.#resolve();
    const w = this.window();
    if (item.kind !== "state" && item.kind !== "lost" && !inTimeRange(w, item.ev.origin.ts)) {
      return;
    }
    switch (item.kind) {
      case "state":
        if (!vcpuInWindow(w, item.vcpu)) return;
        this.#state(item.vm, item.vcpu, item.state, item.ts, item.ev);
        if (item.ev.body.kind === "exit" && inTimeRange(w, item.ts)) {
          const t = this.#vcpu(item.vm, item.vcpu);
          const o = item.ev.origin;
          this.#push(t, {
            name: `exit ${item.ev.body.reason ?? "?"}`,
            cat: "exit",
            ph: "i",
            s: "t",
            ts: o.ts,
            pid: t.pid,
            tid: t.tid,
            args: { line: o.line, event: `${o.name}: ${o.fields}` },
          });
        }
        return;
      case "made":
        return this.#made(item);
      case "served":
        if (!vcpuInWindow(w, item.vcpu)) return;
        return this.#served(item);
      case "kick":
        if (item.vcpu !== undefined && !vcpuInWindow(w, item.vcpu)) return;
        return this.#kick(item);
      case "ipi_ack":
      case "posted": {
        if (!vcpuInWindow(w, item.vcpu)) return;
        const t = this.#vcpu(item.vm, item.vcpu);
        const o = item.ev.origin;
        this.#push(t, {
          name: item.kind === "ipi_ack" ? "IPI ack" : "posted interrupt",
          cat: "ipi",
          ph: "i",
          s: "t",
          ts: o.ts,
          pid: t.pid,
          tid: t.tid,
          args: { by: who(o), cpu: o.cpu, line: o.line, event: o.fields },
        });
        return;
      }
      case "lost": {
        if (!inTimeRange(w, this.#lastTs)) return;
        this.#ensureHostProcess();
        this.writer.push({
          name: "lost events",
          cat: "lost",
          ph: "i",
          s: "p",
          ts: this.#lastTs,
          pid: this.hostPid,
          args: { cpu: item.cpu, count: item.count, line: item.ev.origin.line },
        });
        return;
      }
    }
  }

  /** Adds one finding as an instant on its vCPU (on its VM when the vCPU is unknown). */
  finding(f: Finding): void {
    if (!findingInWindow(f, this.window())) return;
    const ts = f.at.ts < 0n ? this.#lastTs : f.at.ts;
    const args = {
      rule: f.ruleId,
      severity: f.severity,
      message: f.message,
      seedSections: f.seedSections,
      confidence: f.confidence,
      ...(f.confidenceNote === undefined ? {} : { confidenceNote: f.confidenceNote }),
      file: f.at.file,
      line: f.at.line,
      evidence: f.evidence.map((e) => `${e.line}: ${evidenceText(e, this.unit())}`),
    };
    if (f.vcpu === undefined) {
      this.writer.push({
        name: f.ruleId,
        cat: "finding",
        ph: "i",
        s: "p",
        ts,
        pid: this.#vm(f.vm),
        args,
      });
      return;
    }
    const t = this.#vcpu(f.vm, f.vcpu);
    this.#push(t, {
      name: f.ruleId,
      cat: "finding",
      ph: "i",
      s: "t",
      ts,
      pid: t.pid,
      tid: t.tid,
      args,
    });
  }

  /** Ends every open slice at the input's last timestamp; vCPUs never identified keep synthetic tracks. */
  finish(): void {
    this.#resolve();
    for (const [k, open] of this.#open) {
      const t = this.#vcpus.get(k)!;
      this.#slice(t, open, this.#lastTs);
    }
    this.#open.clear();
    for (const [pid, track] of this.#schedTracks) {
      const now = this.#schedNow.get(pid);
      if (now !== undefined) this.#schedSlice(track, now, this.#lastTs);
    }
    for (const k of [...this.#unresolved]) this.#settle(k, undefined);
  }

  /** Pushes `e` to track `t`, or holds it while `t`'s thread is unknown. */
  #push(t: Track, e: TraceEventFields): void {
    if (t.held === undefined) {
      this.writer.push(e);
      return;
    }
    t.held.push(e);
    if (t.held.length >= MAX_HELD) {
      const key = this.#vcpuKeys.get(t)!;
      this.#settle(`${key.vm}\u0000${key.vcpu}`, undefined);
    }
  }

  /** Gives held vCPU tracks whose thread is now known their real ids. */
  #resolve(): void {
    for (const k of [...this.#unresolved]) {
      const t = this.#vcpus.get(k)!;
      const key = this.#vcpuKeys.get(t)!;
      const thread = this.threadOf(key.vm, key.vcpu);
      if (thread !== undefined) this.#settle(k, thread);
    }
  }

  /** Fixes the ids of held vCPU track `k` (real for `thread`, synthetic without) and writes its events. */
  #settle(k: string, thread: VcpuThread | undefined): void {
    const t = this.#vcpus.get(k)!;
    const key = this.#vcpuKeys.get(t)!;
    this.#unresolved.delete(k);
    const held = t.held ?? [];
    t.held = undefined;
    const ids = thread === undefined
      ? this.#syntheticVcpu(key.vm, key.vcpu)
      : this.#realVcpu(key.vm, key.vcpu, thread);
    t.pid = ids.pid;
    t.tid = ids.tid;
    for (const e of held) {
      this.writer.push(
        e.pid === undefined || e.tid === undefined ? e : { ...e, pid: t.pid, tid: t.tid },
      );
    }
  }

  #vm(vm: string): number {
    let pid = this.#vms.get(vm);
    if (pid === undefined) {
      pid = this.writer.vmPid();
      this.#vms.set(vm, pid);
      this.writer.push({
        name: "process_name",
        ph: "M",
        pid,
        args: { name: `VM ${vm} · ${this.path}` },
      });
      this.writer.push({
        name: "process_sort_index",
        ph: "M",
        pid,
        args: { sort_index: pid - VM_PID_BASE },
      });
    }
    return pid;
  }

  /** The process of real thread `tid`: its thread group when printed, else itself; named once. */
  #process(tid: number): number {
    const pid = this.#tgids.get(tid) ?? tid;
    if (!this.writer.named.has(pid)) {
      this.writer.named.add(pid);
      this.writer.push({
        name: "process_name",
        ph: "M",
        pid,
        args: { name: this.#comms.get(pid) ?? `process ${pid}` },
      });
    }
    return pid;
  }

  /** A scheduling track beside real thread `tid` of process `pid`. */
  #schedTrack(pid: number, tid: number, name: string, sort: number): void {
    if (this.#schedTracks.has(tid)) return;
    const track: SchedTrack = { pid, tid: this.writer.schedTid() };
    this.#schedTracks.set(tid, track);
    this.writer.push({
      name: "thread_name",
      ph: "M",
      pid,
      tid: track.tid,
      args: { name: `${name} · scheduling` },
    });
    this.writer.push({
      name: "thread_sort_index",
      ph: "M",
      pid,
      tid: track.tid,
      args: { sort_index: sort + 1 },
    });
    for (const span of this.#schedHistory.get(tid) ?? []) {
      this.#schedSlice(track, span, span.until!);
    }
    this.#schedHistory.delete(tid);
  }

  #schedSlice(t: SchedTrack, now: SchedSpan, end: bigint): void {
    const w = this.window();
    const from = w.from !== undefined && w.from > now.since ? w.from : now.since;
    const to = w.until !== undefined && w.until < end ? w.until : end;
    if (to < from) return;
    this.writer.push({
      name: now.state,
      cat: "sched",
      ph: "X",
      ts: from,
      dur: to - from,
      pid: t.pid,
      tid: t.tid,
      args: now.state === "running"
        ? { cpu: now.cpu }
        : now.detail === undefined
        ? {}
        : { prev_state: now.detail },
    });
  }

  #realVcpu(vm: string, vcpu: number, thread: VcpuThread): { pid: number; tid: number } {
    const pid = this.#process(thread.tid);
    const tid = thread.tid;
    const comm = this.#comms.get(tid) ?? thread.comm;
    const name = `vCPU ${vcpu}${vm === "0" ? "" : ` (VM ${vm})`} · ${comm}-${tid}`;
    this.writer.push({ name: "thread_name", ph: "M", pid, tid, args: { name } });
    this.writer.push({
      name: "thread_sort_index",
      ph: "M",
      pid,
      tid,
      args: { sort_index: 2 * vcpu },
    });
    this.#schedTrack(pid, tid, `${comm}-${tid}`, 2 * vcpu);
    return { pid, tid };
  }

  #syntheticVcpu(vm: string, vcpu: number): { pid: number; tid: number } {
    const pid = this.#vm(vm);
    const tid = this.writer.vcpuTid();
    this.writer.push({ name: "thread_name", ph: "M", pid, tid, args: { name: `vCPU ${vcpu}` } });
    this.writer.push({ name: "thread_sort_index", ph: "M", pid, tid, args: { sort_index: vcpu } });
    return { pid, tid };
  }

  #vcpu(vm: string, vcpu: number): Track {
    const k = `${vm}\u0000${vcpu}`;
    let t = this.#vcpus.get(k);
    if (t === undefined) {
      t = { pid: 0, tid: 0, held: [] };
      this.#vcpus.set(k, t);
      this.#vcpuKeys.set(t, { vm, vcpu });
      this.#unresolved.add(k);
      const thread = this.threadOf(vm, vcpu);
      if (thread !== undefined) this.#settle(k, thread);
    }
    return t;
  }

  #ensureHostProcess(): void {
    if (this.#hostProcess) return;
    this.#hostProcess = true;
    this.writer.push({
      name: "process_name",
      ph: "M",
      pid: this.hostPid,
      args: { name: `host threads · ${this.path}` },
    });
    this.writer.push({
      name: "process_sort_index",
      ph: "M",
      pid: this.hostPid,
      args: { sort_index: this.hostPid },
    });
  }

  #host(o: EventOrigin): Track {
    let t = this.#hosts.get(o.pid);
    if (t === undefined) {
      const pid = this.#process(o.pid);
      t = { pid, tid: o.pid };
      this.#hosts.set(o.pid, t);
      this.writer.push({
        name: "thread_name",
        ph: "M",
        pid: t.pid,
        tid: t.tid,
        args: { name: who(o) },
      });
      this.#schedTrack(pid, o.pid, who(o), 1000 + this.#hosts.size * 2);
    }
    return t;
  }

  #slice(t: Track, open: OpenSlice, end: bigint): void {
    const w = this.window();
    const start = w.from !== undefined && w.from > open.start ? w.from : open.start;
    const stop = w.until !== undefined && w.until < end ? w.until : end;
    if (stop < start) return;
    const o = open.cause.origin;
    this.#push(t, {
      name: open.state,
      cat: "mode",
      ph: "X",
      ts: start,
      dur: stop - start,
      pid: t.pid,
      tid: t.tid,
      args: { since: `${o.line}: ${o.name}: ${o.fields}`, by: who(o) },
    });
  }

  #state(vm: string, vcpu: number, state: TrackState, ts: bigint, cause: ModelEvent): void {
    const t = this.#vcpu(vm, vcpu);
    const k = `${vm}\u0000${vcpu}`;
    const open = this.#open.get(k);
    if (open !== undefined) this.#slice(t, open, ts);
    this.#open.set(k, { state, start: ts, cause });
  }

  #made(item: MadeItem): void {
    const o = item.ev.origin;
    const w = this.window();
    const targets = item.targets.filter((x) => vcpuInWindow(w, x.vcpu));
    if (targets.length === 0) return;
    const t = item.byVcpu !== undefined ? this.#vcpu(item.vm, item.byVcpu) : this.#host(o);
    for (const target of targets) this.#vcpu(item.vm, target.vcpu);
    const name = requestName(item.request);
    this.#push(t, {
      name: `${item.allCpus ? "make_all_cpus" : "make"} ${name}`,
      cat: "request",
      ph: "X",
      ts: o.ts,
      dur: 0n,
      pid: t.pid,
      tid: t.tid,
      args: {
        ...requestArgs(item.request),
        targets: targets.map((x) => x.vcpu).join(","),
        alreadyPending: targets.filter((x) => !x.fresh).map((x) => x.vcpu).join(","),
        by: who(o),
        site: item.site ?? null,
        line: o.line,
      },
    });
    if (item.request.nr === undefined) return;
    for (const target of targets) {
      if (!target.fresh) continue;
      const k = `${item.vm}\u0000${target.vcpu}\u0000${item.request.nr}`;
      this.#flows.set(k, { track: t, ts: o.ts, seq: item.ev.seq });
    }
  }

  #served(item: ServedItem): void {
    const o = item.ev.origin;
    const t = this.#vcpu(item.vm, item.vcpu);
    const k = `${item.vm}\u0000${item.vcpu}\u0000${item.request.nr}`;
    const start = this.#flows.get(k);
    const made = item.made;
    const flow = start !== undefined && made !== undefined && start.seq === made.made.seq
      ? this.writer.flowId()
      : undefined;
    if (start !== undefined) this.#flows.delete(k);
    if (flow !== undefined) {
      this.#push(start!.track, {
        name: "request",
        cat: "request",
        ph: "s",
        ts: start!.ts,
        pid: start!.track.pid,
        tid: start!.track.tid,
        id: flow,
      });
    }
    this.#push(t, {
      name: `serve ${requestName(item.request)}`,
      cat: "request",
      ph: "X",
      ts: o.ts,
      dur: 0n,
      pid: t.pid,
      tid: t.tid,
      args: {
        ...requestArgs(item.request),
        madeBy: made === undefined ? null : who(made.made.origin),
        madeAtLine: made === undefined ? null : made.made.origin.line,
        latencyNs: made === undefined ? null : (o.ts - made.made.origin.ts).toString(),
        line: o.line,
        event: `${o.name}: ${o.fields}`,
      },
    });
    if (flow !== undefined) {
      this.#push(t, {
        name: "request",
        cat: "request",
        ph: "f",
        bp: "e",
        ts: o.ts,
        pid: t.pid,
        tid: t.tid,
        id: flow,
      });
    }
  }

  #kick(item: KickItem): void {
    const o = item.ev.origin;
    const args = {
      action: item.action,
      site: item.site ?? null,
      mode: item.observed ?? null,
      cpu: item.cpu ?? null,
      by: who(o),
      allCpus: item.allCpus,
      line: o.line,
    };
    const cat = item.action === "ipi" ? "kick,ipi" : "kick";
    if (item.vcpu === undefined) {
      this.writer.push({
        name: `kick ${item.action} (vCPU unknown)`,
        cat,
        ph: "i",
        s: "p",
        ts: o.ts,
        pid: this.#vm(item.vm),
        args,
      });
      return;
    }
    const t = this.#vcpu(item.vm, item.vcpu);
    this.#push(t, {
      name: `kick ${item.action}`,
      cat,
      ph: "i",
      s: "t",
      ts: o.ts,
      pid: t.pid,
      tid: t.tid,
      args,
    });
    // A host thread's kick is on its own track too, beside its scheduling.
    if (!this.#isVcpuThread(o.pid)) {
      const h = this.#host(o);
      this.writer.push({
        name: `kick ${item.action} vCPU ${item.vcpu}`,
        cat,
        ph: "i",
        s: "t",
        ts: o.ts,
        pid: h.pid,
        tid: h.tid,
        args,
      });
    }
  }

  /** Whether thread `tid` is a vCPU's, as far as the trace has told. */
  #isVcpuThread(tid: number): boolean {
    for (const [t, key] of this.#vcpuKeys) {
      if (t.held === undefined && t.tid === tid) return true;
      if (this.threadOf(key.vm, key.vcpu)?.tid === tid) return true;
    }
    return false;
  }
}
