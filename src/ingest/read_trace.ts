/**
 * The trace reader: bytes from a file, stdin or FIFO → lines → records, in
 * constant memory. Yields records in batches (one per read) so that callers
 * pay one `await` per batch, not per event.
 *
 * A large regular file in a text format is read on several cores after its
 * first chunk (see parallel/parallel_reader.ts); the records, batches and
 * counters are the same as reading it on one.
 *
 * @module
 */

import type { InputFormat, TraceRecord } from "../events/types.ts";
import { CH, wordView } from "./ascii.ts";
import { type ByteSource, openByteSource } from "./byte_source.ts";
import { createDatStats, type DatStats, isTraceDat, readDatBatches } from "./dat/dat_reader.ts";
import { BinaryInputError, InputError } from "./errors.ts";
import { NotATraceError } from "./no_events.ts";
import { readChunkBytes } from "./parallel/chunk_scan.ts";
import { readChunksInParallel } from "./parallel/parallel_reader.ts";
import { createReadStats, FIRST_LINE_CHARS, type ReadStats } from "./read_stats.ts";
import { type BuilderOptions, RecordBuilder } from "./record_builder.ts";
import { KEEP_YES } from "./limits.ts";
import { createLineScan, LineKind, scanFtraceLine } from "./ftrace_line.ts";
import { sniffInput } from "./sniff.ts";
import { kernelHintFromHeader } from "../kernels/kernel_hint.ts";

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
   * Records come in one batch per this many bytes of input (a line belongs
   * to the batch its newline falls in; the first batch is the bytes read to
   * detect the format). Small batches keep few records alive at a time,
   * which is what keeps a long run's memory flat.
   * @default 65536
   */
  readonly chunkBytes?: number;
  /**
   * Size of each read, and of each chunk a parallel reader hands to a
   * thread; rounded up to a multiple of `chunkBytes`. Memory use is about
   * this plus `maxLineBytes` (a few times that when reading in parallel).
   * @default 262144
   */
  readonly readBytes?: number;
  /**
   * Read a regular file on several threads: `true` whenever it is a regular
   * file in a text format, `false` never, by default when it is at least
   * {@link PARALLEL_MIN_BYTES} long, the machine has a second core, and at
   * most half the events in a sample from the middle of the file are kept.
   */
  readonly parallel?: boolean;
  /**
   * trace.dat: parse every event format the file holds, so that unreadable
   * ones are counted even when no event uses them (by default a format is
   * parsed when its event first appears). For `kvmreq stats`.
   */
  readonly allFormats?: boolean;
  /** trace.dat: the instance whose buffer is read (`""`, the default, is the top one). */
  readonly buffer?: string;
  /**
   * Worker threads for parallel reading.
   * @default available cores minus one, at most 3 (environment `KVMREQ_WORKERS` overrides)
   */
  readonly workers?: number;
}

/**
 * Files smaller than this are read on one thread unless `parallel: true`.
 * A second thread has to warm up (its code, and this thread's chunk path,
 * start unoptimized), which costs about 0.1–0.2 s on this project's 2-core
 * test machine: measured with `kvmreq lint` on slices of a real recording
 * (best of 7), two threads were slower up to 64 MB (32 MB: 0.33 s against
 * 0.25 s; 64 MB: 0.43 against 0.30) and even at 128 MB (0.44 against 0.42).
 */
export const PARALLEL_MIN_BYTES = 128 << 20;

/** An open trace: its counters, and its records as an async sequence of batches. */
export interface TraceReader {
  /** Counters, updated as batches are consumed; final once iteration ends. */
  readonly stats: ReadStats;
  /** Earliest and latest event timestamps seen so far (kept events only). */
  timeSpan(): { first: bigint | undefined; last: bigint | undefined };
  /** The records, in input order, in batches. */
  batches(): AsyncGenerator<TraceRecord[], void, undefined>;
  /** trace.dat counters, when the input is a trace.dat (final once iteration ends). */
  readonly datStats?: DatStats;
}

