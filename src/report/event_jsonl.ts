/**
 * Writes records in the kvmreq JSON Lines format (see
 * `src/ingest/jsonl_schema.ts`), which every command reads back unchanged.
 *
 * @module
 */

import type { InputFormat, TimeUnit, TraceRecord } from "../events/types.ts";

/** The `meta` line that opens a JSON Lines stream. */
export function jsonlMetaLine(
  source: string,
  format: InputFormat | undefined,
  unit: TimeUnit | undefined,
): string {
  const meta: Record<string, string> = { type: "meta", source };
  if (format !== undefined) meta.format = format;
  if (unit !== undefined) meta.timeUnit = unit;
  return JSON.stringify(meta) + "\n";
}

/** One record as one JSON line (timestamps as decimal strings, absent fields omitted). */
export function recordToJsonl(r: TraceRecord): string {
  if (r.type !== "event") return JSON.stringify(r) + "\n";
  const o: Record<string, unknown> = { type: "event", line: r.line, comm: r.comm, pid: r.pid };
  if (r.tgid !== undefined) o.tgid = r.tgid;
  o.cpu = r.cpu;
  if (r.flags !== undefined) o.flags = r.flags;
  o.ts = r.ts.toString();
  o.name = r.name;
  o.fields = r.fields;
  if (r.stack !== undefined) o.stack = r.stack;
  return JSON.stringify(o) + "\n";
}
