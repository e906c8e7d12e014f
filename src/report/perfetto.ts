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
 * Track ids are synthetic and above Linux's `pid_max` (2^22), so they never
 * clash with the real thread ids shown in names and args.
 *
 * @module
 */

import type { TextSink } from "../cli/output.ts";
import type { TimeUnit } from "../events/types.ts";
import type { EventOrigin, ModelEvent } from "../model/model_event.ts";
import type { ResolvedRequest } from "../model/request_ref.ts";
import type { Finding } from "../rules/finding.ts";
import { evidenceText } from "./evidence.ts";
import type {
  KickItem,
  MadeItem,
  ServedItem,
  TimelineItem,
  TrackState,
} from "./html/timeline_scan.ts";

/** First synthetic pid of VM processes. */
export const VM_PID_BASE = 5_000_000;
/** First synthetic tid of vCPU tracks. */
export const VCPU_TID_BASE = 6_000_000;
/** First synthetic pid of the per-input "host threads" processes. */
export const HOST_PID_BASE = 7_000_000;
/** First synthetic tid of host-thread tracks. */
export const HOST_TID_BASE = 8_000_000;

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

/** One trace event, before serialization. */
interface TraceEventFields {
  readonly name: string;
  readonly ph: "X" | "i" | "s" | "f" | "M";
  readonly cat?: string;
  readonly ts?: bigint;
  readonly dur?: bigint;
  readonly pid: number;
  readonly tid?: number;
  /** Instant scope (`t`, `p`, `g`). */
  readonly s?: "t" | "p" | "g";
  /** Flow id. */
  readonly id?: number;
  /** Flow binding point. */
  readonly bp?: "e";
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
  #nextFlow = 1;

  /** @param sink where the JSON goes */
  constructor(readonly sink: TextSink) {}

  /** Trace events written so far. */
  get events(): number {
    return this.#events;
  }

  /** Writes the document's opening. */
  async begin(): Promise<void> {
    await this.sink.write('{"displayTimeUnit":"ns","traceEvents":[\n');
  }

  /** Starts the events of one input. */
  input(path: string, unit: () => TimeUnit): PerfettoInput {
    return new PerfettoInput(this, path, HOST_PID_BASE + this.#inputs++, unit);
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

  /** A new flow id. */
  flowId(): number {
    return this.#nextFlow++;
  }
}

interface Track {
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

/** The events of one input: its VM processes, vCPU and host-thread tracks. */
export class PerfettoInput {
  readonly #vms = new Map<string, number>();
  readonly #vcpus = new Map<string, Track>();
  readonly #hosts = new Map<number, Track>();
  readonly #open = new Map<string, OpenSlice>();
  readonly #flows = new Map<string, FlowStart>();
  #hostProcess = false;
  #lastTs = 0n;

  /**
   * @param writer the document
   * @param path input name (shown in process names)
   * @param hostPid pid of this input's host-threads process
   * @param unit the input's time unit, once known
   */
  constructor(
    readonly writer: PerfettoWriter,
    readonly path: string,
    readonly hostPid: number,
    readonly unit: () => TimeUnit,
  ) {}

  /** Notes the time of an event (open slices end at the last one). */
  advance(ts: bigint): void {
    if (ts > this.#lastTs) this.#lastTs = ts;
  }

  /** Adds one timeline item. */
  item(item: TimelineItem): void {
    this.advance(item.ev.origin.ts);
    switch (item.kind) {
      case "state":
        return this.#state(item.vm, item.vcpu, item.state, item.ts, item.ev);
      case "made":
        return this.#made(item);
      case "served":
        return this.#served(item);
      case "kick":
        return this.#kick(item);
      case "ipi_ack":
      case "posted": {
        const t = this.#vcpu(item.vm, item.vcpu);
        const o = item.ev.origin;
        this.writer.push({
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
    const ts = f.at.ts < 0n ? this.#lastTs : f.at.ts;
    const args = {
      rule: f.ruleId,
      severity: f.severity,
      message: f.message,
      seedSection: f.seedSection,
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
    this.writer.push({
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

  /** Ends every open mode slice at the input's last timestamp. */
  finish(): void {
    for (const [k, open] of this.#open) {
      const t = this.#vcpus.get(k)!;
      this.#slice(t, open, this.#lastTs);
    }
    this.#open.clear();
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

  #vcpu(vm: string, vcpu: number): Track {
    const k = `${vm}\u0000${vcpu}`;
    let t = this.#vcpus.get(k);
    if (t === undefined) {
      t = { pid: this.#vm(vm), tid: this.writer.vcpuTid() };
      this.#vcpus.set(k, t);
      this.writer.push({
        name: "thread_name",
        ph: "M",
        pid: t.pid,
        tid: t.tid,
        args: { name: `vCPU ${vcpu}` },
      });
      this.writer.push({
        name: "thread_sort_index",
        ph: "M",
        pid: t.pid,
        tid: t.tid,
        args: { sort_index: vcpu },
      });
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
      this.#ensureHostProcess();
      t = { pid: this.hostPid, tid: this.writer.hostTid() };
      this.#hosts.set(o.pid, t);
      this.writer.push({
        name: "thread_name",
        ph: "M",
        pid: t.pid,
        tid: t.tid,
        args: { name: who(o) },
      });
    }
    return t;
  }

  #slice(t: Track, open: OpenSlice, end: bigint): void {
    const o = open.cause.origin;
    this.writer.push({
      name: open.state,
      cat: "mode",
      ph: "X",
      ts: open.start,
      dur: end > open.start ? end - open.start : 0n,
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
    const t = item.byVcpu !== undefined ? this.#vcpu(item.vm, item.byVcpu) : this.#host(o);
    for (const target of item.targets) this.#vcpu(item.vm, target.vcpu);
    const name = requestName(item.request);
    this.writer.push({
      name: `${item.allCpus ? "make_all_cpus" : "make"} ${name}`,
      cat: "request",
      ph: "X",
      ts: o.ts,
      dur: 0n,
      pid: t.pid,
      tid: t.tid,
      args: {
        ...requestArgs(item.request),
        targets: item.targets.map((x) => x.vcpu).join(","),
        alreadyPending: item.targets.filter((x) => !x.fresh).map((x) => x.vcpu).join(","),
        by: who(o),
        site: item.site ?? null,
        line: o.line,
      },
    });
    if (item.request.nr === undefined) return;
    for (const target of item.targets) {
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
      this.writer.push({
        name: "request",
        cat: "request",
        ph: "s",
        ts: start!.ts,
        pid: start!.track.pid,
        tid: start!.track.tid,
        id: flow,
      });
    }
    this.writer.push({
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
      this.writer.push({
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
    this.writer.push({
      name: `kick ${item.action}`,
      cat,
      ph: "i",
      s: "t",
      ts: o.ts,
      pid: t.pid,
      tid: t.tid,
      args,
    });
  }
}
