/**
 * Collects what the report page shows about one input while it is linted:
 * per-vCPU state changes, point events and requests in compact columns, then
 * (once the input is read) applies the page budget and builds its
 * {@link FileData} and findings.
 *
 * @module
 */

import {
  findingInWindow,
  isWholeTrace,
  type TraceWindow,
  vcpuInWindow,
  WHOLE_TRACE,
} from "../../analysis/trace_window.ts";
import type { VcpuStats } from "../../analysis/vcpu_stats.ts";
import type { ThreadIdentity } from "../../events/identity.ts";
import type { TimeUnit, TraceRecord } from "../../events/types.ts";
import { formatTimestamp } from "../../ingest/timestamp.ts";
import type { EventOrigin, ModelEvent } from "../../events/model_event.ts";
import type { ResolvedRequest } from "../../model/request_ref.ts";
import { describeNeeds } from "../../check/coverage.ts";
import type { Finding } from "../../rules/finding.ts";
import type { LintResult } from "../../check/lint_input.ts";
import { evidenceText, stackBelowTracing } from "../evidence.ts";
import {
  bucketCount,
  chooseWindows,
  clipRow,
  clipStates,
  encodeIntervals,
  encodeRow,
  type Limits,
  MAX_FINDING_WINDOWS,
  type SortedRow,
  summarize,
} from "./budget.ts";
import { type ContextLine, HostContext } from "./host_context.ts";
import type { EvidenceData, FileData, FindingData, RowData } from "./report_model.ts";
import { TimeSeries } from "./series.ts";
import { NO_STATS, statsData } from "./stats_data.ts";
import { type TimelineItem, TRACK_STATES } from "../../analysis/timeline_scan.ts";

/** Most distinct labels per input (later ones share a generic label). */
export const MAX_LABELS = 20_000;

/** Most evidence lines kept per finding. */
export const MAX_EVIDENCE = 20;

/** Most stack frames kept per evidence line. */
export const MAX_FRAMES = 24;

const KIND = {
  ipi: 0,
  wake: 1,
  none: 2,
  self: 3,
  ack: 4,
  posted: 5,
  unfresh: 6,
  unmade: 7,
  exit: 8,
} as const;

interface Row {
  readonly kind: "vcpu" | "thread";
  readonly vm: string;
  readonly vcpu: number;
  thread: string;
  pid: number | undefined;
  readonly states: TimeSeries;
  readonly points: TimeSeries;
  readonly requests: TimeSeries;
  /** Request latencies, parallel to `requests` (−1: never served). */
  readonly latencies: number[];
}

interface Pending {
  readonly t: number;
  readonly label: number;
  readonly seq: number;
}

const OWN_EVENTS = new Set(["mode", "request_pending", "block", "entry", "sync_pir"]);

function who(o: EventOrigin): string {
  return `${o.comm}-${o.pid}`;
}

function requestName(r: ResolvedRequest): string {
  return r.name ?? r.text;
}

function at(site: string | undefined): string {
  return site === undefined ? "" : ` at ${site}`;
}

/** A kick or request by a thread, to draw on that thread's row if it is no vCPU's. */
interface ActorPoint {
  readonly t: number;
  readonly kind: number;
  readonly label: number;
}

/** The page data of one input, gathered while it is read. */
export class FileCollector {
  readonly #rows = new Map<string, Row>();
  readonly #labels = new Map<string, number>();
  readonly #labelList: string[] = [];
  readonly #pending = new Map<string, Pending>();
  /** Kicks and requests by each thread, with its name. */
  readonly #actors = new Map<number, { comm: string; points: ActorPoint[] }>();
  #origin: bigint | undefined;
  /** Scheduling, context and the whole time span. */
  readonly host: HostContext;

