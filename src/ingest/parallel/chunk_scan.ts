/**
 * The part of reading that can run anywhere: one chunk of a regular file,
 * scanned into a compact {@link ChunkResult}. A chunk owns the lines whose
 * terminating LF lies in its byte range `[offset + index·C, offset +
 * (index+1)·C)` (and the last chunk the final line without LF), which is
 * exactly the set of lines the sequential reader handles between two reads
 * of `C` bytes, so batches come out the same.
 *
 * Events whose name the caller does not keep, and header lines, are only
 * counted (per name id and CPU, with the first line of each) and their CPUs
 * noted; every other line — kept events (pre-scanned), stack lines, markers,
 * skipped and over-long lines — becomes a record the main thread replays
 * through the same {@link RecordBuilder} state machine, in input order.
 *
 * This module and its imports stay free of anything heavy: workers load it.
 *
 * @module
 */

import { dataViewOf, findLineFeed, wordView } from "../ascii.ts";
import { AsciiInterner } from "../ascii.ts";
import { createLineScan, type EventScan, LineKind, PrefixCache } from "../ftrace_line.ts";
import { DENSE_CPUS, FIELD_TEXT_MAX, FIELD_TEXT_SLOTS, KEEP_NO } from "../limits.ts";
import type { NameTable } from "../name_table.ts";

/** Record kind: a line longer than the maximum (no bytes needed). */
export const REC_TOO_LONG = 7;
/** Record kind flag: the main thread scans the line itself. */
export const REC_RESCAN = 16;

/**
 * Record layout: int32 fields per interesting line. `COMM_START` to
 * `FIELDS_END` are the event's {@link EventScan}, written by
 * {@link writeEventScan} and read back through {@link RecordLine}.
 */
export const R = {
  /** Line index within the chunk (0-based). */
  REL: 0,
  /** A {@link LineKind}, {@link REC_TOO_LONG}, or {@link REC_RESCAN}. */
  KIND: 1,
  START: 2,
  END: 3,
  COMM_START: 4,
  COMM_END: 5,
  PID: 6,
  TGID_KIND: 7,
  TGID: 8,
  CPU: 9,
  FLAGS_START: 10,
  FLAGS_END: 11,
  TS_START: 12,
  TS_END: 13,
  TS_TICKS: 14,
  TS_HI: 15,
  TS_LO: 16,
  NAME_START: 17,
  NAME_END: 18,
  NAME_HASH: 19,
  FIELDS_START: 20,
  FIELDS_END: 21,
  /** Name id in the producer's name table. */
  NAME_ID: 22,
  /**
   * The field text in the producer's intern table ({@link AsciiInterner.slotOf}):
   * its slot, `-2 - slot` when the text is new in that slot, -1 when not kept.
   */
  TEXT: 23,
  /** Filtered-event CPUs since the previous record: `runCpus[RUN_START, RUN_END)`. */
  RUN_START: 24,
  RUN_END: 25,
  /** 1 when a filtered event or a header line came since the previous record. */
  RUN_ANY: 26,
} as const;
/** Int32 fields per record. */
export const STRIDE = 27;

/**
 * Writes an event line's scan into the record at `o` (see {@link R});
 * false when a number does not fit an int32 (the main thread then scans the
 * line itself).
 */
export function writeEventScan(recs: Int32Array, o: number, scan: EventScan): boolean {
  if (scan.pid > 0x7fffffff || scan.tgid > 0x7fffffff || scan.cpu > 0x7fffffff) return false;
  recs[o + R.COMM_START] = scan.commStart;
  recs[o + R.COMM_END] = scan.commEnd;
  recs[o + R.PID] = scan.pid;
  recs[o + R.TGID_KIND] = scan.tgidKind;
  recs[o + R.TGID] = scan.tgid;
  recs[o + R.CPU] = scan.cpu;
  recs[o + R.FLAGS_START] = scan.flagsStart;
  recs[o + R.FLAGS_END] = scan.flagsEnd;
  recs[o + R.TS_START] = scan.tsStart;
  recs[o + R.TS_END] = scan.tsEnd;
  recs[o + R.TS_TICKS] = scan.tsTicks;
  // A time whose seconds pass int32 is read from its text (tsHi -1).
  recs[o + R.TS_HI] = scan.tsHi > 0x7fffffff ? -1 : scan.tsHi;
  recs[o + R.TS_LO] = scan.tsLo;
  recs[o + R.NAME_START] = scan.nameStart;
  recs[o + R.NAME_END] = scan.nameEnd;
  recs[o + R.NAME_HASH] = scan.nameHash;
  recs[o + R.FIELDS_START] = scan.fieldsStart;
  recs[o + R.FIELDS_END] = scan.fieldsEnd;
  return true;
}

