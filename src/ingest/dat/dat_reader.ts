/**
 * The trace.dat reader: trace-cmd's binary recordings (file versions 6 and
 * 7, either byte order, 4- or 8-byte longs, zstd/zlib compression) read
 * natively into kvmreq's normalized records, with the same events, times,
 * CPUs, pids, task names and event text `trace-cmd report` prints.
 *
 * Reading is lazy: each CPU's pages are fetched a block at a time and the
 * CPUs are merged by timestamp with a heap, so memory stays flat whatever
 * the file size (for a regular file; piped input is held in memory).
 *
 * `line` of a record is its 1-based ordinal in output order (every event,
 * filtered or not, every unattached `kernel_stack` and every lost-events
 * marker counts one), since a binary file has no lines. Only one buffer is
 * read: the top one unless {@link DatReadOptions.buffer} names an instance.
 *
 * @module
 */

import type { TraceRecord } from "../../events/types.ts";
import { kernelHintFromUname } from "../../kernels/kernel_hint.ts";
import type { ByteSource } from "../byte_source.ts";
import { InputError } from "../errors.ts";
import { createReadStats, DAMAGE_EXAMPLES_KEPT, type ReadStats } from "../read_stats.ts";
import type { BuilderOptions } from "../record_builder.ts";
import type { TraceReader } from "../read_trace.ts";
import { compressedSource, plainSource } from "./block_source.ts";
import { CpuStream, Step } from "./cpu_stream.ts";
import { DatFormatError } from "./dat_error.ts";
import { createDatStats, type DatStats } from "./dat_stats.ts";
import { MergeHeap } from "./merge_heap.ts";
import { readMeta } from "./meta_read.ts";
import type { BufferInfo, DatMeta } from "./meta_types.ts";
import { type RandomAccess, randomAccessFor, type ReadCounter } from "./random_access.ts";
import { RecordDecoder } from "./record_decoder.ts";
import { RecordEmitter, type TimeFix } from "./record_emitter.ts";

export { isTraceDat } from "./meta_read.ts";
export { DatFormatError } from "./dat_error.ts";
export { createDatStats, type DatStats } from "./dat_stats.ts";

/** Options of {@link readDatBatches}. */
export interface DatReadOptions extends BuilderOptions {
  /** Instance to read (`""` is the top buffer). @default "" */
  readonly buffer?: string;
  /** Fill `flags` with libtraceevent's latency column (`d..1.`). @default true */
  readonly flags?: boolean;
  /** Records per batch. @default 4096 */
  readonly batchSize?: number;
  /** Receives the trace.dat counters. */
  readonly datStats?: DatStats;
  /** Bytes already read from the start of the source (e.g. while sniffing). */
  readonly head?: Uint8Array;
  /**
   * Parse every event format up front (unreadable ones are then all counted
   * in {@link DatStats.badFormats}), not only those of events met.
   */
  readonly allFormats?: boolean;
}

/** A {@link TraceReader} that also exposes the trace.dat counters. */
export interface DatTraceReader extends TraceReader {
  /** trace.dat counters, final once iteration ends. */
  readonly datStats: DatStats;
}

const NS_CLOCKS = new Set(["local", "global", "uptime", "perf", "tsc2nsec"]);

function pickBuffer(meta: DatMeta, name: string, file: string): BufferInfo {
  const buf = meta.buffers.find((b) => b.name === name);
  const all = meta.buffers.map((b) => JSON.stringify(b.name)).join(", ");
  if (!buf) {
    // No buffer at all is a damaged file (the options never named one); a missing name is a usage error.
    if (meta.buffers.length === 0) {
      throw new DatFormatError(file, "options", 0, "no trace buffer described in");
    }
    throw new InputError(file, 0, `trace.dat has no buffer "${name}" (buffers: ${all})`);
  }
  if (buf.latency) {
    throw new InputError(file, 0, `trace.dat buffer "${name}" holds latency text, not events`);
  }
  return buf;
}

