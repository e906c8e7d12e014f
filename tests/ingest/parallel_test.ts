import assert from "node:assert/strict";
import type { TraceRecord } from "../../src/events/types.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import type { ReadStats } from "../../src/ingest/read_stats.ts";
import { type ReadOptions, readTrace, readTraceFrom } from "../../src/ingest/read_trace.ts";
import { type FuzzOptions, fuzzTrace } from "./trace_fuzz.ts";

/** What a reader produced: batch sizes, records (after the last batch), counters, or the error. */
interface Outcome {
  batches: number[];
  records: TraceRecord[];
  stats: ReadStats;
  error: string | undefined;
}

async function collect(
  reader: { stats: ReadStats; batches(): AsyncGenerator<TraceRecord[]> },
): Promise<Outcome> {
  const batches: number[] = [];
  const records: TraceRecord[] = [];
  let error: string | undefined;
  try {
    for await (const b of reader.batches()) {
      batches.push(b.length);
      records.push(...b);
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  return { batches, records, stats: reader.stats, error };
}

/** Counters as plain data, with map entries in insertion order. */
function statsData(s: ReadStats): unknown {
  return {
    ...s,
    skipped: [...s.skipped.entries()],
    eventsByName: [...s.eventsByName.entries()],
    eventsByCpu: [...s.eventsByCpu.entries()],
    lostByCpu: [...s.lostByCpu.entries()],
    lostMarkersWithoutCount: [...s.lostMarkersWithoutCount.entries()],
  };
}

function assertSame(actual: Outcome, expected: Outcome, what: string, batches = true): void {
  assert.equal(actual.error, expected.error, `${what}: error`);
  if (expected.error !== undefined) {
    // After a --strict failure only the counters up to the failing line are meaningful.
    return;
  }
  assert.deepStrictEqual(statsData(actual.stats), statsData(expected.stats), `${what}: stats`);
  assert.equal(actual.records.length, expected.records.length, `${what}: record count`);
  for (let i = 0; i < expected.records.length; i++) {
    assert.deepStrictEqual(actual.records[i], expected.records[i], `${what}: record ${i}`);
  }
  if (batches) assert.deepStrictEqual(actual.batches, expected.batches, `${what}: batches`);
}

const KEEP = new Set(["kvm_entry", "kvm_exit", "sched_waking", "ipi_send_cpu", "kvm_vcpu_kick"]);

interface Case {
  readonly seed: number;
  readonly fuzz: FuzzOptions;
  readonly chunkBytes: number;
  /** Read and parallel chunk size (a multiple of `chunkBytes` after rounding). */
  readonly readBytes: number;
  readonly keep: boolean;
  readonly strict?: boolean;
  readonly workers: number;
}

async function runCase(c: Case, path: string): Promise<void> {
  const data = fuzzTrace(c.seed, c.fuzz);
  await Deno.writeFile(path, data);
  const options: ReadOptions = {
    chunkBytes: c.chunkBytes,
    readBytes: c.readBytes,
    maxLineBytes: c.fuzz.maxLine,
    keepEvent: c.keep ? (n) => KEEP.has(n) : undefined,
    strict: c.strict,
  };
  const what =
    `seed ${c.seed}, chunk ${c.chunkBytes}, read ${c.readBytes}, maxLine ${c.fuzz.maxLine}, keep ${c.keep}, ` +
    `workers ${c.workers}${c.strict ? ", strict" : ""}`;
  const sequential = await collect(readTraceFrom(memoryByteSource(path, data), options));
  const parallel = await collect(
    await readTrace(path, { ...options, parallel: true, workers: c.workers }),
  );
  assertSame(parallel, sequential, `parallel vs sequential (${what})`);
  if (!c.strict) {
    assert.ok(sequential.batches.length > 2, `${what}: the input spans several chunks`);
  }
}

Deno.test("parallel and sequential readers match record by record and stat by stat", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    let seed = 1;
    for (const chunkBytes of [1024, 4096, 16384]) {
      for (const maxLine of [300, 2000]) {
        for (const keep of [true, false]) {
          for (const noFinalNewline of [false, true]) {
            await runCase({
              seed: seed++,
              fuzz: { lines: 1500, maxLine, noFinalNewline },
              chunkBytes,
              readBytes: chunkBytes * (1 + (seed % 4)) - (seed % 3),
              keep,
              workers: 1 + (seed % 2),
            }, path);
          }
        }
      }
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parallel reader: heavy garbage, long lines spanning chunks, strict mode", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    for (let seed = 100; seed < 106; seed++) {
      await runCase({
        seed,
        fuzz: { lines: 800, maxLine: 700, garbage: 0.4, noFinalNewline: seed % 2 === 0 },
        chunkBytes: 512,
        readBytes: 1500,
        keep: seed % 3 !== 0,
        workers: 2,
      }, path);
    }
    for (let seed = 200; seed < 204; seed++) {
      await runCase({
        seed,
        fuzz: { lines: 600, maxLine: 300, garbage: 0.01 },
        chunkBytes: 2048,
        readBytes: 8192,
        keep: true,
        strict: true,
        workers: 1,
      }, path);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parallel reader: chunks of short lines that do not fit a shared slot travel as messages", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    const lines: string[] = [];
    for (let i = 0; i < 40000; i++) {
      const cpu = i % 7;
      lines.push(
        i % 9 === 0
          ? ` => f${i % 5}`
          : i % 11 === 0
          ? `x-${i % 13} [${cpu}] ${1 + i / 1e6}: <stack trace>`
          : `c-${i % 13} [${cpu}] ${1 + i / 1e6}: e${i % 4}: ${i % 3}`,
      );
    }
    const data = new TextEncoder().encode(lines.join("\n") + "\n");
    await Deno.writeFile(path, data);
    for (const keep of [true, false]) {
      const options: ReadOptions = {
        chunkBytes: 4096,
        readBytes: 65536,
        keepEvent: keep ? (n) => n !== "e1" : undefined,
      };
      const sequential = await collect(readTraceFrom(memoryByteSource(path, data), options));
      const parallel = await collect(
        await readTrace(path, { ...options, parallel: true, workers: 1 }),
      );
      assertSame(parallel, sequential, `short lines, keep ${keep}`);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parallel reader: many small chunks and three workers racing for them", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    for (let seed = 300; seed < 306; seed++) {
      await runCase({
        seed,
        fuzz: { lines: 4000, maxLine: 400, garbage: 0.05 },
        chunkBytes: 512,
        readBytes: 1024,
        keep: seed % 2 === 0,
        workers: 3,
      }, path);
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parallel reader: a large generated trace with the default sizes", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    await runCase({
      seed: 7,
      fuzz: { lines: 30000, maxLine: 65536, garbage: 0.01 },
      chunkBytes: 1 << 16,
      readBytes: 1 << 20,
      keep: true,
      workers: 1,
    }, path);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parallel reader: field texts interned by the threads, slots replaced over and over, match the sequential reader's", async () => {
  // 9,000 distinct field texts, each repeated (the intern tables take a text
  // on its second sight), more than the 4,096 slots: slots change hands all
  // the time, and every thread's slot numbers must mean the same text where
  // they are applied.
  const lines: string[] = [];
  let ns = 0;
  for (let i = 0; i < 90_000; i++) {
    const text = (i * 7919) % 9000;
    const vcpu = text % 4;
    ns += 1000;
    const ts = `${100 + Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, "0").slice(0, 6)}`;
    lines.push(
      `       CPU ${vcpu}/KVM-${
        100 + vcpu
      }    [00${vcpu}] d..1.  ${ts}: kvm_entry: vcpu ${vcpu}, ` +
        `rip 0x${(0xffffffff81000000 + text * 16).toString(16)}`,
    );
  }
  const data = new TextEncoder().encode(lines.join("\n") + "\n");
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    await Deno.writeFile(path, data);
    const options: ReadOptions = { chunkBytes: 16384, readBytes: 65536 };
    const sequential = await collect(readTraceFrom(memoryByteSource(path, data), options));
    for (const workers of [1, 2]) {
      const parallel = await collect(
        await readTrace(path, { ...options, parallel: true, workers }),
      );
      assertSame(parallel, sequential, `interned field texts, ${workers} workers`);
    }
    assert.equal(sequential.records.length, 90_000);
  } finally {
    await Deno.remove(path);
  }
});