/** An {@link EventScan} read from a record of a chunk result (see {@link writeEventScan}). */
export class RecordLine implements EventScan {
  #recs: Int32Array = new Int32Array(STRIDE);
  #o = 0;

  /** Points this view at the record at `o` of `recs`. */
  at(recs: Int32Array, o: number): this {
    this.#recs = recs;
    this.#o = o;
    return this;
  }

  /** The scan's `commStart`. */
  get commStart(): number {
    return this.#recs[this.#o + R.COMM_START];
  }
  /** The scan's `commEnd`. */
  get commEnd(): number {
    return this.#recs[this.#o + R.COMM_END];
  }
  /** The scan's `pid`. */
  get pid(): number {
    return this.#recs[this.#o + R.PID];
  }
  /** The scan's `tgidKind`. */
  get tgidKind(): 0 | 1 | 2 {
    return this.#recs[this.#o + R.TGID_KIND] as 0 | 1 | 2;
  }
  /** The scan's `tgid`. */
  get tgid(): number {
    return this.#recs[this.#o + R.TGID];
  }
  /** The scan's `cpu`. */
  get cpu(): number {
    return this.#recs[this.#o + R.CPU];
  }
  /** The scan's `flagsStart`. */
  get flagsStart(): number {
    return this.#recs[this.#o + R.FLAGS_START];
  }
  /** The scan's `flagsEnd`. */
  get flagsEnd(): number {
    return this.#recs[this.#o + R.FLAGS_END];
  }
  /** The scan's `tsStart`. */
  get tsStart(): number {
    return this.#recs[this.#o + R.TS_START];
  }
  /** The scan's `tsEnd`. */
  get tsEnd(): number {
    return this.#recs[this.#o + R.TS_END];
  }
  /** The scan's `tsTicks`. */
  get tsTicks(): number {
    return this.#recs[this.#o + R.TS_TICKS];
  }
  /** The scan's `tsHi`. */
  get tsHi(): number {
    return this.#recs[this.#o + R.TS_HI];
  }
  /** The scan's `tsLo`. */
  get tsLo(): number {
    return this.#recs[this.#o + R.TS_LO];
  }
  /** The scan's `nameStart`. */
  get nameStart(): number {
    return this.#recs[this.#o + R.NAME_START];
  }
  /** The scan's `nameEnd`. */
  get nameEnd(): number {
    return this.#recs[this.#o + R.NAME_END];
  }
  /** The scan's `nameHash`. */
  get nameHash(): number {
    return this.#recs[this.#o + R.NAME_HASH];
  }
  /** The scan's `fieldsStart`. */
  get fieldsStart(): number {
    return this.#recs[this.#o + R.FIELDS_START];
  }
  /** The scan's `fieldsEnd`. */
  get fieldsEnd(): number {
    return this.#recs[this.#o + R.FIELDS_END];
  }
}

/** Int32 fields per part (see {@link ChunkResult.parts}). */
export const PART_STRIDE = 7;
/** Part fields. */
export const P = {
  REC_END: 0,
  LINES_END: 1,
  HEADERS_END: 2,
  FILTERED_END: 3,
  NAMES_END: 4,
  CPUS_END: 5,
  BYTES: 6,
} as const;

/** Final line without LF: none. */
export const FINAL_NONE = 0;
/** Final line without LF: `buf[finalStart, finalEnd)`. */
export const FINAL_LINE = 1;
/** Final line without LF: longer than the maximum. */
export const FINAL_TOO_LONG = 2;