function describe(meta: DatMeta, buf: BufferInfo, dat: DatStats): void {
  dat.version = meta.version;
  dat.compression = meta.compression;
  dat.bigEndian = meta.bigEndian;
  dat.kernelLongSize = meta.kernelLong;
  dat.pageSize = buf.pageSize;
  dat.clock = buf.clock ?? meta.clock;
  dat.buffers = meta.buffers.map((b) => b.name);
  dat.buffer = buf.name;
  dat.cpus = buf.cpus.filter((c) => c.size > 0).length;
  dat.badFormats = meta.badFormats;
  for (const [k, v] of meta.unknownOptions) dat.unknownOptions.set(k, v);
  for (const [k, v] of meta.ignoredOptions) dat.ignoredOptions.set(k, v);
}

/** Moves `s` to its next record, fetching pages when needed; false at its end. */
async function refillAndStep(s: CpuStream): Promise<boolean> {
  for (;;) {
    if (!(await s.refill())) return false;
    const st = s.step();
    if (st !== Step.NEED_DATA) return st === Step.RECORD;
  }
}

/** Everything set up to read one buffer. */
interface Session {
  readonly dec: RecordDecoder;
  readonly emit: RecordEmitter;
  readonly streams: CpuStream[];
}

async function setUp(
  ra: RandomAccess,
  counter: ReadCounter,
  stats: ReadStats,
  dat: DatStats,
  options: DatReadOptions,
): Promise<Session> {
  const meta = await readMeta(ra, counter);
  const buf = pickBuffer(meta, options.buffer ?? "", ra.name);
  describe(meta, buf, dat);
  if (meta.uname !== undefined) stats.kernel = kernelHintFromUname(meta.uname);
  const clock = buf.clock ?? meta.clock;
  const ns = meta.tsc2nsec || clock === undefined || NS_CLOCKS.has(clock) ||
    clock.startsWith("mono");
  stats.timeUnit = ns ? "ns" : "ticks";
  const dec = new RecordDecoder(meta);
  if (options.allFormats) dec.parseAll();
  const fix: TimeFix = {
    tsc: meta.tsc2nsec && { mult: BigInt(meta.tsc2nsec.mult), shift: BigInt(meta.tsc2nsec.shift) },
    offset: meta.tsOffset,
  };
  const emitOpts = { ...options, flags: options.flags ?? true };
  const emit = new RecordEmitter(dec, stats, dat, emitOpts, fix, meta.bigEndian);
  const layout = { pageSize: buf.pageSize, bigEndian: meta.bigEndian, kernelLong: meta.kernelLong };
  const cpus = buf.cpus.filter((c) => c.size > 0);
  // About 8 MB of page buffers in all, whatever the number of CPUs.
  const pages = Math.floor((8 << 20) / buf.pageSize / Math.max(1, cpus.length));
  const blockBytes = Math.max(1, Math.min(256, pages)) * buf.pageSize;
  const streams = cpus.map((c, i) => {
    const src = buf.compressed
      ? compressedSource(ra, c, meta.decompress!, meta.bigEndian, counter)
      : plainSource(ra, c, buf.pageSize, blockBytes, counter);
    return new CpuStream(ra.name, c.cpu, i, src, layout, options.strict === true);
  });
  return { dec, emit, streams };
}