/**
 * What {@link readText} feeds: the ftrace {@link RecordBuilder} or the JSON
 * Lines builder. It numbers lines itself (`lineNo`), takes the complete
 * lines of a buffer at once (`addLines`, which returns where the unfinished
 * line starts) and copies its counts to the stats at batch ends.
 */
interface LineSink {
  lineNo: number;
  addLines(
    buf: Uint8Array,
    words: Uint32Array | undefined,
    start: number,
    end: number,
    maxLine: number,
    out: TraceRecord[],
  ): number;
  addLine(buf: Uint8Array, start: number, end: number, line: number, out: TraceRecord[]): void;
  skipLine(reason: "line-too-long", line: number): void;
  flush(out: TraceRecord[]): void;
  idle(out: TraceRecord[]): void;
  syncStats(): void;
  firstTs: bigint | undefined;
  lastTs: bigint | undefined;
}

/** A regular file behind a byte source, which parallel reading may re-open. */
interface RegularFile {
  readonly path: string;
  readonly size: number;
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
  const source = await openByteSource(path);
  let file: RegularFile | undefined;
  if (path !== "-" && options.parallel !== false) {
    try {
      const info = await Deno.stat(path);
      if (info.isFile) file = { path, size: info.size };
    } catch { /* read it as a stream */ }
  }
  return readTraceOf(source, options, file);
}

/** Like {@link readTrace}, over an already open {@link ByteSource}. */
export function readTraceFrom(source: ByteSource, options: ReadOptions = {}): TraceReader {
  return readTraceOf(source, options, undefined);
}

function readTraceOf(
  source: ByteSource,
  options: ReadOptions,
  file: RegularFile | undefined,
): TraceReader {
  const stats = createReadStats(source.name);
  let sink: LineSink | undefined;
  const dat = createDatStats();
  return {
    stats,
    get datStats() {
      return stats.format === "dat" ? dat : undefined;
    },
    timeSpan: () => ({ first: sink?.firstTs ?? dat.firstTs, last: sink?.lastTs ?? dat.lastTs }),
    batches: () =>
      readBatches(source, stats, options, file, async (format) => {
        // JSON Lines (and zod, which validates them) are loaded only when read.
        sink = format === "jsonl"
          ? new (await import("./jsonl_reader.ts")).JsonlRecordBuilder(stats, options)
          : new RecordBuilder(stats, options);
        return sink;
      }, dat),
  };
}

/** The `#` comment lines at the start of `head` (the bytes read to detect the format). */
function headerComments(head: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < head.length && out.length < 64) {
    const end = head.indexOf(CH.LF, start);
    if (end < 0) break;
    if (head[start] !== CH.HASH) {
      if (end > start) break;
    } else out.push(new TextDecoder().decode(head.subarray(start, end)));
    start = end + 1;
  }
  return out;
}

/** Worker threads to use: the option, else `KVMREQ_WORKERS`, else cores − 1 (at most 3). */
function workerCount(options: ReadOptions): number {
  if (options.workers !== undefined) return Math.max(0, Math.floor(options.workers));
  try {
    const env = Deno.permissions.querySync({ name: "env", variable: "KVMREQ_WORKERS" });
    if (env.state === "granted") {
      const v = Deno.env.get("KVMREQ_WORKERS");
      if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v.trim());
    }
  } catch { /* no permission API: use the default */ }
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency ?? 1 : 1;
  return Math.max(0, Math.min(3, cores - 1));
}

