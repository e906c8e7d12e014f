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
 * @module
 */

import type { TimeUnit, TraceEvent, TraceRecord } from "../events/types.ts";
import { decodeBytes } from "./ascii.ts";
import { InputError } from "./errors.ts";
import { createLineScan, LineKind, type LineScan, scanFtraceLine } from "./ftrace_line.ts";
import { NameTable } from "./name_table.ts";
import { addCount, countSkip, type ReadStats } from "./read_stats.ts";
import { SKIP_REASONS, type SkipReason } from "./skip_reasons.ts";
import { parseTimestamp, timestampUnit } from "./timestamp.ts";

/** Options shared by the text readers. */
export interface BuilderOptions {
  /**
   * Which events to build. Events it rejects are still counted (per name and
   * CPU) but not materialized, which is what makes `lint` fast on traces
   * full of events it does not model.
   * @default every event
   */
  readonly keepEvent?: (name: string) => boolean;
  /** Stop at the first skipped line with an {@link InputError}. */
  readonly strict?: boolean;
}

/** Events held back at most before release, whatever their CPU does. */
const HOLD_WINDOW = 64;

/** Builds records from ftrace-text lines; one instance per input. */
export class RecordBuilder {
  readonly #stats: ReadStats;
  readonly #keep: ((name: string) => boolean) | undefined;
  readonly #strict: boolean;
  readonly #names = new NameTable();
  readonly #scan: LineScan = createLineScan();
  /** Records not yet released, oldest first. */
  #held: TraceRecord[] = [];
  /** Index of the oldest unreleased record in `#held`. */
  #head = 0;
  /** Per CPU: the latest kept event, which a stack trace may still join. */
  readonly #openByCpu = new Map<number, TraceEvent>();
  /** CPUs whose latest event was filtered out (its stack is dropped with it). */
  readonly #filteredCpu = new Set<number>();
  /** Frames of the stack being read, `null` when its event was filtered out. */
  #frames: string[] | null | undefined = undefined;
  #lastTs = -1n;
  #unit: TimeUnit | undefined;
  /** Earliest and latest timestamps of kept events. */
  firstTs: bigint | undefined;
  /** Latest timestamp of kept events. */
  lastTs: bigint | undefined;

  /**
   * @param stats counters of this input, updated as lines arrive
   * @param options event filter and strictness
   */
  constructor(stats: ReadStats, options: BuilderOptions = {}) {
    this.#stats = stats;
    this.#keep = options.keepEvent;
    this.#strict = options.strict ?? false;
  }

