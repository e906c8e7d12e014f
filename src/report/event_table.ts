/**
 * The readable form of records for `kvmreq events`: one line per record in
 * the layout of `trace-cmd report`, prefixed with the input line number so a
 * user can jump to the source, stacks indented below their event.
 *
 * @module
 */

import type { TimeUnit, TraceRecord } from "../events/types.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import { termSafeLines } from "./term_safe.ts";

/** Formats one record (and its stack) for the table output; ends with a newline. */
export function recordToTableLine(r: TraceRecord, unit: TimeUnit): string {
  const at = String(r.line).padStart(7);
  if (r.type === "lost") {
    return `${at}  CPU:${r.cpu} [LOST ${r.count === null ? "?" : r.count} EVENTS]\n`;
  }
  if (r.type === "buffer-started") return `${at}  ##### CPU ${r.cpu} buffer started ####\n`;
  const task = `${r.comm}-${r.pid}`.padStart(22);
  const tgid = r.tgid === undefined
    ? ""
    : r.tgid === null
    ? " (-------)"
    : ` (${String(r.tgid).padStart(7)})`;
  const flags = r.flags === undefined ? "" : ` ${r.flags}`;
  const ts = formatTimestamp(r.ts, unit).padStart(16);
  let text = `${at}  ${task}${tgid} [${
    String(r.cpu).padStart(3, "0")
  }]${flags} ${ts}: ${r.name}: ${r.fields}\n`;
  if (r.stack !== undefined) { for (const f of r.stack) text += `${" ".repeat(9)}=> ${f}\n`; }
  return termSafeLines(text);
}
