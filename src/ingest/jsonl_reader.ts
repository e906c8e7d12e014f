/**
 * Reads kvmreq JSON Lines (see {@link parseJsonlRecord}) line by line into
 * the same records the text readers yield.
 *
 * @module
 */

import type { TraceRecord } from "../events/types.ts";
import { decodeBytes, findLineFeed } from "./ascii.ts";
import { InputError } from "./errors.ts";
import { parseJsonlRecord } from "./jsonl_schema.ts";
import { addCount, countSkip, type ReadStats } from "./read_stats.ts";
import { SKIP_REASONS, type SkipReason } from "./skip_reasons.ts";
import type { BuilderOptions } from "./record_builder.ts";

/** Builds records from JSON Lines; one instance per input. */
export class JsonlRecordBuilder {
  readonly #stats: ReadStats;
  readonly #keep: ((name: string) => boolean) | undefined;
  readonly #strict: boolean;
  #lastTs = -1n;
  /** Earliest timestamp of kept events. */
  firstTs: bigint | undefined;
  /** Latest timestamp of kept events. */
  lastTs: bigint | undefined;
  /** Lines numbered so far. */
  lineNo = 0;

  /**
   * Reads JSON Lines records into `stats`.
   *
   * @param stats counters of this input
   * @param options event filter and strictness
   */
  constructor(stats: ReadStats, options: BuilderOptions = {}) {
    this.#stats = stats;
    this.#keep = options.keepEvent;
    this.#strict = options.strict ?? false;
  }

  /** Counts a skipped line (or throws under `--strict`). */
  skipLine(reason: SkipReason, line: number, detail?: string): void {
    if (this.#strict) {
      throw new InputError(
        this.#stats.file,
        line,
        detail ? `${SKIP_REASONS[reason]}: ${detail}` : SKIP_REASONS[reason],
      );
    }
    countSkip(this.#stats, reason, line);
  }

  /** Processes one JSON line. */
  addLine(buf: Uint8Array, start: number, end: number, line: number, out: TraceRecord[]): void {
    const stats = this.#stats;
    stats.lines++;
    const text = decodeBytes(buf, start, end).trim();
    if (text === "") {
      stats.headerLines++;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.skipLine("invalid-json", line, err instanceof Error ? err.message : undefined);
      return;
    }
    const parsed = parseJsonlRecord(value);
    if (!parsed.ok) {
      this.skipLine("invalid-record", line, parsed.error);
      return;
    }
    const r = parsed.record;
    switch (r.type) {
      case "meta":
        stats.headerLines++;
        if (r.timeUnit) stats.timeUnit = r.timeUnit;
        return;
      case "lost":
        stats.markerLines++;
        if (r.count !== null) addCount(stats.lostByCpu, r.cpu, r.count);
        else addCount(stats.lostMarkersWithoutCount, r.cpu);
        out.push({ type: "lost", line, cpu: r.cpu, count: r.count });
        return;
      case "buffer-started":
        stats.markerLines++;
        out.push({ type: "buffer-started", line, cpu: r.cpu });
        return;
      case "event": {
        stats.events++;
        addCount(stats.eventsByName, r.name);
        addCount(stats.eventsByCpu, r.cpu);
        if (this.#keep !== undefined && !this.#keep(r.name)) return;
        const ts = BigInt(r.ts);
        if (ts < this.#lastTs) {
          stats.outOfOrder++;
          if (stats.firstOutOfOrderLine === 0) stats.firstOutOfOrderLine = line;
        } else {
          this.#lastTs = ts;
        }
        if (stats.timeUnit === undefined) stats.timeUnit = "ns";
        if (this.firstTs === undefined || ts < this.firstTs) this.firstTs = ts;
        if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
        out.push({
          type: "event",
          line,
          comm: r.comm,
          pid: r.pid,
          tgid: r.tgid,
          cpu: r.cpu,
          flags: r.flags,
          ts,
          name: r.name,
          fields: r.fields,
          stack: r.stack,
        });
      }
    }
  }

  /**
   * Processes every LF-terminated line of `buf[start, end)`, numbering them
   * on from {@link lineNo}; lines longer than `maxLine` are skipped. Returns
   * the offset after the last LF. `words` is `wordView(buf)`.
   */
  addLines(
    buf: Uint8Array,
    words: Uint32Array | undefined,
    start: number,
    end: number,
    maxLine: number,
    out: TraceRecord[],
  ): number {
    let s = start;
    while (true) {
      const nl = findLineFeed(buf, words, s, end);
      if (nl < 0) return s;
      const line = ++this.lineNo;
      if (nl - s > maxLine) {
        this.#stats.lines++;
        this.skipLine("line-too-long", line);
      } else {
        this.addLine(buf, s, nl, line, out);
      }
      s = nl + 1;
    }
  }

  /** Nothing is held back in JSON Lines. */
  flush(_out: TraceRecord[]): void {}

  /** A pause in a live stream: nothing is held (stacks are part of their event's line). */
  idle(_out: TraceRecord[]): void {}

  /** The stats are updated as lines come: nothing to copy. */
  syncStats(): void {}
}