/** One scanned chunk. Transferable between threads (typed arrays, strings, numbers). */
export interface ChunkResult {
  /** Chunk index. */
  readonly index: number;
  /** The chunk's bytes as read (offsets in records index into this). */
  readonly buf: Uint8Array;
  /** Bytes of the chunk's own range, for `stats.bytes`. */
  readonly bytes: number;
  /** Lines the chunk owns (final line without LF excluded). */
  readonly lines: number;
  /** Records, {@link STRIDE} int32 each. */
  readonly recs: Int32Array;
  /** Number of records. */
  readonly nRecs: number;
  /** CPUs of filtered events, in runs between records. */
  readonly runCpus: Int32Array;
  /** The run after the last record. */
  readonly tailRunStart: number;
  /** End of that run. */
  readonly tailRunEnd: number;
  /** 1 when a filtered event or header came after the last record. */
  readonly tailRunAny: number;
  /**
   * Batches within the chunk, {@link PART_STRIDE} int32 each: end of its
   * records, lines, header lines and filtered events (cumulative), end of its
   * name and CPU count triples, and its bytes.
   */
  readonly parts: Int32Array;
  /** `(nameId, count, firstRel)` triples of filtered events, per part. */
  readonly nameCounts: Int32Array;
  /** `(cpu, count, firstRel)` triples of filtered events, per part. */
  readonly cpuCounts: Int32Array;
  /** Header lines counted here. */
  readonly headerLines: number;
  /** Filtered events counted here. */
  readonly filteredEvents: number;
  /** Names the producer interned while scanning this chunk, ids from `firstNewId` on. */
  readonly newNames: string[];
  /** Id of `newNames[0]`. */
  readonly firstNewId: number;
  /** {@link FINAL_NONE}, {@link FINAL_LINE} or {@link FINAL_TOO_LONG}. */
  readonly finalKind: number;
  /** Start of the final line in `buf`. */
  readonly finalStart: number;
  /** End of the final line in `buf`. */
  readonly finalEnd: number;
}

/** Where a chunk lies in its file. */
export interface ChunkPlan {
  /** File size in bytes. */
  readonly size: number;
  /** Chunk size `C` (a multiple of `batchBytes`). */
  readonly chunkBytes: number;
  /** Records are yielded in batches of lines whose LF falls in the same `batchBytes`. */
  readonly batchBytes: number;
  /** Longest line kept. */
  readonly maxLine: number;
  /** Where chunk 0 would start: chunks sit at `offset + index·C` (chunk 0 itself may not exist). */
  readonly offset: number;
  /**
   * The input's timestamp kind, set by its first event line (`LineScan.tsTicks`):
   * a filtered event of the other kind is not counted here but sent as a
   * record, which the main thread skips as a clock mismatch.
   */
  readonly tsTicks: number;
}

/** Number of chunks of a file (one past the last index). */
export function chunkCount(plan: ChunkPlan): number {
  return Math.ceil((plan.size - plan.offset) / plan.chunkBytes);
}

/** File offset where chunk `index`'s own range starts. */
export function chunkStart(plan: ChunkPlan, index: number): number {
  return plan.offset + index * plan.chunkBytes;
}

/** The file range to read for chunk `index`: its own bytes plus the longest line before them. */
export function chunkReadRange(plan: ChunkPlan, index: number): { from: number; to: number } {
  const start = chunkStart(plan, index);
  return {
    from: Math.max(0, start - (plan.maxLine + 1)),
    to: Math.min(plan.size, start + plan.chunkBytes),
  };
}

