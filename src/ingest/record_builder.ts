/**
 * Turns scanned lines into records: builds {@link TraceEvent}s for the events
 * the caller keeps, attaches stack traces to the event they belong to, turns
 * markers into records, and counts every line in {@link ReadStats}.
 *
 * Stack attachment: the `stacktrace` trigger writes the stack into the same
 * CPU buffer right after the event, so in merged output the `<stack trace>`
 * line follows its event, possibly after events of other CPUs with a close
 * timestamp. The builder therefore holds each event until its CPU shows a
 * later event (or a bounded window passes), then releases it in input order.
 *
 * Speed: most lines of a real trace are events the caller does not keep.
 * {@link RecordBuilder.addLines} handles those inline: find the line end,
 * scan the context, look the name up by its hash, count it by name id and
 * CPU in arrays, and mark the CPU; no string, no record, no map update. The
 * parallel reader (parallel/) does that part in workers, which also intern
 * the field texts of kept events, and hands the rest to
 * {@link RecordBuilder.addChunkPart} in input order, so both paths run the
 * same state machine.
 *
 * @module
 */

import { FieldText, TextEvent } from "../events/text_event.ts";
import type { TimeUnit, TraceEvent, TraceRecord } from "../events/types.ts";
import {
  AsciiInternTable,
  AsciiStringCache,
  CH,
  dataViewOf,
  decodeBytes,
  findLineFeed,
} from "./ascii.ts";
import { InputError } from "./errors.ts";
import { EventCounter } from "./event_counts.ts";
import {
  DENSE_CPUS,
  FIELD_TEXT_MAX,
  FIELD_TEXT_SLOTS,
  KEEP_NO,
  KEEP_UNKNOWN,
  KEEP_YES,
} from "./limits.ts";
import type { ChunkProducer } from "./parallel/producer.ts";
import {
  type ChunkResult,
  P,
  PART_STRIDE,
  R,
  REC_TOO_LONG,
  RecordLine,
  STRIDE,
} from "./parallel/chunk_scan.ts";
import {
  createLineScan,
  type EventScan,
  LineKind,
  type LineScan,
  PREFIX_SLOTS,
  PrefixCache,
  scanFtraceLine,
} from "./ftrace_line.ts";
import { NameTable } from "./name_table.ts";
import { countSkip, type ReadStats } from "./read_stats.ts";
import { SKIP_REASONS, type SkipReason } from "./skip_reasons.ts";

/** Options shared by the text readers. */
export interface BuilderOptions {
  /**
   * Which events to build. Events it rejects are still counted (per name and
   * CPU) but not materialized, which is what makes `lint` fast on traces
   * full of events it does not model. Called once per distinct name: it
   * must depend on the name only.
   * @default every event
   */
  readonly keepEvent?: (name: string) => boolean;
  /** Stop at the first skipped line with an {@link InputError}. */
  readonly strict?: boolean;
  /**
   * Live input: events that may carry a stack even before one of them has
   * (a pause keeps such an event open for its stack; names that have
   * carried one are added as they are seen).
   */
  readonly stackEvents?: Iterable<string>;
}

/** Flag-column table size (see `#flagsOf`): 2^FLAG_SLOT_BITS slots. */
const FLAG_SLOT_BITS = 6;
const FLAG_SLOTS = 1 << FLAG_SLOT_BITS;

/** Events held back at most before release, whatever their CPU does. */
const HOLD_WINDOW = 64;

