/**
 * The trace reader: bytes from a file, stdin or FIFO → lines → records, in
 * constant memory. Yields records in batches (one per read) so that callers
 * pay one `await` per batch, not per event.
 *
 * @module
 */

import type { InputFormat, TraceRecord } from "../events/types.ts";
import { CH } from "./ascii.ts";
import { type ByteSource, openByteSource } from "./byte_source.ts";
import { BinaryInputError } from "./errors.ts";
import { JsonlRecordBuilder } from "./jsonl_reader.ts";
import { createReadStats, type ReadStats } from "./read_stats.ts";
import { type BuilderOptions, RecordBuilder } from "./record_builder.ts";
import { sniffInput } from "./sniff.ts";

/** Options of {@link readTrace}. */
export interface ReadOptions extends BuilderOptions {
  /** Force a format instead of detecting it. */
  readonly format?: InputFormat;
  /**
   * Lines longer than this are skipped (and counted) without being buffered whole.
   * @default 65536
   */
  readonly maxLineBytes?: number;
  /**
   * Size of each read; memory use is about this plus `maxLineBytes`.
   * @default 1048576
   */
  readonly chunkBytes?: number;
}

/** An open trace: its counters, and its records as an async sequence of batches. */
export interface TraceReader {
  /** Counters, updated as batches are consumed; final once iteration ends. */
  readonly stats: ReadStats;
  /** Earliest and latest event timestamps seen so far (kept events only). */
  timeSpan(): { first: bigint | undefined; last: bigint | undefined };
  /** The records, in input order, in batches. */
  batches(): AsyncGenerator<TraceRecord[], void, undefined>;
}

interface LineSink {
  addLine(buf: Uint8Array, start: number, end: number, line: number, out: TraceRecord[]): void;
  skipLine(reason: "line-too-long", line: number): void;
  flush(out: TraceRecord[]): void;
  firstTs: bigint | undefined;
  lastTs: bigint | undefined;
}

/**
 * Opens `path` (`-` for stdin) and reads it as a trace.
 *
 * @example
 * ```ts ignore
 * const reader = await readTrace("boot.trace");
 * for await (const batch of reader.batches()) {
 *   for (const r of batch) if (r.type === "event") console.log(r.name);
 * }
 * console.log(reader.stats.skippedLines);
 * ```
 */
export async function readTrace(path: string, options: ReadOptions = {}): Promise<TraceReader> {
  return readTraceFrom(await openByteSource(path), options);
}

/** Like {@link readTrace}, over an already open {@link ByteSource}. */
export function readTraceFrom(source: ByteSource, options: ReadOptions = {}): TraceReader {
  const stats = createReadStats(source.name);
  let sink: LineSink | undefined;
  return {
    stats,
    timeSpan: () => ({ first: sink?.firstTs, last: sink?.lastTs }),
    batches: () =>
      readBatches(source, stats, options, (format) => {
        sink = format === "jsonl"
          ? new JsonlRecordBuilder(stats, options)
          : new RecordBuilder(stats, options);
        return sink;
      }),
  };
}

async function* readBatches(
  source: ByteSource,
  stats: ReadStats,
  options: ReadOptions,
  makeSink: (format: InputFormat) => LineSink,
): AsyncGenerator<TraceRecord[], void, undefined> {
  const maxLine = options.maxLineBytes ?? 65536;
  const chunk = options.chunkBytes ?? 1 << 20;
  const buf = new Uint8Array(chunk + maxLine + 1);
  let filled = 0;
  let eof = false;
  try {
    // Fill enough of the buffer to sniff the format.
    while (!eof && filled < 4096) {
      const n = await source.read(buf.subarray(filled, filled + chunk));
      if (n === null) eof = true;
      else {
        filled += n;
        stats.bytes += n;
      }
      if (n === 0) break;
    }
    let format = options.format;
    if (format === undefined) {
      const sniff = sniffInput(buf.subarray(0, filled));
      if (sniff.kind === "binary") {
        throw new BinaryInputError(source.name, sniff.looksLike, sniff.hint);
      }
      format = sniff.format;
    } else {
      stats.formatForced = true;
    }
    stats.format = format;
    const sink = makeSink(format);
    let lineNo = 0;
    let discarding = false;
    let out: TraceRecord[] = [];
    while (true) {
      const view = buf.subarray(0, filled);
      let s = 0;
      if (discarding) {
        const nl = view.indexOf(CH.LF);
        if (nl < 0) {
          filled = 0;
        } else {
          discarding = false;
          stats.lines++;
          sink.skipLine("line-too-long", ++lineNo);
          s = nl + 1;
        }
      }
      if (!discarding) {
        // Hot loop: one native indexOf per line, no per-line copies.
        while (true) {
          const nl = view.indexOf(CH.LF, s);
          if (nl < 0) break;
          lineNo++;
          if (nl - s > maxLine) {
            stats.lines++;
            sink.skipLine("line-too-long", lineNo);
          } else {
            sink.addLine(buf, s, nl, lineNo, out);
          }
          s = nl + 1;
        }
        const rem = filled - s;
        if (eof) {
          if (rem > 0) {
            lineNo++;
            if (rem > maxLine) {
              stats.lines++;
              sink.skipLine("line-too-long", lineNo);
            } else {
              sink.addLine(buf, s, filled, lineNo, out);
            }
          }
          sink.flush(out);
          if (out.length > 0) yield out;
          return;
        }
        if (rem > maxLine) {
          discarding = true;
          filled = 0;
        } else {
          buf.copyWithin(0, s, filled);
          filled = rem;
        }
      } else if (eof) {
        stats.lines++;
        sink.skipLine("line-too-long", ++lineNo);
        sink.flush(out);
        if (out.length > 0) yield out;
        return;
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
      const n = await source.read(buf.subarray(filled, filled + chunk));
      if (n === null) eof = true;
      else if (n === 0) {
        // A live source went quiet: release the records held for stack attachment.
        sink.flush(out);
      } else {
        filled += n;
        stats.bytes += n;
      }
    }
  } finally {
    source.close();
  }
}
