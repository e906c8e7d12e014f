/**
 * Test helpers that read a trace.dat two ways — natively, and as
 * `trace-cmd report` text through the text reader — and list where the
 * records differ. Report text has microsecond timestamps (rounded), so
 * times are compared at that precision.
 *
 * @module
 */

import type { TraceEvent, TraceRecord } from "../../../src/events/types.ts";
import { memoryByteSource, openByteSource } from "../../../src/ingest/byte_source.ts";
import {
  createDatStats,
  type DatStats,
  readDatBatches,
} from "../../../src/ingest/dat/dat_reader.ts";
import { createReadStats, type ReadStats } from "../../../src/ingest/read_stats.ts";
import { readTraceFrom } from "../../../src/ingest/read_trace.ts";

/** Whether `trace-cmd` can be run here. */
export async function haveTraceCmd(): Promise<boolean> {
  try {
    const out = await new Deno.Command("trace-cmd", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success || out.code === 0 || out.code === 255 || out.code === 1;
  } catch {
    return false;
  }
}

/** The compression algorithms this trace-cmd supports (`trace-cmd list -c`). */
export async function traceCmdCompressions(): Promise<string[]> {
  const out = await new Deno.Command("trace-cmd", {
    args: ["list", "-c"],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  return [...text.matchAll(/^\s+(.+)$/gm)].flatMap((m) => m[1].split(",")).map((s) =>
    s.trim().split(" ")[0]
  )
    .filter((s) => s !== "");
}

/** Runs `trace-cmd report -i path ...args` and returns its standard output. */
export async function reportText(path: string, args: string[] = []): Promise<string> {
  const out = await new Deno.Command("trace-cmd", {
    args: ["report", "-i", path, ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/**
 * `trace-cmd report` of bytes that are not in a file: a shell writes them to
 * a temporary file first (the tests run without write permission).
 */
export async function reportBytes(data: Uint8Array, args: string[] = []): Promise<string> {
  const script =
    'f=$(mktemp) && cat > "$f" && trace-cmd report -i "$f" "$@"; s=$?; rm -f "$f"; exit $s';
  const child = new Deno.Command("sh", {
    args: ["-c", script, "sh", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(data);
  await writer.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stdout);
}

/** Reads report text with the project's text reader (the oracle in report_text.ts avoids it). */
export async function textRecords(text: string, name = "report.txt"): Promise<TraceRecord[]> {
  const reader = readTraceFrom(memoryByteSource(name, new TextEncoder().encode(text)));
  const out: TraceRecord[] = [];
  for await (const b of reader.batches()) out.push(...b);
  return out;
}

/** The records of a trace.dat read natively, with counters and the error that ended it. */
export interface DatResult {
  /** Records. */
  readonly records: TraceRecord[];
  /** Common counters. */
  readonly stats: ReadStats;
  /** trace.dat counters. */
  readonly dat: DatStats;
  /** The error that ended the read, if any. */
  readonly error: unknown;
}

/** Reads a trace.dat (path or bytes) natively. */
export async function datRecords(
  input: string | Uint8Array,
  options: {
    buffer?: string;
    keepEvent?: (n: string) => boolean;
    batchSize?: number;
    strict?: boolean;
  } = {},
): Promise<DatResult> {
  const source = typeof input === "string"
    ? await openByteSource(input)
    : memoryByteSource("mem.dat", input);
  const stats = createReadStats(source.name);
  const dat = createDatStats();
  const records: TraceRecord[] = [];
  let error: unknown;
  try {
    for await (const b of readDatBatches(source, stats, { ...options, datStats: dat })) {
      records.push(...b);
    }
  } catch (err) {
    error = err;
  } finally {
    source.close();
  }
  return { records, stats, dat, error };
}

/** Rounds nanoseconds to the microseconds report prints (`%6.1000d` rounds). */
export function toReportUs(ns: bigint): bigint {
  return ((ns + 500n) / 1000n) * 1000n;
}

function events(rs: TraceRecord[]): TraceEvent[] {
  return rs.filter((r): r is TraceEvent => r.type === "event");
}

/** One difference between the two readings. */
export interface Mismatch {
  /** Index of the event in order. */
  readonly index: number;
  /** Which property differs. */
  readonly what: string;
  /** The native value. */
  readonly dat: string;
  /** The value from report text. */
  readonly report: string;
}

/**
 * Compares native records with report-text records: count, then per event
 * name, time (µs), CPU, pid, comm, fields and stack frames.
 * `fieldsFor` limits the text comparison to some events (all when absent).
 */
export function compareRecords(
  dat: TraceRecord[],
  report: TraceRecord[],
  fieldsFor?: (name: string) => boolean,
): Mismatch[] {
  const a = events(dat);
  const b = events(report);
  const out: Mismatch[] = [];
  if (a.length !== b.length) {
    out.push({ index: -1, what: "count", dat: `${a.length}`, report: `${b.length}` });
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n && out.length < 50; i++) {
    const x = a[i];
    const y = b[i];
    const diff = (what: string, p: unknown, q: unknown) => {
      if (p !== q) out.push({ index: i, what, dat: String(p), report: String(q) });
    };
    diff("name", x.name, y.name);
    diff("ts", toReportUs(x.ts), y.ts);
    diff("cpu", x.cpu, y.cpu);
    diff("pid", x.pid, y.pid);
    diff("comm", x.comm, y.comm);
    if (!fieldsFor || fieldsFor(x.name)) diff("fields", x.fields, y.fields);
    diff("stack", JSON.stringify(x.stack), JSON.stringify(y.stack));
  }
  return out;
}

/** Lost markers as `cpu:count` strings, in order. */
export function lostMarkers(rs: TraceRecord[]): string[] {
  return rs.filter((r) => r.type === "lost").map((r) =>
    `${r.cpu}:${r.type === "lost" ? r.count : ""}`
  );
}