  /**
   * Collects the report data of input `path`.
   *
   * @param path the input
   * @param unit its time unit, once known
   */
  constructor(readonly path: string, unit: () => TimeUnit = () => "ns") {
    this.host = new HostContext(unit, (ts) => this.#rel(ts));
  }

  /** Sees every record read (before it is normalized): the time origin and the host context. */
  record(r: TraceRecord): void {
    if (r.type === "event" && r.ts >= 0n) this.#origin ??= r.ts;
    this.host.record(r);
  }

  /** Sees every model event (before its items): vCPU thread names. */
  advance(ev: ModelEvent): void {
    const ts = ev.origin.ts;
    if (ts >= 0n) this.#origin ??= ts;
    const b = ev.body;
    if (OWN_EVENTS.has(b.kind) && "vcpu" in b && b.vcpu !== undefined) {
      const row = this.#row(b.vm, b.vcpu);
      if (row.thread === "") {
        row.thread = who(ev.origin);
        row.pid = ev.origin.pid;
      }
    }
  }

  /** Notes a kick or request by `o`'s thread (drawn on its row when it is no vCPU's). */
  #actor(o: EventOrigin, kind: number, label: number): void {
    let a = this.#actors.get(o.pid);
    if (a === undefined) {
      a = { comm: o.comm, points: [] };
      this.#actors.set(o.pid, a);
    }
    a.points.push({ t: this.#rel(o.ts), kind, label });
  }

  /** Adds one timeline item. */
  item(item: TimelineItem): void {
    switch (item.kind) {
      case "state": {
        const row = this.#row(item.vm, item.vcpu);
        row.states.push(this.#rel(item.ts), TRACK_STATES.indexOf(item.state));
        const b = item.ev.body;
        if (b.kind === "exit") {
          const label = `kvm_exit${b.reason === undefined ? "" : ` ${b.reason}`} by ${
            who(item.ev.origin)
          }`;
          row.points.push(this.#rel(item.ts), KIND.exit, this.#label(label));
        }
        return;
      }
      case "made":
        return this.#made(item.vm, item.ev, item.request, item.targets, item.allCpus, item.site);
      case "served": {
        const t = this.#rel(item.ev.origin.ts);
        const row = this.#row(item.vm, item.vcpu);
        if (item.made === undefined) {
          const label = `${requestName(item.request)} consumed by ${
            who(item.ev.origin)
          } but never made`;
          row.points.push(t, KIND.unmade, this.#label(label));
          return;
        }
        const k = `${item.vm}\u0000${item.vcpu}\u0000${item.request.nr}`;
        const p = this.#pending.get(k);
        this.#pending.delete(k);
        const madeT = p !== undefined && p.seq === item.made.made.seq
          ? p.t
          : this.#rel(item.made.made.origin.ts);
        const label = p?.label ??
          this.#label(`${requestName(item.request)} by ${who(item.made.made.origin)}`);
        row.requests.push(madeT, label);
        row.latencies.push(t - madeT);
        return;
      }
      case "kick": {
        if (item.vcpu === undefined) return;
        const o = item.ev.origin;
        const label = `kick ${item.action}${
          item.observed === undefined ? "" : ` (saw ${item.observed})`
        } by ${who(o)}${item.cpu === undefined ? "" : ` → CPU ${item.cpu}`}${at(item.site)}${
          item.allCpus ? " [kvm_make_all_cpus_request]" : ""
        }`;
        const l = this.#label(label);
        this.#row(item.vm, item.vcpu).points.push(this.#rel(o.ts), KIND[item.action], l);
        this.#actor(o, KIND[item.action], l);
        return;
      }
      case "ipi_ack":
      case "posted": {
        const o = item.ev.origin;
        const label = item.kind === "ipi_ack"
          ? `IPI ack by ${who(o)} on CPU ${o.cpu}`
          : `posted interrupt by ${who(o)}: ${o.fields}`;
        this.#row(item.vm, item.vcpu).points.push(
          this.#rel(o.ts),
          item.kind === "ipi_ack" ? KIND.ack : KIND.posted,
          this.#label(label),
        );
        return;
      }
      case "lost":
        return;
    }
  }

  #made(
    vm: string,
    ev: ModelEvent,
    request: ResolvedRequest,
    targets: readonly { vcpu: number; fresh: boolean }[],
    allCpus: boolean,
    site: string | undefined,
  ): void {
    const t = this.#rel(ev.origin.ts);
    const name = `${allCpus ? "kvm_make_all_cpus_request " : ""}${requestName(request)}`;
    const label = this.#label(`${name} by ${who(ev.origin)}${at(site)}`);
    this.#actor(ev.origin, KIND.unfresh, label);
    for (const target of targets) {
      const row = this.#row(vm, target.vcpu);
      if (!target.fresh || request.nr === undefined) {
        const why = request.noAction ? "NO_ACTION: no bit set" : "bit already pending";
        row.points.push(t, KIND.unfresh, this.#label(`${name} by ${who(ev.origin)} (${why})`));
        continue;
      }
      this.#pending.set(`${vm}\u0000${target.vcpu}\u0000${request.nr}`, {
        t,
        label,
        seq: ev.seq,
      });
    }
  }

  #rel(ts: bigint): number {
    if (ts < 0n) return 0;
    this.#origin ??= ts;
    return Number(ts - this.#origin);
  }

  #row(vm: string, vcpu: number, kind: Row["kind"] = "vcpu", pid?: number): Row {
    const k = kind === "vcpu" ? `${vm}\u0000${vcpu}` : `thread\u0000${pid}`;
    let r = this.#rows.get(k);
    if (r === undefined) {
      r = {
        kind,
        vm,
        vcpu,
        thread: "",
        pid,
        states: new TimeSeries(),
        points: new TimeSeries(),
        requests: new TimeSeries(),
        latencies: [],
      };
      this.#rows.set(k, r);
    }
    return r;
  }

  #label(text: string): number {
    let i = this.#labels.get(text);
    if (i !== undefined) return i;
    if (this.#labelList.length >= MAX_LABELS) {
      return this.#label("(more labels than the page keeps)");
    }
    i = this.#labelList.length;
    this.#labelList.push(text);
    this.#labels.set(text, i);
    return i;
  }

