/**
 * Turns decoded records into the normalized records, in merged order:
 * events (with `line` = 1-based ordinal of the record in output order),
 * lost-events markers before the first record after a drop, and
 * `kernel_stack` frames attached to the event before them on the same CPU
 * when it has the same pid — the way the text reader attaches
 * `trace-cmd report`'s `<stack trace >` blocks.
 *
 * @module
 */

import type { TraceEvent, TraceRecord } from "../../events/types.ts";
import type { BuilderOptions } from "../record_builder.ts";
import { addCount, type ReadStats } from "../read_stats.ts";
import { type CpuStream, Step } from "./cpu_stream.ts";
import { DatFormatError } from "./dat_error.ts";
import type { DatStats } from "./dat_stats.ts";
import { before } from "./merge_heap.ts";
import { STACK_HEADER } from "./plugin_ftrace.ts";
import type { EventEntry, RecordDecoder } from "./record_decoder.ts";
import type { RecordView } from "./record_view.ts";

const U64 = (1n << 64n) - 1n;
const FILTERED = "filtered";

/** Filter decisions per event id (see `RecordEmitter#keep`). */
const KEEP = 1;
const DROP = -1;
const COUNT_ONLY = -2;

/** Timestamp corrections applied to every record. */
export interface TimeFix {
  /** TSC → ns multiplier and shift, when recorded. */
  readonly tsc?: { readonly mult: bigint; readonly shift: bigint };
  /** Offset added (DATE / OFFSET options). */
  readonly offset: bigint;
}

/** Applies {@link TimeFix} to a raw timestamp, as trace-cmd's `timestamp_calc`. */
export function fixTime(ts: bigint, fix: TimeFix): bigint {
  let t = ts;
  if (fix.tsc) {
    const lo = t & 0xffffffffn;
    const hi = t >> 32n;
    let r = (lo * fix.tsc.mult) >> fix.tsc.shift;
    if (hi) r += (hi * fix.tsc.mult) << (32n - fix.tsc.shift);
    t = r & U64;
  }
  return fix.offset ? (t + fix.offset) & U64 : t;
}

/** Options of the emitter. */
export interface EmitOptions extends BuilderOptions {
  /** Fill {@link TraceEvent.flags} with the latency column. */
  readonly flags: boolean;
}

/** Builds output records from decoded ones; one instance per read. */
export class RecordEmitter {
  readonly #dec: RecordDecoder;
  readonly #stats: ReadStats;
  readonly #dat: DatStats;
  readonly #opts: EmitOptions;
  readonly #fix: TimeFix;
  readonly #last: (TraceEvent | typeof FILTERED | undefined)[] = [];
  readonly #r: RecordView;
  /**
   * Per event id: {@link KEEP} kept, {@link DROP} filtered out,
   * {@link COUNT_ONLY} filtered out and of a plain kind (its records are only
   * counted: {@link skipCounted} takes them), 0 not asked yet.
   */
  readonly #keep = new Int8Array(1 << 16);
  /** Per event id: events counted since the last {@link flushCounts}. */
  readonly #pending = new Float64Array(1 << 16);
  /** Ids with a non-zero {@link #pending} count. */
  readonly #touched: number[] = [];
  /** Per CPU stream order: events counted since the last flush. */
  readonly #pendingCpu: number[] = [];
  /** {@link RecordDecoder.typeOffset16}. */
  readonly #typeAt: number;
  readonly #le: boolean;
  #line = 0;
  #lastTs = -1;