async function* readBatches(
  source: ByteSource,
  stats: ReadStats,
  options: ReadOptions,
  file: RegularFile | undefined,
  makeSink: (format: InputFormat) => Promise<LineSink>,
  dat: DatStats,
): AsyncGenerator<TraceRecord[], void, undefined> {
  const maxLine = options.maxLineBytes ?? 65536;
  const chunk = Math.max(1, options.chunkBytes ?? 1 << 16);
  const readSize = Math.ceil(Math.max(chunk, options.readBytes ?? 1 << 18) / chunk) * chunk;
  const buf = new Uint8Array(readSize + maxLine + 1);
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
    const head = buf.subarray(0, filled);
    if (format === "dat" || (format === undefined && isTraceDat(head))) {
      // trace-cmd's binary recording: the trace.dat reader takes over.
      stats.format = "dat";
      stats.formatForced = format !== undefined;
      yield* readDatBatches(source, stats, { ...options, head, datStats: dat });
      return;
    }
    stats.firstLine = firstLineOf(head);
    if (format === undefined) {
      const sniff = sniffInput(head);
      if (sniff.kind === "binary") {
        throw new BinaryInputError(source.name, sniff.looksLike, sniff.hint);
      }
      if (sniff.kind === "document") {
        throw new NotATraceError(
          source.name,
          `${sniff.looksLike} (to read it as a trace anyway, give --input-format)`,
        );
      }
      format = sniff.format;
    } else {
      stats.formatForced = true;
    }
    stats.format = format;
    stats.kernel = kernelHintFromHeader(headerComments(head));
    if (options.buffer !== undefined && options.buffer !== "") {
      throw new InputError(
        source.name,
        0,
        `--buffer ${JSON.stringify(options.buffer)} selects an instance of a trace.dat; ` +
          `this input is ${format} text, which has one buffer`,
      );
    }
    const sink = await makeSink(format);
    if (sink instanceof RecordBuilder) {
      // After the first batch, a large regular file continues in parallel, in
      // chunks of `readSize` bytes (batches of `chunk`) from where the first
      // batch ended: the same batches the sequential loop would make. Unless
      // forced, not when most events are kept (a dense protocol trace): then
      // the main thread's work is building records, which a worker cannot
      // take over, and one thread is as fast and lighter.
      const workers = workerCount(options);
      const possible = file !== undefined && !eof && file.size > filled &&
        options.parallel !== false && workers > 0 &&
        (options.parallel === true || file.size >= PARALLEL_MIN_BYTES);
      let parallel = false;
      const offset = filled - readSize;
      yield* readText(source, sink, stats, buf, filled, eof, maxLine, readSize, chunk, () => {
        // Workers count only events of the input's timestamp kind, which its
        // first event line sets: with no event line yet, no hand-off.
        parallel = possible && sink.timestampTicks >= 0 &&
          (options.parallel === true || keptShare(file!.path, file!.size, sink) <= 0.5);
        return parallel;
      });
      if (parallel && file !== undefined) {
        yield* readChunksInParallel(sink, {
          path: file.path,
          plan: {
            size: file.size,
            chunkBytes: readSize,
            batchBytes: chunk,
            maxLine,
            offset,
            tsTicks: sink.timestampTicks,
          },
          firstChunk: 1,
          workers,
          window: 4 + 4 * workers,
        });
      }
      return;
    }
    yield* readText(source, sink, stats, buf, filled, eof, maxLine, readSize, chunk, () => false);
  } finally {
    source.close();
  }
}

/** The first non-blank line of `head`, cut at {@link FIRST_LINE_CHARS} characters. */
function firstLineOf(head: Uint8Array): string {
  const text = new TextDecoder().decode(head.subarray(0, 4096));
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const chars = [...line.trim()];
  return chars.length > FIRST_LINE_CHARS
    ? chars.slice(0, FIRST_LINE_CHARS).join("") + "…"
    : chars.join("");
}

/**
 * The share of events `builder` keeps in 256 KB from the middle of the file
 * (the start of a recording is often unlike the rest): a cheap estimate of
 * how much of the work only the main thread can do.
 */