  /**
   * Builds the page data once the input is read: `result` is lint's, `stats`
   * analyze's; `fileIndex` is this input's place in the report; `limits` its
   * share of the budget; `listed` how many of its findings the page lists;
   * `threads` the threads identified as vCPUs.
   */
  finish(
    result: LintResult,
    stats: readonly VcpuStats[],
    fileIndex: number,
    limits: Limits,
    listed: number,
    threads: Iterable<[number, ThreadIdentity]> = [],
    window: TraceWindow = WHOLE_TRACE,
    windowText = "",
  ): { file: FileData; findings: FindingData[] } {
    for (const v of result.checker.model.allVcpus()) this.#row(v.vm, v.vcpu);
    const vcpuPids = new Set<number>();
    for (const [pid, t] of threads) {
      vcpuPids.add(pid);
      const row = this.#row("0", t.vcpu);
      if (row.pid === undefined) {
        row.pid = pid;
        row.thread = `${this.host.thread(pid)?.comm || `CPU ${t.vcpu}/KVM`}-${pid}`;
      }
    }
    for (const r of this.#rows.values()) if (r.pid !== undefined) vcpuPids.add(r.pid);
    for (const [pid, a] of this.#actors) {
      if (vcpuPids.has(pid)) continue;
      const row = this.#row("0", -1, "thread", pid);
      row.thread = `${a.comm}-${pid}`;
      for (const p of a.points) row.points.push(p.t, p.kind, p.label);
    }
    // A time window makes the page the window: its start is time 0, its
    // length the span; what lies outside is left out (it was replayed).
    const traceFirst = this.host.first;
    const traceLast = this.host.last;
    const first = window.from !== undefined && traceFirst !== undefined && window.from > traceFirst
      ? window.from
      : traceFirst;
    const last = window.until !== undefined && traceLast !== undefined && window.until < traceLast
      ? window.until
      : traceLast;
    const shift = first === undefined || this.#origin === undefined || first === traceFirst
      ? 0
      : Number(first - this.#origin);
    if (shift !== 0) this.#origin = first;
    const end = last === undefined || this.#origin === undefined || last < this.#origin
      ? 0
      : Number(last - this.#origin);
    for (const [k, p] of this.#pending) {
      const [vm, vcpu] = k.split("\u0000");
      const row = this.#row(vm, Number(vcpu));
      row.requests.push(p.t, p.label);
      row.latencies.push(-1);
    }
    this.#pending.clear();
    const timed = shift !== 0 || window.until !== undefined;
    const all = [...this.#rows.values()]
      .filter((r) => r.kind === "thread" || vcpuInWindow(window, r.vcpu))
      .sort((a, b) =>
        (a.kind === b.kind ? 0 : a.kind === "vcpu" ? -1 : 1) || a.vm.localeCompare(b.vm) ||
        a.vcpu - b.vcpu || (a.pid ?? 0) - (b.pid ?? 0)
      );
    const clipped = all.map((r) => (timed ? clipRow(sortRow(r), shift, end) : sortRow(r)));
    // A host thread's row stays when it did something inside the window.
    const keep = all.map((r, i) => r.kind === "vcpu" || clipped[i].pt.length > 0);
    const rows = all.filter((_, i) => keep[i]);
    const sorted = clipped.filter((_, i) => keep[i]);
    const shown = isWholeTrace(window)
      ? result.findings
      : result.findings.filter((f) => findingInWindow(f, window));
    const findings = this.#findings(shown.slice(0, listed), result, rows, fileIndex);
    const spans = shown.slice(0, MAX_FINDING_WINDOWS).map((f) => {
      const ts = [f.at, ...f.evidence].filter((e) => e.ts >= 0n).map((e) => this.#rel(e.ts));
      return [Math.min(...ts), Math.max(...ts)] as const;
    }).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    const start = Math.min(0, ...sorted.map((r) => (r.st.length > 0 ? r.st[0] : 0)));
    const tracks = rows.map((r) => {
      const t = r.pid === undefined ? undefined : this.host.thread(r.pid);
      if (t === undefined) return { st: new Float64Array(0), sc: new Uint8Array(0) };
      const order = t.states.order();
      const ts = t.states.t.view();
      const code = t.states.a.view();
      const st = Float64Array.from(order, (i) => ts[i]);
      const sc = Uint8Array.from(order, (i) => code[i]);
      return timed ? clipStates(st, sc, shift, end) : { st, sc };
    });
    // Threads' scheduling counts against the interval budget like modes do.
    const none = { pt: new Float64Array(0), pk: new Uint8Array(0), pl: new Uint32Array(0) };
    const costed: SortedRow[] = [
      ...sorted,
      ...tracks.map((t) => ({ ...t, ...none, rq: none.pt, rl: none.pt, rb: none.pl })),
    ];
    const sel = chooseWindows(costed, spans, start, end, limits);
    const buckets = sel.exact ? 0 : bucketCount(rows.length);
    const byVcpu = new Map(stats.map((s) => [`${s.vm}\u0000${s.vcpu}`, s]));
    let kept = { intervals: 0, points: 0, requests: 0 };
    const rowData: RowData[] = rows.map((row, i) => {
      const enc = encodeRow(sorted[i], sel, end);
      kept = {
        intervals: kept.intervals + enc.iv.length / 3,
        points: kept.points + enc.pt.length / 3,
        requests: kept.requests + enc.rq.length / 3,
      };
      const summary = sel.exact
        ? { sum: "", psum: [] }
        : summarize(sorted[i], end, buckets, TRACK_STATES.length);
      const s = row.kind === "vcpu" ? byVcpu.get(`${row.vm}\u0000${row.vcpu}`) : undefined;
      return {
        kind: row.kind,
        vm: row.vm,
        vcpu: row.vcpu,
        thread: row.thread,
        pid: row.pid ?? null,
        ...enc,
        th: encodeIntervals(tracks[i].st, tracks[i].sc, sel, end),
        ...summary,
        stats: s === undefined ? NO_STATS : statsData(s),
      };
    });
    const total = (pick: (r: SortedRow) => number) => sorted.reduce((n, r) => n + pick(r), 0);
    const unit = result.timeUnit;
    const file: FileData = {
      path: this.path,
      format: result.stats.format ?? null,
      timeUnit: unit,
      origin: (this.#origin ?? 0n).toString(),
      firstTs: first === undefined ? "-" : formatTimestamp(first, unit),
      lastTs: last === undefined ? "-" : formatTimestamp(last, unit),
      span: end,
      events: result.stats.events,
      lines: result.stats.lines,
      skippedLines: result.stats.skippedLines,
      lostEvents: [...result.stats.lostByCpu.values()].reduce((a, b) => a + b, 0),
      undecoded: result.decodeProblemCount,
      unidentifiedKicks: result.unidentifiedKicks,
      findings: shown.length,
      severities: {
        error: shown.filter((f) => f.severity === "error").length,
        warning: shown.filter((f) => f.severity === "warning").length,
        info: shown.filter((f) => f.severity === "info").length,
      },
      window: windowText === ""
        ? null
        : { text: windowText, findingsInInput: result.findings.length },
      coverage: {
        checked: result.coverage.checked.map((c) => ({ id: c.id, using: c.using.join(" + ") })),
        notChecked: result.coverage.notChecked.map((n) => ({
          id: n.id,
          needs: describeNeeds(n.needs),
        })),
      },
      decimation: {
        exact: sel.exact,
        windows: sel.windows.flat(),
        intervals: { total: total((r) => r.st.length), kept: kept.intervals },
        points: { total: total((r) => r.pt.length), kept: kept.points },
        requests: { total: total((r) => r.rq.length), kept: kept.requests },
        buckets,
        findingWindows: sel.findingWindows,
      },
      labels: this.#labelList,
      rows: rowData,
    };
    return { file, findings };
  }

  #findings(
    list: readonly Finding[],
    result: LintResult,
    rows: readonly Row[],
    fileIndex: number,
  ): FindingData[] {
    const index = new Map(
      rows.flatMap((r, i) => (r.kind === "vcpu" ? [[`${r.vm}\u0000${r.vcpu}`, i] as const] : [])),
    );
    const unit = result.timeUnit;
    const context = (c: readonly ContextLine[]): EvidenceData[] =>
      c.map((e) => ({ line: e.line, text: e.text, t: this.#rel(e.ts) }));
    return list.map((f) => {
      const evidence: EvidenceData[] = f.evidence.slice(0, MAX_EVIDENCE).map((e) => ({
        line: e.line,
        text: evidenceText(e, unit),
        t: e.ts < 0n ? null : this.#rel(e.ts),
        ...(e.stack === undefined
          ? {}
          : { stack: stackBelowTracing(e.stack).slice(0, MAX_FRAMES) }),
      }));
      const around = this.host.contextOf(f);
      return {
        file: fileIndex,
        rule: f.ruleId,
        severity: f.severity,
        seeds: f.seedSections,
        vm: f.vm,
        vcpu: f.vcpu ?? null,
        row: f.vcpu === undefined ? -1 : index.get(`${f.vm}\u0000${f.vcpu}`) ?? -1,
        line: f.at.line,
        t: f.at.ts < 0n ? (evidence.find((e) => e.t !== null)?.t ?? 0) : this.#rel(f.at.ts),
        ts: f.at.ts < 0n ? "-" : formatTimestamp(f.at.ts, result.timeUnit),
        message: f.message,
        evidence,
        moreEvidence: Math.max(0, f.evidence.length - MAX_EVIDENCE),
        confidence: f.confidence,
        note: f.confidenceNote ?? null,
        context: { before: context(around.before), after: context(around.after) },
      };
    });
  }
}

function sortRow(r: Row): SortedRow {
  const so = r.states.order();
  const po = r.points.order();
  const ro = r.requests.order();
  const st = r.states.t.view();
  const sa = r.states.a.view();
  const pt = r.points.t.view();
  const pa = r.points.a.view();
  const pb = r.points.b.view();
  const rt = r.requests.t.view();
  const ra = r.requests.a.view();
  return {
    st: Float64Array.from(so, (i) => st[i]),
    sc: Uint8Array.from(so, (i) => sa[i]),
    pt: Float64Array.from(po, (i) => pt[i]),
    pk: Uint8Array.from(po, (i) => pa[i]),
    pl: Uint32Array.from(po, (i) => pb[i]),
    rq: Float64Array.from(ro, (i) => rt[i]),
    rl: Float64Array.from(ro, (i) => r.latencies[i]),
    rb: Uint32Array.from(ro, (i) => ra[i]),
  };
}