  /**
   * Emits the records of one buffer as trace records.
   *
   * @param dec record decoder
   * @param stats common counters
   * @param dat trace.dat counters
   * @param opts filter and flag options
   * @param fix timestamp corrections
   * @param bigEndian byte order of the file
   */
  constructor(
    dec: RecordDecoder,
    stats: ReadStats,
    dat: DatStats,
    opts: EmitOptions,
    fix: TimeFix,
    bigEndian: boolean,
  ) {
    this.#dec = dec;
    this.#stats = stats;
    this.#dat = dat;
    this.#opts = opts;
    this.#fix = fix;
    this.#typeAt = dec.typeOffset16;
    this.#le = !bigEndian;
    this.#r = {
      bytes: new Uint8Array(0),
      view: new DataView(new ArrayBuffer(0)),
      base: 0,
      size: 0,
      bigEndian,
    };
  }

  #view(s: CpuStream): RecordView {
    const r = this.#r;
    r.bytes = s.bytes;
    r.view = s.view;
    r.base = s.dataAt;
    r.size = s.dataLen;
    return r;
  }

  #lost(s: CpuStream, out: TraceRecord[]): void {
    const stats = this.#stats;
    stats.lines++;
    stats.markerLines++;
    if (s.lost > 0) addCount(stats.lostByCpu, s.cpu, s.lost);
    else addCount(stats.lostMarkersWithoutCount, s.cpu);
    out.push({ type: "lost", line: ++this.#line, cpu: s.cpu, count: s.lost > 0 ? s.lost : null });
  }

  /** The event id of the current record of `s`. */
  #idOf(s: CpuStream): number {
    const at = this.#typeAt;
    if (at >= 0 && at + 2 <= s.dataLen) return s.view.getUint16(s.dataAt + at, this.#le);
    return this.#dec.eventId(this.#view(s));
  }

  /** Emits the current record of `s`; returns its entry when it was an event (kept or not). */
  record(s: CpuStream, out: TraceRecord[]): EventEntry | undefined {
    this.#dat.records++;
    if (s.lost !== 0) this.#lost(s, out);
    const id = this.#idOf(s);
    const e = this.#dec.entry(id);
    if (e === undefined) {
      if (this.#opts.strict) {
        const at = s.fileOffset(s.dataAt);
        throw new DatFormatError(
          this.#stats.file,
          "flyrecord page",
          at,
          `record of unknown event id ${id} in`,
          s.cpu,
        );
      }
      this.#dat.unknownEventRecords++;
      addCount(this.#dat.unknownEventIds, id);
      this.#last[s.order] = undefined;
      return undefined;
    }
    if (e.kind === "kernel_stack") {
      this.#stack(s, e, this.#view(s), out);
      return undefined;
    }
    const name = e.format.name;
    const line = this.#countEvent(id, s);
    if (!this.#kept(id, name)) {
      if (e.kind !== "plain") this.#dec.learn(e, this.#view(s), s.cpu);
      else this.#keep[id] = COUNT_ONLY;
      this.#last[s.order] = FILTERED;
      return e;
    }
    const r = this.#view(s);
    const ts = fixTime(s.time(), this.#fix);
    const pid = this.#dec.pid(r);
    const comm = this.#dec.comms.comm(pid); // before the text: plugins may learn this pid's name
    const ev: TraceEvent = {
      type: "event",
      line,
      comm,
      pid,
      tgid: undefined,
      cpu: s.cpu,
      flags: this.#opts.flags ? this.#dec.latency(r) : undefined,
      ts,
      name,
      fields: this.#fields(this.#dec.info(e, r, s.cpu)),
      stack: undefined,
    };
    const dat = this.#dat;
    if (dat.firstTs === undefined || ts < dat.firstTs) dat.firstTs = ts;
    if (dat.lastTs === undefined || ts > dat.lastTs) dat.lastTs = ts;
    this.#last[s.order] = ev;
    out.push(ev);
    return e;
  }

  /**
   * Counts the current record of `s`, an event of `id`, as a line and an
   * event (checking its time order) and gives it the next line number.
   */
  #countEvent(id: number, s: CpuStream): number {
    const stats = this.#stats;
    stats.lines++;
    stats.events++;
    this.#count(id, s);
    if (s.tsNum < this.#lastTs) {
      stats.outOfOrder++;
      if (stats.firstOutOfOrderLine === 0) stats.firstOutOfOrderLine = this.#line + 1;
    } else this.#lastTs = s.tsNum;
    return ++this.#line;
  }

  /**
   * Counts an event of `id` on the CPU of `s`. The per-name and per-CPU maps
   * are updated in bulk by {@link flushCounts}; a name or CPU seen for the
   * first time enters its map at once, so map order is first-seen order.
   */
  #count(id: number, s: CpuStream): void {
    if (this.#pending[id] === 0) {
      this.#touched.push(id);
      const name = (this.#dec.entry(id) as EventEntry).format.name;
      if (!this.#stats.eventsByName.has(name)) this.#stats.eventsByName.set(name, 0);
    }
    this.#pending[id]++;
    const n = this.#pendingCpu[s.order];
    if (n === undefined || n === 0) {
      if (!this.#stats.eventsByCpu.has(s.cpu)) this.#stats.eventsByCpu.set(s.cpu, 0);
      this.#pendingCpu[s.order] = 1;
    } else this.#pendingCpu[s.order] = n + 1;
  }

  /**
   * Moves `s` past the records that are only counted (events of a plain
   * kind the filter does not keep) for as long as they come before `bound`'s
   * current record in merged order, doing for each exactly what
   * {@link record} does for it, without the merge heap in between. Stops on
   * any other record, a lost-events mark, or a time beyond 2^53. Returns the
   * {@link Step} of `s` (RECORD: positioned on a record for the merge).
   */
  skipCounted(s: CpuStream, bound: CpuStream | undefined): number {
    const keep = this.#keep;
    const at = this.#typeAt;
    if (at < 0) return Step.RECORD;
    // Any other record (a kernel_stack included: the caller attaches or drops it) ends the run.
    for (;;) {
      if (s.lost !== 0 || s.tsBig !== undefined || at + 2 > s.dataLen) return Step.RECORD;
      if (bound !== undefined && !before(s, bound)) return Step.RECORD;
      const id = s.view.getUint16(s.dataAt + at, this.#le);
      if (keep[id] !== COUNT_ONLY) return Step.RECORD;
      this.#dat.records++;
      this.#countEvent(id, s);
      this.#last[s.order] = FILTERED;
      const st = s.step();
      if (st !== Step.RECORD) return st;
    }
  }

  /** Whether events of `id` are materialized (the filter is asked once per id). */
  #kept(id: number, name: string): boolean {
    const k = this.#keep[id];
    if (k !== 0) return k === KEEP;
    const keep = this.#opts.keepEvent;
    const yes = keep === undefined || keep(name);
    this.#keep[id] = yes ? KEEP : DROP;
    return yes;
  }

  /**
   * Moves the counts kept since the last call into the per-name and per-CPU
   * maps of the read statistics; called before every batch is handed out.
   */
  flushCounts(streams: readonly CpuStream[]): void {
    const stats = this.#stats;
    for (const id of this.#touched) {
      const name = (this.#dec.entry(id) as EventEntry).format.name;
      addCount(stats.eventsByName, name, this.#pending[id]);
      this.#pending[id] = 0;
    }
    this.#touched.length = 0;
    for (const s of streams) {
      const n = this.#pendingCpu[s.order];
      if (n) addCount(stats.eventsByCpu, s.cpu, n);
      this.#pendingCpu[s.order] = 0;
    }
  }

  /** The text as the text reader keeps it: first line, blanks trimmed (trailing CRs too). */
  #fields(info: string): string {
    let end = info.indexOf("\n");
    if (end >= 0) this.#dat.multiLineFields++;
    else end = info.length;
    let start = 0;
    while (start < end && (info.charCodeAt(start) === 32 || info.charCodeAt(start) === 9)) start++;
    while (end > start) {
      const c = info.charCodeAt(end - 1);
      if (c !== 32 && c !== 9 && c !== 13) break;
      end--;
    }
    return start === 0 && end === info.length ? info : info.slice(start, end);
  }

  /**
   * Attaches the current record of `s` when it is a kernel_stack that
   * belongs to the event just emitted from `s`; returns whether it did.
   */
  attachNext(s: CpuStream, out: TraceRecord[]): boolean {
    const id = this.#idOf(s);
    if (id !== this.#dec.kernelStackId) return false;
    const r = this.#view(s);
    const prev = this.#last[s.order];
    if (
      prev !== FILTERED &&
      (prev === undefined || prev.stack !== undefined || prev.pid !== this.#dec.pid(r))
    ) {
      return false;
    }
    const e = this.#dec.entry(id);
    if (e === undefined) return false; // a kernel_stack format that could not be read
    this.#dat.records++;
    if (s.lost !== 0) this.#lost(s, out);
    this.#stack(s, e, r, out);
    return true;
  }

  #stack(s: CpuStream, e: EventEntry, r: RecordView, out: TraceRecord[]): void {
    const stats = this.#stats;
    stats.lines++;
    stats.stackLines++;
    const prev = this.#last[s.order];
    if (prev === FILTERED) {
      this.#dat.droppedStacks++;
      return;
    }
    const pid = this.#dec.pid(r);
    const frames = this.#dec.frames(e, r, s.cpu);
    if (prev !== undefined && prev.pid === pid && prev.stack === undefined) {
      prev.stack = frames;
      this.#dat.attachedStacks++;
      return;
    }
    stats.unattachedStacks++;
    this.#last[s.order] = undefined;
    out.push({
      type: "event",
      line: ++this.#line,
      comm: this.#dec.comms.comm(pid),
      pid,
      tgid: undefined,
      cpu: s.cpu,
      flags: this.#opts.flags ? this.#dec.latency(r) : undefined,
      ts: fixTime(s.time(), this.#fix),
      name: e.format.name,
      fields: STACK_HEADER,
      stack: frames,
    });
  }
}