/** Reads `[from, to)` of `file` into `into` (at least `to - from` long); returns the bytes read. */
export function readChunkBytes(
  file: Deno.FsFile,
  from: number,
  to: number,
  into: Uint8Array,
): Uint8Array {
  const buf = into.subarray(0, to - from);
  file.seekSync(from, Deno.SeekMode.Start);
  let got = 0;
  while (got < buf.length) {
    const n = file.readSync(buf.subarray(got));
    if (n === null || n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

/** Keep decision per name id: 0 unknown (make a record), 1 keep, 2 count only. */
export type KeepLookup = (id: number) => number;

/** Scans chunks into {@link ChunkResult}s with one name table (one per thread). */
export class ChunkScanner {
  readonly #names: NameTable;
  readonly #keepOf: KeepLookup;
  readonly #plan: ChunkPlan;
  readonly #scan = createLineScan();
  readonly #prefixes = new PrefixCache();
  #namesSent = 0;
  #runCpus = new Int32Array(1024);
  readonly #runMark = new Int32Array(DENSE_CPUS);
  #stamp = 0;
  readonly #nameCount: number[] = [];
  readonly #nameFirst: number[] = [];
  readonly #cpuCount = new Int32Array(DENSE_CPUS);
  readonly #cpuFirst = new Int32Array(DENSE_CPUS);
  /** Field texts of kept events, by slot (`null`: the consumer cannot take them in order). */
  readonly #texts: AsciiInterner | null;

  /**
   * A scanner with its own intern tables.
   *
   * @param names the thread's name table
   * @param keepOf keep decision by name id
   * @param plan the file's chunking
   * @param internTexts intern field texts (see {@link R.TEXT}); only when the
   *   chunks are applied in the order this scanner scans them
   */
  constructor(names: NameTable, keepOf: KeepLookup, plan: ChunkPlan, internTexts = true) {
    this.#names = names;
    this.#keepOf = keepOf;
    this.#plan = plan;
    this.#texts = internTexts ? new AsciiInterner(FIELD_TEXT_SLOTS, FIELD_TEXT_MAX) : null;
  }

  /** Marks names up to the current table size as known to the consumer. */
  namesShared(): void {
    this.#namesSent = this.#names.size;
  }

  /**
   * Scans chunk `index`, whose read range (see {@link chunkReadRange}) is in
   * `buf`, writing records into `recsSpace` while they fit (then into a
   * private array).
   */
  scan(index: number, buf: Uint8Array, recsSpace: Int32Array): ChunkResult {
    const plan = this.#plan;
    const range = chunkReadRange(plan, index);
    const base = range.from;
    const own = chunkStart(plan, index) - base;
    const end = range.to - base;
    const isLast = range.to === plan.size;
    const maxLine = plan.maxLine;
    const tsTicks = plan.tsTicks;
    const words = wordView(buf);
    const view = dataViewOf(buf);
    const prefixes = this.#prefixes;
    const scan = this.#scan;
    const names = this.#names;
    const keepOf = this.#keepOf;
    const texts = this.#texts;
    const nameCount = this.#nameCount;
    const nameFirst = this.#nameFirst;
    const cpuCount = this.#cpuCount;
    const cpuFirst = this.#cpuFirst;
    const runMark = this.#runMark;
    let touchedNames: number[] = [];
    let touchedCpus: number[] = [];
    const nameTriples: number[] = [];
    const cpuTriples: number[] = [];
    const parts: number[] = [];
    let recs = recsSpace;
    let runCpus = this.#runCpus;
    let nRecs = 0;
    let nRun = 0;
    let runStart = 0;
    let runAny = 0;
    let stamp = ++this.#stamp;
    let rel = 0;
    let headerLines = 0;
    let filteredEvents = 0;
    let finalKind = FINAL_NONE;
    let finalStart = 0;
    let finalEnd = 0;
    // Batches ("parts") end every batchBytes from the chunk's start.
    let partEnd = Math.min(own + plan.batchBytes, end);
    let partStart = own;

    const record = (kind: number, start: number, lineEnd: number): number => {
      if ((nRecs + 1) * STRIDE > recs.length) {
        const grown = new Int32Array(Math.max(recs.length * 2, STRIDE * 1024));
        grown.set(recs);
        recs = grown;
      }
      const o = nRecs * STRIDE;
      recs[o + R.REL] = rel;
      recs[o + R.KIND] = kind;
      recs[o + R.START] = start;
      recs[o + R.END] = lineEnd;
      recs[o + R.RUN_START] = runStart;
      recs[o + R.RUN_END] = nRun;
      recs[o + R.RUN_ANY] = runAny;
      runStart = nRun;
      runAny = 0;
      stamp = ++this.#stamp;
      nRecs++;
      return o;
    };
    /** Ends the current part: its record and line counts, and the counts of its filtered events. */
    const closePart = () => {
      for (const id of touchedNames) {
        nameTriples.push(id, nameCount[id], nameFirst[id]);
        nameCount[id] = 0;
      }
      for (const cpu of touchedCpus) {
        cpuTriples.push(cpu, cpuCount[cpu], cpuFirst[cpu]);
        cpuCount[cpu] = 0;
      }
      touchedNames = [];
      touchedCpus = [];
      parts.push(
        nRecs,
        rel,
        headerLines,
        filteredEvents,
        nameTriples.length / 3,
        cpuTriples.length / 3,
        partEnd - partStart,
      );
      partStart = partEnd;
      partEnd = Math.min(partEnd + plan.batchBytes, end);
    };

    // The first owned line starts after the last LF before the chunk's own range.
    let s = -1;
    if (own === 0) {
      s = 0;
    } else {
      let x = own - 1;
      while (x >= 0 && buf[x] !== 0x0a) x--;
      if (x >= 0) s = x + 1;
      else if (base === 0) s = 0;
    }
    if (s < 0) {
      // The line running into this chunk began more than maxLine bytes earlier.
      const nl = findLineFeed(buf, words, own, end);
      if (nl < 0) {
        if (isLast) finalKind = FINAL_TOO_LONG;
        s = end;
      } else {
        while (nl >= partEnd) closePart();
        record(REC_TOO_LONG, 0, 0);
        rel++;
        s = nl + 1;
      }
    }
    while (true) {
      const nl = findLineFeed(buf, words, s, end);
      if (nl < 0) break;
      while (nl >= partEnd) closePart();
      const start = s;
      s = nl + 1;
      if (nl - start > maxLine) {
        record(REC_TOO_LONG, start, nl);
        rel++;
        continue;
      }
      const kind = prefixes.scan(buf, view, start, nl, scan);
      if (kind === LineKind.Event) {
        const id = names.lookup(buf, scan.nameStart, scan.nameEnd, scan.nameHash);
        const cpu = scan.cpu;
        const keep = keepOf(id);
        if (keep === KEEP_NO && cpu < DENSE_CPUS && scan.tsTicks === tsTicks) {
          filteredEvents++;
          if (id >= nameCount.length) {
            while (nameCount.length <= id) {
              nameCount.push(0);
              nameFirst.push(0);
            }
          }
          if (nameCount[id] === 0) {
            nameFirst[id] = rel;
            touchedNames.push(id);
          }
          nameCount[id]++;
          if (cpuCount[cpu] === 0) {
            cpuFirst[cpu] = rel;
            touchedCpus.push(cpu);
          }
          cpuCount[cpu]++;
          if (runMark[cpu] !== stamp) {
            runMark[cpu] = stamp;
            if (nRun === runCpus.length) {
              const grown = new Int32Array(runCpus.length * 2);
              grown.set(runCpus);
              runCpus = grown;
            }
            runCpus[nRun++] = cpu;
          }
          runAny = 1;
          rel++;
          continue;
        }
        const o = record(LineKind.Event, start, nl);
        if (writeEventScan(recs, o, scan)) {
          recs[o + R.NAME_ID] = id;
          recs[o + R.TEXT] = texts === null
            ? -1
            : texts.slotOf(buf, view, scan.fieldsStart, scan.fieldsEnd);
        } else {
          recs[o + R.KIND] = REC_RESCAN;
        }
        rel++;
        continue;
      }
      if (kind === LineKind.Header) {
        headerLines++;
        runAny = 1;
        rel++;
        continue;
      }
      record(REC_RESCAN, start, nl);
      rel++;
    }
    while (partStart < end) closePart();
    if (parts.length === 0) closePart();
    if (isLast && finalKind === FINAL_NONE && s < end) {
      finalKind = end - s > maxLine ? FINAL_TOO_LONG : FINAL_LINE;
      finalStart = s;
      finalEnd = end;
    }
    const firstNewId = this.#namesSent;
    const newNames = names.names.slice(firstNewId);
    this.#namesSent = names.size;
    // Keep the grown scratch array; hand out exact-size copies of small arrays.
    this.#runCpus = runCpus;
    return {
      index,
      buf,
      bytes: range.to - chunkStart(plan, index),
      lines: rel,
      recs: recs.subarray(0, nRecs * STRIDE),
      nRecs,
      runCpus: runCpus.slice(0, nRun),
      tailRunStart: runStart,
      tailRunEnd: nRun,
      tailRunAny: runAny,
      parts: Int32Array.from(parts),
      nameCounts: Int32Array.from(nameTriples),
      cpuCounts: Int32Array.from(cpuTriples),
      headerLines,
      filteredEvents,
      newNames,
      firstNewId,
      finalKind,
      finalStart,
      finalEnd,
    };
  }
}