/** The k-way merge: records in time order, into `pending.out`, yielded every `batch`. */
async function* merge(
  { emit, streams }: Session,
  pending: { out: TraceRecord[] },
  batch: number,
): AsyncGenerator<TraceRecord[], void, undefined> {
  const heap = new MergeHeap();
  for (const s of streams) if (await refillAndStep(s)) heap.push(s);
  while (heap.size > 0) {
    const s = heap.top() as CpuStream;
    const event = emit.record(s, pending.out);
    let more = s.step();
    let ok = more === Step.RECORD || (more === Step.NEED_DATA && await refillAndStep(s));
    // A kernel_stack right after its event on the same CPU joins it now, and
    // runs of records that are only counted skip the heap while they stay first.
    while (ok && event !== undefined) {
      more = emit.skipCounted(s, heap.second());
      if (more === Step.RECORD) {
        if (!emit.attachNext(s, pending.out)) break;
        more = s.step();
      }
      ok = more === Step.RECORD || (more === Step.NEED_DATA && await refillAndStep(s));
    }
    if (ok) heap.siftTop();
    else heap.pop();
    if (pending.out.length >= batch) {
      emit.flushCounts(streams);
      const out = pending.out;
      pending.out = [];
      yield out;
    }
  }
}

/**
 * Reads the trace.dat behind `source` and yields its records in batches,
 * merged across CPUs in timestamp order. A damaged page or compressed chunk
 * is skipped and counted in `stats.damaged` (the CPU's next record follows a
 * lost-events mark); with `strict`, or when the file's metadata is damaged,
 * reading ends with a {@link DatFormatError} after every record readable
 * before the damage.
 */
export async function* readDatBatches(
  source: ByteSource,
  stats: ReadStats,
  options: DatReadOptions = {},
): AsyncGenerator<TraceRecord[], void, undefined> {
  const dat = options.datStats ?? createDatStats();
  const counter: ReadCounter = { bytes: 0 };
  const ra = await randomAccessFor(source, options.head ?? new Uint8Array(0));
  const pending = { out: [] as TraceRecord[] };
  try {
    const session = await setUp(ra, counter, stats, dat, options);
    try {
      for await (const out of merge(session, pending, options.batchSize ?? 1024)) {
        stats.bytes = counter.bytes;
        yield out;
      }
    } finally {
      session.emit.flushCounts(session.streams);
      dat.badFormats += session.dec.badFormats;
    }
    dat.pages = session.streams.reduce((n, s) => n + s.pages, 0);
    for (const s of session.streams) {
      for (const d of s.damaged) {
        stats.damaged.count++;
        if (stats.damaged.examples.length < DAMAGE_EXAMPLES_KEPT) {
          stats.damaged.examples.push(d.reason);
        }
      }
    }
    for (const [k, v] of session.dec.fallbacks) dat.fallbacks.set(k, v);
    stats.bytes = counter.bytes;
    if (pending.out.length > 0) yield pending.out.splice(0);
    const damaged = session.streams.find((s) => s.error !== undefined);
    if (damaged?.error) throw damaged.error;
  } catch (err) {
    // Deliver what was decoded before the damage, then report it.
    if (pending.out.length > 0) yield pending.out.splice(0);
    if (err instanceof InputError) throw err;
    // Anything else is corrupt data this reader did not anticipate: report it as such.
    const wrapped = new DatFormatError(
      ra.name,
      "flyrecord",
      0,
      `unreadable data (${String(err)}) in`,
    );
    wrapped.cause = err;
    throw wrapped;
  } finally {
    stats.bytes = Math.max(stats.bytes, counter.bytes);
    ra.close();
  }
}

/**
 * A {@link TraceReader} over a trace.dat `source`, with its trace.dat
 * counters.
 *
 * @example
 * ```ts ignore
 * import { openByteSource } from "../byte_source.ts";
 * const reader = readDatFrom(await openByteSource("trace.dat"));
 * for await (const batch of reader.batches()) console.log(batch.length);
 * console.log(reader.datStats.version, reader.stats.events);
 * ```
 */
export function readDatFrom(source: ByteSource, options: DatReadOptions = {}): DatTraceReader {
  const stats = createReadStats(source.name);
  const datStats = options.datStats ?? createDatStats();
  return {
    stats,
    datStats,
    timeSpan: () => ({ first: datStats.firstTs, last: datStats.lastTs }),
    async *batches() {
      try {
        yield* readDatBatches(source, stats, { ...options, datStats });
      } finally {
        source.close();
      }
    },
  };
}
