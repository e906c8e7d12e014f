/**
 * Test helpers: read a trace held in memory and collect its records.
 *
 * @module
 */

import type { TraceRecord } from "../../src/events/types.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import type { ReadStats } from "../../src/ingest/read_stats.ts";
import { type ReadOptions, readTraceFrom } from "../../src/ingest/read_trace.ts";

/** Reads `text` (or bytes) as a trace named `name`, delivering at most `piece` bytes per read. */
export async function readAll(
  data: string | Uint8Array,
  options: ReadOptions = {},
  piece = 1 << 20,
  name = "test.trace",
): Promise<{ records: TraceRecord[]; stats: ReadStats }> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const reader = readTraceFrom(memoryByteSource(name, bytes, piece), options);
  const records: TraceRecord[] = [];
  for await (const batch of reader.batches()) records.push(...batch);
  return { records, stats: reader.stats };
}

/** True when every line landed in exactly one bucket. */
export function countsAddUp(s: ReadStats): boolean {
  return s.lines === s.events + s.stackLines + s.headerLines + s.markerLines + s.skippedLines;
}