function keptShare(path: string, size: number, builder: RecordBuilder): number {
  const sample = 1 << 18;
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    const from = Math.max(0, Math.floor(size / 2) - sample / 2);
    const to = Math.min(size, from + sample);
    const buf = readChunkBytes(file, from, to, new Uint8Array(to - from));
    const got = buf.length;
    const scan = createLineScan();
    let s = buf.indexOf(CH.LF) + 1;
    let events = 0;
    let kept = 0;
    while (s > 0 && s < got) {
      const nl = buf.indexOf(CH.LF, s);
      if (nl < 0 || nl >= got) break;
      if (scanFtraceLine(buf, s, nl, scan) === LineKind.Event) {
        events++;
        const id = builder.names.lookup(buf, scan.nameStart, scan.nameEnd, scan.nameHash);
        if (builder.keepOf(id) === KEEP_YES) kept++;
      }
      s = nl + 1;
    }
    return events === 0 ? 0 : kept / events;
  } catch {
    return 0;
  } finally {
    try {
      file?.close();
    } catch { /* closed */ }
  }
}

/**
 * The line loop (ftrace text and JSON Lines): reads `readSize` bytes at a
 * time and lets the sink's `addLines` take the complete lines, yielding a batch
 * at every `batchBytes` boundary of the input (counted from the end of the
 * first batch) and after each read. After the first batch it asks
 * `handOff`; `true` stops here (the parallel reader takes over).
 */
async function* readText(
  source: ByteSource,
  builder: LineSink,
  stats: ReadStats,
  buf: Uint8Array,
  filled: number,
  eof: boolean,
  maxLine: number,
  readSize: number,
  batchBytes: number,
  handOff: () => boolean,
): AsyncGenerator<TraceRecord[], void, undefined> {
  const words = wordView(buf);
  let discarding = false;
  let out: TraceRecord[] = [];
  /** Input offset just past `buf[filled - 1]`. */
  let inputEnd = filled;
  /** The next batch boundary (input offset); the first batch is what was read to sniff. */
  let boundary = filled;
  let first = true;
  while (true) {
    let s = 0;
    if (discarding) {
      const nl = buf.subarray(0, filled).indexOf(CH.LF);
      if (nl < 0) {
        filled = 0;
      } else {
        discarding = false;
        stats.lines++;
        builder.skipLine("line-too-long", ++builder.lineNo);
        s = nl + 1;
      }
    }
    if (!discarding) {
      // Batches end at each boundary inside the data read so far.
      const bufStart = inputEnd - filled;
      while (boundary < inputEnd) {
        s = builder.addLines(buf, words, s, boundary - bufStart, maxLine, out);
        boundary += batchBytes;
        builder.syncStats();
        if (out.length > 0) {
          yield out;
          out = [];
        }
      }
      s = builder.addLines(buf, words, s, filled, maxLine, out);
      const rem = filled - s;
      if (eof) {
        if (rem > 0) {
          const line = ++builder.lineNo;
          if (rem > maxLine) {
            stats.lines++;
            builder.skipLine("line-too-long", line);
          } else {
            builder.addLine(buf, s, filled, line, out);
          }
        }
        builder.flush(out);
        builder.syncStats();
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
      builder.skipLine("line-too-long", ++builder.lineNo);
      builder.flush(out);
      builder.syncStats();
      if (out.length > 0) yield out;
      return;
    } else {
      while (boundary < inputEnd) boundary += batchBytes;
    }
    if (boundary === inputEnd) boundary += batchBytes;
    builder.syncStats();
    if (out.length > 0) {
      yield out;
      out = [];
    }
    if (first) {
      first = false;
      if (handOff()) return;
    }
    const n = await source.read(buf.subarray(filled, filled + readSize));
    if (n === null) eof = true;
    else if (n === 0) {
      // A live source went quiet: release what no later line can change.
      builder.idle(out);
    } else {
      filled += n;
      inputEnd += n;
      stats.bytes += n;
    }
  }
}