  /** Counts a skipped line (or throws under `--strict`). */
  skipLine(reason: SkipReason, line: number): void {
    if (this.#strict) throw new InputError(this.#stats.file, line, SKIP_REASONS[reason]);
    countSkip(this.#stats, reason, line);
  }

  /** Processes the line `buf[start, end)`, numbered `line`; released records go to `out`. */
  addLine(buf: Uint8Array, start: number, end: number, line: number, out: TraceRecord[]): void {
    const stats = this.#stats;
    const scan = this.#scan;
    stats.lines++;
    const kind = scanFtraceLine(buf, start, end, scan);
    if (kind === LineKind.StackFrame) {
      if (this.#frames === undefined) {
        this.skipLine("orphan-stack-frame", line);
        return;
      }
      stats.stackLines++;
      if (this.#frames !== null) {
        this.#frames.push(decodeBytes(buf, scan.fieldsStart, scan.fieldsEnd));
      }
      return;
    }
    this.#frames = undefined;
    switch (kind) {
      case LineKind.Event:
        this.#addEvent(buf, line, out);
        return;
      case LineKind.StackHeader:
        this.#startStack(buf, line, out);
        return;
      case LineKind.Header:
        stats.headerLines++;
        return;
      case LineKind.Lost:
        stats.markerLines++;
        if (scan.lostCount >= 0) addCount(stats.lostByCpu, scan.cpu, scan.lostCount);
        else addCount(stats.lostMarkersWithoutCount, scan.cpu);
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

  /** Releases every held record (end of input, or a pause in a live stream). */
  flush(out: TraceRecord[]): void {
    for (let i = this.#head; i < this.#held.length; i++) out.push(this.#held[i]);
    this.#held = [];
    this.#head = 0;
    this.#openByCpu.clear();
    this.#frames = undefined;
  }

  #addEvent(buf: Uint8Array, line: number, out: TraceRecord[]): void {
    const stats = this.#stats;
    const scan = this.#scan;
    const name = this.#names.intern(buf, scan.nameStart, scan.nameEnd);
    if (this.#keep !== undefined && !this.#keep(name)) {
      stats.events++;
      addCount(stats.eventsByName, name);
      addCount(stats.eventsByCpu, scan.cpu);
      this.#openByCpu.delete(scan.cpu);
      this.#filteredCpu.add(scan.cpu);
      return;
    }
    const event = this.#buildEvent(buf, line, name);
    if (event === undefined) return;
    stats.events++;
    addCount(stats.eventsByName, name);
    addCount(stats.eventsByCpu, scan.cpu);
    this.#filteredCpu.delete(scan.cpu);
    this.#openByCpu.set(scan.cpu, event);
    this.#hold(event, out);
  }

  /** Builds the event of the scanned line, or counts the line skipped. */
  #buildEvent(buf: Uint8Array, line: number, name: string): TraceEvent | undefined {
    const scan = this.#scan;
    const stats = this.#stats;
    const unit = timestampUnit(buf, scan.tsStart, scan.tsEnd);
    if (this.#unit === undefined) {
      this.#unit = unit;
      stats.timeUnit = unit;
    } else if (unit !== this.#unit) {
      this.skipLine("clock-mismatch", line);
      return undefined;
    }
    const ts = parseTimestamp(buf, scan.tsStart, scan.tsEnd);
    if (ts < this.#lastTs) {
      stats.outOfOrder++;
      if (stats.firstOutOfOrderLine === 0) stats.firstOutOfOrderLine = line;
    } else {
      this.#lastTs = ts;
    }
    if (this.firstTs === undefined || ts < this.firstTs) this.firstTs = ts;
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
    return {
      type: "event",
      line,
      comm: decodeBytes(buf, scan.commStart, scan.commEnd),
      pid: scan.pid,
      tgid: scan.tgidKind === 0 ? undefined : scan.tgidKind === 1 ? scan.tgid : null,
      cpu: scan.cpu,
      flags: scan.flagsStart < 0 ? undefined : decodeBytes(buf, scan.flagsStart, scan.flagsEnd),
      ts,
      name,
      fields: decodeBytes(buf, scan.fieldsStart, scan.fieldsEnd),
      stack: undefined,
    };
  }

  #startStack(buf: Uint8Array, line: number, out: TraceRecord[]): void {
    const scan = this.#scan;
    const target = this.#openByCpu.get(scan.cpu);
    if (target !== undefined && target.pid === scan.pid && target.stack === undefined) {
      this.#stats.stackLines++;
      target.stack = [];
      this.#frames = target.stack;
      return;
    }
    if (target === undefined && this.#filteredCpu.has(scan.cpu)) {
      this.#stats.stackLines++;
      this.#frames = null;
      return;
    }
    // No event to join: keep the stack as an event of its own.
    const name = this.#names.intern(buf, scan.nameStart, scan.nameEnd);
    const event = this.#buildEvent(buf, line, name);
    if (event === undefined) {
      // Skipped (counted by #buildEvent); its frames become orphans.
      this.#frames = undefined;
      return;
    }
    this.#stats.stackLines++;
    this.#stats.unattachedStacks++;
    event.stack = [];
    this.#frames = event.stack;
    this.#openByCpu.delete(scan.cpu);
    this.#hold(event, out);
  }

  #hold(record: TraceRecord, out: TraceRecord[]): void {
    const held = this.#held;
    held.push(record);
    // Release from the front while the front can no longer change.
    let n = this.#head;
    while (n < held.length) {
      const r = held[n];
      const open = r.type === "event" && this.#openByCpu.get(r.cpu) === r;
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