/** Builds records from ftrace-text lines; one instance per input. */
export class RecordBuilder {
  readonly #stats: ReadStats;
  readonly #keep: ((name: string) => boolean) | undefined;
  readonly #strict: boolean;
  /** Event names by id. */
  readonly names: NameTable = new NameTable();
  /** Per-name and per-CPU event counts (copied to the stats by {@link syncStats}). */
  readonly #counts: EventCounter = new EventCounter(this.names.names);
  /** Keep decision per name id. */
  readonly #keepById: number[] = [];
  readonly #scan: LineScan = createLineScan();
  /** Reads the records of chunk results (see {@link addChunkPart}). */
  readonly #recordLine = new RecordLine();
  readonly #prefixes = new PrefixCache();
  /** Lines numbered so far. */
  lineNo = 0;
  /** Records not yet released, oldest first. */
  #held: TraceRecord[] = [];
  /** Index of the oldest unreleased record in `#held`. */
  #head = 0;
  /** Per CPU: the latest kept event, which a stack trace may still join. */
  readonly #open: (TraceEvent | undefined)[] = new Array<TraceEvent | undefined>(DENSE_CPUS).fill(
    undefined,
  );
  readonly #openSparse = new Map<number, TraceEvent>();
  /** CPUs whose latest event was filtered out (its stack is dropped with it). */
  readonly #filtered = new Uint8Array(DENSE_CPUS);
  readonly #filteredSparse = new Set<number>();
  /** Names of the events that have carried a stack in this input (a pause keeps such an event open). */
  readonly #stackNames = new Set<string>();
  /** Frames of the stack being read, `null` when its event was filtered out. */
  #frames: string[] | null | undefined = undefined;
  /** Whether every timestamp so far was exact as a double ({@link #maxNum}, {@link #minNum} valid). */
  #exactNums = true;
  /** Largest and smallest timestamps so far, as doubles (while {@link #exactNums}). */
  #maxNum = -1;
  #minNum = Infinity;
  #unit: TimeUnit | undefined;
  /** {@link LineScan.tsTicks} of the input's first event line, -1 before it. */
  #ticks = -1;
  /** A `DataView` of the buffer lines come from (for the string caches). */
  #buf: Uint8Array | undefined;
  #view: DataView = new DataView(new ArrayBuffer(0));
  readonly #comms = new AsciiStringCache(1024, 64);
  readonly #flagTexts = new AsciiStringCache(64, 16);
  readonly #fieldTexts = new AsciiInternTable(
    FIELD_TEXT_SLOTS,
    FIELD_TEXT_MAX,
    (text) => new FieldText(text),
  );
  /** The last comm decoded per pid slot (records replayed from a worker have no prefix slot). */
  readonly #commByPid: (string | undefined)[] = new Array(1024).fill(undefined);
  readonly #commPid = new Int32Array(1024).fill(-1);
  /**
   * Flag columns of up to 6 bytes (few distinct values), direct-mapped by
   * their bytes packed into two int32 keys (see {@link RecordBuilder.#flagsOf}).
   */
  readonly #flagsLo = new Int32Array(FLAG_SLOTS);
  readonly #flagsHi = new Int32Array(FLAG_SLOTS).fill(-1);
  readonly #flagsText: string[] = new Array(FLAG_SLOTS).fill("");
  readonly #frameTexts = new AsciiStringCache(1024, 96);
  /** Comm and flag texts per prefix-cache slot, valid while the slot's stamp is unchanged. */
  readonly #slotStamp = new Int32Array(PREFIX_SLOTS).fill(-1);
  readonly #slotComm: string[] = new Array<string>(PREFIX_SLOTS).fill("");
  readonly #slotFlags: (string | undefined)[] = new Array<string | undefined>(PREFIX_SLOTS).fill(
    undefined,
  );
  /** Earliest and latest timestamps, once one did not fit a double (see {@link #orderBig}). */
  #firstBig: bigint | undefined;
  #lastBig: bigint | undefined;

  /**
   * A builder for one input.
   *
   * @param stats counters of this input, updated as lines arrive
   * @param options event filter and strictness
   */
  constructor(stats: ReadStats, options: BuilderOptions = {}) {
    this.#stats = stats;
    this.#keep = options.keepEvent;
    this.#strict = options.strict ?? false;
    for (const name of options.stackEvents ?? []) this.#stackNames.add(name);
  }

  /** The counters this builder updates. */
  get stats(): ReadStats {
    return this.#stats;
  }

  /** The keep decision for name `id` (asks the filter the first time). */
  keepOf(id: number): number {
    const k = this.#keepById[id];
    if (k !== undefined && k !== KEEP_UNKNOWN) return k;
    while (this.#keepById.length <= id) this.#keepById.push(KEEP_UNKNOWN);
    const keep = this.#keep === undefined || this.#keep(this.names.names[id]);
    const d = keep ? KEEP_YES : KEEP_NO;
    this.#keepById[id] = d;
    return d;
  }

  /** Copies the per-name and per-CPU counts into the stats maps. */
  syncStats(): void {
    this.#counts.syncTo(this.#stats);
  }

  /** Counts a skipped line (or throws under `--strict`). */
  skipLine(reason: SkipReason, line: number): void {
    if (this.#strict) throw new InputError(this.#stats.file, line, SKIP_REASONS[reason]);
    countSkip(this.#stats, reason, line);
  }

  /**
   * Processes every LF-terminated line of `buf[start, end)`, numbering them
   * on from {@link lineNo}; lines longer than `maxLine` are skipped. Returns
   * the offset after the last LF (where an unfinished line starts).
   * `words` is `wordView(buf)`.
   */
  addLines(
    buf: Uint8Array,
    words: Uint32Array | undefined,
    start: number,
    end: number,
    maxLine: number,
    out: TraceRecord[],
  ): number {
    const stats = this.#stats;
    const scan = this.#scan;
    const names = this.names;
    const keepById = this.#keepById;
    const counts = this.#counts;
    const prefixes = this.#prefixes;
    if (buf !== this.#buf) {
      this.#buf = buf;
      this.#view = dataViewOf(buf);
    }
    const view = this.#view;
    let s = start;
    let line = this.lineNo;
    try {
      // Hot loop: one line per iteration, no allocation for lines not kept.
      while (true) {
        const nl = findLineFeed(buf, words, s, end);
        if (nl < 0) break;
        line++;
        stats.lines++;
        if (nl - s > maxLine) {
          this.skipLine("line-too-long", line);
          s = nl + 1;
          continue;
        }
        const kind = prefixes.scan(buf, view, s, nl, scan);
        s = nl + 1;
        if (kind === LineKind.Event) {
          const id = names.lookup(buf, scan.nameStart, scan.nameEnd, scan.nameHash);
          let k = keepById[id];
          if (k === undefined || k === KEEP_UNKNOWN) k = this.keepOf(id);
          if (k === KEEP_NO) {
            if (scan.tsTicks !== this.#ticks && this.#otherClock(scan, line)) {
              this.#filteredOn(scan.cpu);
              continue;
            }
            stats.events++;
            counts.add(id, scan.cpu, line);
            this.#filteredOn(scan.cpu);
            continue;
          }
          this.#frames = undefined;
          this.#addEvent(buf, scan, line, id, out, prefixes.lastSlot, undefined);
          continue;
        }
        if (kind === LineKind.Header) {
          this.#frames = undefined;
          stats.headerLines++;
          continue;
        }
        this.#dispatch(kind, buf, line, out);
      }
    } finally {
      this.lineNo = line;
    }
    return s;
  }

  /** Processes the line `buf[start, end)`, numbered `line`; released records go to `out`. */
  addLine(buf: Uint8Array, start: number, end: number, line: number, out: TraceRecord[]): void {
    this.#stats.lines++;
    const scan = this.#scan;
    const kind = scanFtraceLine(buf, start, end, scan);
    if (kind === LineKind.Event) {
      const id = this.names.lookup(buf, scan.nameStart, scan.nameEnd, scan.nameHash);
      this.#addScannedEvent(buf, scan, line, id, undefined, out);
      return;
    }
    if (kind === LineKind.Header) {
      this.#frames = undefined;
      this.#stats.headerLines++;
      return;
    }
    this.#dispatch(kind, buf, line, out);
  }

  /**
   * An event line scanned elsewhere (`scan`, over `buf`; name id `id`) goes
   * the way {@link addLines} takes its own: counted only, or built.
   * `text` is its field text when the scanner interned it.
   */
  #addScannedEvent(
    buf: Uint8Array,
    scan: Readonly<EventScan>,
    line: number,
    id: number,
    text: FieldText | undefined,
    out: TraceRecord[],
  ): void {
    this.#frames = undefined;
    if (this.keepOf(id) === KEEP_NO) {
      if (scan.tsTicks !== this.#ticks && this.#otherClock(scan, line)) {
        this.#filteredOn(scan.cpu);
        return;
      }
      this.#stats.events++;
      this.#counts.add(id, scan.cpu, line);
      this.#filteredOn(scan.cpu);
      return;
    }
    this.#addEvent(buf, scan, line, id, out, -1, text);
  }

  /**
   * Applies part `part` of chunk result `r` (parallel/chunk_scan.ts) from
   * `producer`, whose chunks come in the order it scanned them: the records
   * in line order (each after the filtered-event run before it) through the
   * same state machine as {@link addLines}, then the part's bulk counts; the
   * last part also takes the run after the chunk's last record. `base` is
   * the line count before the chunk.
   */
  addChunkPart(
    r: ChunkResult,
    producer: ChunkProducer,
    part: number,
    base: number,
    out: TraceRecord[],
  ): void {
    const stats = this.#stats;
    const recs = r.recs;
    const runCpus = r.runCpus;
    const buf = r.buf;
    const parts = r.parts;
    const nameMap = producer.nameMap;
    const view = this.#recordLine;
    const p = part * PART_STRIDE;
    const prev = p - PART_STRIDE;
    const recStart = part === 0 ? 0 : parts[prev + P.REC_END];
    const recEnd = parts[p + P.REC_END];
    for (let i = recStart; i < recEnd; i++) {
      const o = i * STRIDE;
      for (let j = recs[o + R.RUN_START]; j < recs[o + R.RUN_END]; j++) {
        this.#filteredOn(runCpus[j]);
      }
      if (recs[o + R.RUN_ANY] !== 0) this.#frames = undefined;
      const line = base + recs[o + R.REL] + 1;
      const kind = recs[o + R.KIND];
      if (kind === LineKind.Event) {
        stats.lines++;
        const wid = recs[o + R.NAME_ID];
        const scan = view.at(recs, o);
        const text = producer.textOf(recs[o + R.TEXT], buf, scan.fieldsStart, scan.fieldsEnd);
        this.#addScannedEvent(buf, scan, line, nameMap === null ? wid : nameMap[wid], text, out);
      } else if (kind === REC_TOO_LONG) {
        stats.lines++;
        this.skipLine("line-too-long", line);
      } else {
        this.addLine(buf, recs[o + R.START], recs[o + R.END], line, out);
      }
    }
    const last = p + PART_STRIDE === parts.length;
    if (last) {
      for (let j = r.tailRunStart; j < r.tailRunEnd; j++) this.#filteredOn(runCpus[j]);
      if (r.tailRunAny !== 0) this.#frames = undefined;
    }
    const linesBefore = part === 0 ? 0 : parts[prev + P.LINES_END];
    stats.lines += parts[p + P.LINES_END] - linesBefore - (recEnd - recStart);
    stats.headerLines += parts[p + P.HEADERS_END] - (part === 0 ? 0 : parts[prev + P.HEADERS_END]);
    stats.events += parts[p + P.FILTERED_END] - (part === 0 ? 0 : parts[prev + P.FILTERED_END]);
    stats.bytes += parts[p + P.BYTES];
    const nc = r.nameCounts;
    for (
      let i = part === 0 ? 0 : 3 * parts[prev + P.NAMES_END];
      i < 3 * parts[p + P.NAMES_END];
      i += 3
    ) {
      const id = nameMap === null ? nc[i] : nameMap[nc[i]];
      this.#counts.addName(id, nc[i + 1], base + nc[i + 2] + 1);
    }
    const cc = r.cpuCounts;
    for (
      let i = part === 0 ? 0 : 3 * parts[prev + P.CPUS_END];
      i < 3 * parts[p + P.CPUS_END];
      i += 3
    ) {
      this.#counts.addCpu(cc[i], cc[i + 1], base + cc[i + 2] + 1);
    }
    this.lineNo = base + parts[p + P.LINES_END];
  }

  /**
   * The effect of an event on `cpu` that the filter rejected: its CPU's open
   * event can no longer take a stack, and a stack that follows belongs to
   * the rejected event. (Counting is the caller's.)
   */
  #filteredOn(cpu: number): void {
    this.#frames = undefined;
    if (cpu < DENSE_CPUS) {
      this.#open[cpu] = undefined;
      this.#filtered[cpu] = 1;
    } else {
      this.#openSparse.delete(cpu);
      this.#filteredSparse.add(cpu);
    }
  }

  /**
   * A pause in a live stream (`lint --follow`): releases the held records
   * that can no longer change, so findings come out while the input is
   * quiet. A pause never ends a stack — a stack ends at the next line that is
   * not one of its frames: the event whose stack is being read, and an open
   * event that may still take one (its name has carried a stack in this
   * input), stay held, with everything after them.
   */
  idle(out: TraceRecord[]): void {
    const held = this.#held;
    let n = this.#head;
    for (; n < held.length; n++) {
      const r = held[n];
      if (r.type !== "event") continue;
      if (this.#frames !== undefined && this.#frames === r.stack) break;
      if (this.#openOf(r.cpu) !== r) continue;
      if (r.stack === undefined && this.#stackNames.has(r.name)) break;
      // It can no longer take a stack: released, its CPU has no open event.
      if (r.cpu < DENSE_CPUS) this.#open[r.cpu] = undefined;
      else this.#openSparse.delete(r.cpu);
    }
    for (let i = this.#head; i < n; i++) out.push(held[i]);
    if (n === held.length) {
      held.length = 0;
      this.#head = 0;
    } else {
      this.#head = n;
    }
  }

  /** Releases every held record (end of input). */
  flush(out: TraceRecord[]): void {
    for (let i = this.#head; i < this.#held.length; i++) out.push(this.#held[i]);
    this.#held = [];
    this.#head = 0;
    this.#open.fill(undefined);
    this.#openSparse.clear();
    this.#frames = undefined;
  }

  /** Lines other than plain events and headers. */
  #dispatch(kind: LineKind, buf: Uint8Array, line: number, out: TraceRecord[]): void {
    const stats = this.#stats;
    const scan = this.#scan;
    if (kind === LineKind.StackFrame) {
      if (this.#frames === undefined) {
        this.skipLine("orphan-stack-frame", line);
        return;
      }
      stats.stackLines++;
      if (this.#frames !== null) {
        if (buf !== this.#buf) {
          this.#buf = buf;
          this.#view = dataViewOf(buf);
        }
        this.#frames.push(this.#frameTexts.get(buf, this.#view, scan.fieldsStart, scan.fieldsEnd));
      }
      return;
    }
    this.#frames = undefined;
    switch (kind) {
      case LineKind.StackHeader:
        this.#startStack(buf, line, out);
        return;
      case LineKind.Lost:
        stats.markerLines++;
        if (scan.lostCount >= 0) addTo(stats.lostByCpu, scan.cpu, scan.lostCount);
        else addTo(stats.lostMarkersWithoutCount, scan.cpu, 1);
        this.#hold({
          type: "lost",
          line,
          cpu: scan.cpu,
          count: scan.lostCount >= 0 ? scan.lostCount : null,
        }, out);
        return;
      case LineKind.BufferStarted:
        stats.markerLines++;
        this.#hold({ type: "buffer-started", line, cpu: scan.cpu }, out);
        return;
      default:
        this.skipLine(scan.skipReason, line);
    }
  }

  /**
   * The clock of an event line whose timestamp kind (`scan.tsTicks`) differs
   * from the input's: the first event line of the input, kept or only
   * counted, sets the input's unit (false returned); a later line of the
   * other kind is skipped as `clock-mismatch` (true returned) — whether the
   * caller keeps its event or not, so every command counts it the same.
   */
  #otherClock(scan: Readonly<EventScan>, line: number): boolean {
    if (this.#ticks < 0) {
      this.#ticks = scan.tsTicks;
      this.#unit = this.#ticks === 1 ? "ticks" : "ns";
      this.#stats.timeUnit = this.#unit;
      return false;
    }
    this.skipLine("clock-mismatch", line);
    return true;
  }

  /** The input's timestamp kind once its first event line is read (1 ticks, 0 ns), -1 before. */
  get timestampTicks(): number {
    return this.#ticks;
  }

  #openOf(cpu: number): TraceEvent | undefined {
    return cpu < DENSE_CPUS ? this.#open[cpu] : this.#openSparse.get(cpu);
  }

  #addEvent(
    buf: Uint8Array,
    scan: Readonly<EventScan>,
    line: number,
    id: number,
    out: TraceRecord[],
    slot: number,
    text: FieldText | undefined,
  ): void {
    const stats = this.#stats;
    const cpu = scan.cpu;
    const event = this.#buildEvent(buf, scan, line, this.names.names[id], slot, text);
    if (event === undefined) {
      // Skipped (clock-mismatch): a stack that follows is this line's, as
      // for an event the filter rejected, so lint (which keeps few events)
      // and stats (which keeps all) count its lines the same way, and it
      // cannot join the CPU's previous event.
      this.#filteredOn(cpu);
      return;
    }
    stats.events++;
    this.#counts.add(id, cpu, line);
    if (cpu < DENSE_CPUS) {
      this.#filtered[cpu] = 0;
      this.#open[cpu] = event;
    } else {
      this.#filteredSparse.delete(cpu);
      this.#openSparse.set(cpu, event);
    }
    this.#hold(event, out);
  }

  /**
   * Builds the event of the scanned line, or counts the line skipped.
   * `slot` is the prefix-cache slot of the line (-1: none); `text` its field
   * text when already interned.
   */
  #buildEvent(
    buf: Uint8Array,
    scan: Readonly<EventScan>,
    line: number,
    name: string,
    slot: number,
    text: FieldText | undefined,
  ): TextEvent | undefined {
    if (scan.tsTicks !== this.#ticks && this.#otherClock(scan, line)) return undefined;
    /** The timestamp as an exact number, NaN when a double cannot hold it (then `big`). */
    let num = NaN;
    let big: bigint | undefined;
    const hi = scan.tsHi;
    if (hi < 0) {
      // More digits than a double holds exactly: let BigInt read them.
      big = bigTimestamp(buf, scan.tsStart, scan.tsEnd);
    } else {
      const lo = scan.tsLo;
      const ns = hi * 1e9 + lo;
      if (Number.isSafeInteger(ns)) num = ns;
      else big = BigInt(hi) * 1_000_000_000n + BigInt(lo);
    }
    if (big === undefined && this.#exactNums) this.#orderNum(num, line);
    else this.#orderBig(big ?? BigInt(num), line);
    if (buf !== this.#buf) {
      this.#buf = buf;
      this.#view = dataViewOf(buf);
    }
    const view = this.#view;
    let comm: string;
    let flags: string | undefined;
    if (slot >= 0 && this.#slotStamp[slot] === this.#prefixes.stampOf(slot)) {
      comm = this.#slotComm[slot];
      flags = this.#slotFlags[slot];
    } else {
      comm = this.#commOf(buf, view, scan.commStart, scan.commEnd, scan.pid);
      flags = scan.flagsStart < 0
        ? undefined
        : this.#flagsOf(buf, view, scan.flagsStart, scan.flagsEnd);
      if (slot >= 0) {
        this.#slotStamp[slot] = this.#prefixes.stampOf(slot);
        this.#slotComm[slot] = comm;
        this.#slotFlags[slot] = flags;
      }
    }
    return new TextEvent(
      this.#stats.file,
      line,
      comm,
      scan.pid,
      scan.tgidKind === 0 ? undefined : scan.tgidKind === 1 ? scan.tgid : null,
      scan.cpu,
      flags,
      num,
      big,
      name,
      text ?? this.#fieldTexts.get(buf, view, scan.fieldsStart, scan.fieldsEnd),
    );
  }

  /** Order bookkeeping of an exact timestamp while every one so far was exact. */
  #orderNum(num: number, line: number): void {
    if (num < this.#maxNum) {
      const stats = this.#stats;
      stats.outOfOrder++;
      if (stats.firstOutOfOrderLine === 0) stats.firstOutOfOrderLine = line;
    } else {
      this.#maxNum = num;
    }
    if (num < this.#minNum) this.#minNum = num;
  }

  /** Order bookkeeping once a timestamp did not fit a double. */
  #orderBig(ts: bigint, line: number): void {
    if (this.#exactNums) {
      // From here on, bigints: carry over what the numbers said.
      this.#exactNums = false;
      this.#lastBig = this.#maxNum < 0 ? undefined : BigInt(this.#maxNum);
      this.#firstBig = this.#minNum === Infinity ? undefined : BigInt(this.#minNum);
    }
    // The latest timestamp so far: an earlier one is out of order.
    if (this.#lastBig !== undefined && ts < this.#lastBig) {
      const stats = this.#stats;
      stats.outOfOrder++;
      if (stats.firstOutOfOrderLine === 0) stats.firstOutOfOrderLine = line;
    } else {
      this.#lastBig = ts;
    }
    if (this.#firstBig === undefined || ts < this.#firstBig) this.#firstBig = ts;
  }

  /** Earliest timestamp of kept events. */
  get firstTs(): bigint | undefined {
    if (!this.#exactNums) return this.#firstBig;
    return this.#minNum === Infinity ? undefined : BigInt(this.#minNum);
  }

  /** Latest timestamp of kept events (the largest: later lines earlier in time are out of order). */
  get lastTs(): bigint | undefined {
    if (!this.#exactNums) return this.#lastBig;
    return this.#maxNum < 0 ? undefined : BigInt(this.#maxNum);
  }

  /**
   * The comm of `buf[start, end)` for `pid`: the last one seen for the pid
   * when the bytes are the same (compared as ASCII: equal lengths and codes
   * mean equal bytes), else decoded through the comm cache.
   */
  #commOf(buf: Uint8Array, view: DataView, start: number, end: number, pid: number): string {
    const slot = pid & 1023;
    const len = end - start;
    const last = this.#commByPid[slot];
    if (last !== undefined && this.#commPid[slot] === pid && last.length === len) {
      let i = 0;
      while (i < len && last.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) return last;
    }
    const fresh = this.#comms.get(buf, view, start, end);
    this.#commByPid[slot] = fresh;
    this.#commPid[slot] = pid;
    return fresh;
  }

  /**
   * The flags column `buf[start, end)`. Up to 6 bytes are looked up by value:
   * bytes 0–3 packed into `lo`, the length and bytes 4–5 into `hi` (which
   * starts with the length, so the pair is unique), in a small direct-mapped
   * table; a Map keyed by one packed double cost five times as much.
   */
  #flagsOf(buf: Uint8Array, view: DataView, start: number, end: number): string {
    const len = end - start;
    if (len > 6) return this.#flagTexts.get(buf, view, start, end);
    let lo = 0;
    let hi = len;
    let i = start;
    const loEnd = start + 4 < end ? start + 4 : end;
    for (; i < loEnd; i++) lo = (lo << 8) | buf[i];
    for (; i < end; i++) hi = (hi << 8) | buf[i];
    const slot = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (32 - FLAG_SLOT_BITS);
    if (this.#flagsLo[slot] === lo && this.#flagsHi[slot] === hi) return this.#flagsText[slot];
    const text = decodeBytes(buf, start, end);
    this.#flagsLo[slot] = lo;
    this.#flagsHi[slot] = hi;
    this.#flagsText[slot] = text;
    return text;
  }

  #startStack(buf: Uint8Array, line: number, out: TraceRecord[]): void {
    const scan = this.#scan;
    const cpu = scan.cpu;
    const target = this.#openOf(cpu);
    if (target !== undefined && target.pid === scan.pid && target.stack === undefined) {
      this.#stats.stackLines++;
      this.#stackNames.add(target.name);
      target.stack = [];
      this.#frames = target.stack;
      return;
    }
    const filtered = cpu < DENSE_CPUS ? this.#filtered[cpu] === 1 : this.#filteredSparse.has(cpu);
    if (target === undefined && filtered) {
      this.#stats.stackLines++;
      this.#frames = null;
      return;
    }
    // No event to join: keep the stack as an event of its own.
    const name = this.names.intern(buf, scan.nameStart, scan.nameEnd);
    const event = this.#buildEvent(buf, scan, line, name, -1, undefined);
    if (event === undefined) {
      // Skipped (counted by #buildEvent); its frames become orphans.
      this.#frames = undefined;
      return;
    }
    this.#stats.stackLines++;
    this.#stats.unattachedStacks++;
    event.stack = [];
    this.#frames = event.stack;
    if (cpu < DENSE_CPUS) this.#open[cpu] = undefined;
    else this.#openSparse.delete(cpu);
    this.#hold(event, out);
  }

  #hold(record: TraceRecord, out: TraceRecord[]): void {
    const held = this.#held;
    held.push(record);
    // Release from the front while the front can no longer change.
    let n = this.#head;
    while (n < held.length) {
      const r = held[n];
      const open = r.type === "event" && this.#openOf(r.cpu) === r;
      if (open && held.length - n <= HOLD_WINDOW) break;
      out.push(r);
      n++;
    }
    if (n === held.length) {
      held.length = 0;
      this.#head = 0;
    } else if (n > 4 * HOLD_WINDOW) {
      this.#held = held.slice(n);
      this.#head = 0;
    } else {
      this.#head = n;
    }
  }
}

/** A timestamp whose whole part has more digits than a double holds exactly. */
function bigTimestamp(buf: Uint8Array, start: number, end: number): bigint {
  let i = start;
  while (i < end && buf[i] !== CH.DOT) i++;
  const whole = BigInt(decodeBytes(buf, start, i));
  if (i === end) return whole;
  const digits = Math.min(end - i - 1, 9);
  let frac = 0;
  for (let j = i + 1; j < i + 1 + digits; j++) frac = frac * 10 + (buf[j] - CH.ZERO);
  return whole * 1_000_000_000n + BigInt(frac * 10 ** (9 - digits));
}

function addTo(map: Map<number, number>, key: number, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}
