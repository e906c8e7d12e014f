/**
 * The summary `kvmreq stats` prints for one input: what was read, how every
 * line was classified, and the time span, as text or as a JSON object.
 *
 * @module
 */

import { formatTimestamp } from "../ingest/timestamp.ts";
import type { ReadStats } from "../ingest/read_stats.ts";
import type { DatStats } from "../ingest/dat/dat_stats.ts";
import { Opt } from "../ingest/dat/meta_types.ts";
import { SKIP_REASONS } from "../ingest/skip_reasons.ts";
import { termSafeLines } from "./term_safe.ts";

/** The JSON form of one input's statistics. */
export interface StatsSummary {
  /** The input's name as given. */
  file: string;
  /** Detected (or forced) input format, `null` when not known. */
  format: string | null;
  /** Whether the format was forced with `--input-format`. */
  formatForced: boolean;
  /** Unit of event timestamps, `null` without events. */
  timeUnit: string | null;
  /** Bytes read. */
  bytes: number;
  /** Lines read (a final line without newline counts). */
  lines: number;
  /** Event lines (including events a filter did not keep). */
  events: number;
  /** `<stack trace>` / `kernel_stack` lines and their `=> frame` lines. */
  stackLines: number;
  /** Header (`#`, `cpus=N`) and blank lines. */
  headerLines: number;
  /** Lost-events and buffer-started marker lines. */
  markerLines: number;
  /** Lines skipped, every reason together (see `skipped`). */
  skippedLines: number;
  /** Timestamp of the first event, as printed, `null` without events. */
  firstTimestamp: string | null;
  /** Timestamp of the last event, as printed, `null` without events. */
  lastTimestamp: string | null;
  /** Events whose timestamp is earlier than an event before them. */
  outOfOrderEvents: number;
  /** Line of the first of them, `null` when none. */
  firstOutOfOrderLine: number | null;
  /** Stack traces that had no event to attach to and stand alone. */
  unattachedStacks: number;
  /** Event count by event name. */
  eventsByName: Record<string, number>;
  /** Event count by CPU. */
  eventsByCpu: Record<string, number>;
  /** Event count by thread name. */
  eventsByComm: Record<string, number>;
  /** Events lost per CPU, summed from the lost-events markers. */
  lostEventsByCpu: Record<string, number>;
  /** Lost-events markers that gave no count, by CPU. */
  lostMarkersWithoutCount: Record<string, number>;
  /** Skipped lines by reason: how many, the reason in words, the first lines. */
  skipped: Record<string, { count: number; reason: string; exampleLines: number[] }>;
  /** What a trace.dat held and what of it was skipped; `null` for text inputs. */
  traceDat: TraceDatSummary | null;
}

/** The trace.dat part of a summary. */
export interface TraceDatSummary {
  /** File version (6 or 7). */
  version: number | null;
  /** Compression of the data (`none`, `zstd`, `zlib`). */
  compression: string | null;
  /** Byte order of the numbers. */
  byteOrder: "little-endian" | "big-endian";
  /** Size of the traced kernel's `long`. */
  kernelLongBytes: number;
  /** Ring-buffer page size. */
  pageBytes: number;
  /** Trace clock of the buffer read. */
  clock: string | null;
  /** Every buffer in the file (`""` is the top one). */
  buffers: string[];
  /** The buffer read. */
  buffer: string | null;
  /** CPUs with data in the buffer read. */
  cpus: number;
  /** Ring-buffer pages decoded. */
  pages: number;
  /** Data records decoded (events and stacks). */
  records: number;
  /** kernel_stack records attached to their event. */
  stacksAttached: number;
  /** Stacks of events a filter did not keep (never for `stats`, which keeps all). */
  stacksDropped: number;
  /** Event formats that could not be read (their events count as unknown). */
  unreadableFormats: number;
  /** Options this reader does not know, by name or id: skipped. */
  unknownOptions: Record<string, number>;
  /** Options known but not applied (guest time shifts, …). */
  ignoredOptions: Record<string, number>;
  /** Records whose event id has no readable format: skipped. */
  unknownEventRecords: number;
  /** Those records by event id. */
  unknownEventIds: Record<string, number>;
  /** Events printed as raw fields because libtraceevent could not use their print format. */
  rawFieldEvents: Record<string, { count: number; reason: string; error: string | null }>;
  /** Event texts of several lines, cut at the first as the text reader would. */
  multiLineTextsCut: number;
  /** Damaged pages and compressed chunks skipped (their events are missing). */
  damagedParts: number;
  /** The first of them, described. */
  damage: string[];
}

const OPTION_NAMES = new Map<number, string>(Object.entries(Opt).map(([k, v]) => [v, k]));

function optionCounts(m: ReadonlyMap<number, number>): Record<string, number> {
  return Object.fromEntries(
    [...m.entries()].sort((a, b) => a[0] - b[0]).map((
      [id, n],
    ) => [OPTION_NAMES.get(id) ?? `id ${id}`, n]),
  );
}

/** The trace.dat part of a summary, from the reader's counters. */
export function summarizeDat(
  d: DatStats,
  damaged: ReadStats["damaged"] = { count: 0, examples: [] },
): TraceDatSummary {
  const raw: TraceDatSummary["rawFieldEvents"] = {};
  for (const [name, f] of [...d.fallbacks.entries()].sort((a, b) => b[1].count - a[1].count)) {
    raw[name] = { count: f.count, reason: f.reason, error: f.error ?? null };
  }
  return {
    version: d.version ?? null,
    compression: d.compression ?? null,
    byteOrder: d.bigEndian ? "big-endian" : "little-endian",
    kernelLongBytes: d.kernelLongSize,
    pageBytes: d.pageSize,
    clock: d.clock ?? null,
    buffers: [...d.buffers],
    buffer: d.buffer ?? null,
    cpus: d.cpus,
    pages: d.pages,
    records: d.records,
    stacksAttached: d.attachedStacks,
    stacksDropped: d.droppedStacks,
    unreadableFormats: d.badFormats,
    unknownOptions: optionCounts(d.unknownOptions),
    ignoredOptions: optionCounts(d.ignoredOptions),
    unknownEventRecords: d.unknownEventRecords,
    unknownEventIds: sortedByKey(d.unknownEventIds),
    rawFieldEvents: raw,
    multiLineTextsCut: d.multiLineFields,
    damagedParts: damaged.count,
    damage: [...damaged.examples],
  };
}

function sortedByCount<K>(m: ReadonlyMap<K, number>): Record<string, number> {
  const entries = [...m.entries()].sort((a, b) =>
    b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))
  );
  return Object.fromEntries(entries.map(([k, v]) => [String(k), v]));
}

function sortedByKey(m: ReadonlyMap<number, number>): Record<string, number> {
  return Object.fromEntries(
    [...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
  );
}

/**
 * Builds the summary of `stats`, with per-comm counts and the time span the
 * caller collected, and the trace.dat counters when the input was one.
 */
export function summarizeStats(
  stats: ReadStats,
  comms: ReadonlyMap<string, number>,
  span: { first: bigint | undefined; last: bigint | undefined },
  dat?: DatStats,
): StatsSummary {
  const unit = stats.timeUnit ?? "ns";
  const skipped: StatsSummary["skipped"] = {};
  for (const [reason, c] of [...stats.skipped.entries()].sort((a, b) => b[1].count - a[1].count)) {
    skipped[reason] = { count: c.count, reason: SKIP_REASONS[reason], exampleLines: [...c.lines] };
  }
  return {
    file: stats.file,
    format: stats.format ?? null,
    formatForced: stats.formatForced,
    timeUnit: stats.timeUnit ?? null,
    bytes: stats.bytes,
    lines: stats.lines,
    events: stats.events,
    stackLines: stats.stackLines,
    headerLines: stats.headerLines,
    markerLines: stats.markerLines,
    skippedLines: stats.skippedLines,
    firstTimestamp: span.first === undefined ? null : formatTimestamp(span.first, unit),
    lastTimestamp: span.last === undefined ? null : formatTimestamp(span.last, unit),
    outOfOrderEvents: stats.outOfOrder,
    firstOutOfOrderLine: stats.outOfOrder > 0 ? stats.firstOutOfOrderLine : null,
    unattachedStacks: stats.unattachedStacks,
    eventsByName: sortedByCount(stats.eventsByName),
    eventsByCpu: sortedByKey(stats.eventsByCpu),
    eventsByComm: sortedByCount(comms),
    lostEventsByCpu: sortedByKey(stats.lostByCpu),
    lostMarkersWithoutCount: sortedByKey(stats.lostMarkersWithoutCount),
    skipped,
    traceDat: dat === undefined ? null : summarizeDat(dat, stats.damaged),
  };
}

function table(title: string, rows: Record<string, number>, limit = Infinity): string {
  const keys = Object.keys(rows);
  if (keys.length === 0) return "";
  const width = Math.max(...keys.slice(0, limit).map((k) => k.length));
  let text = `${title}:\n`;
  for (const k of keys.slice(0, limit)) {
    text += `  ${k.padEnd(width)}  ${String(rows[k]).padStart(9)}\n`;
  }
  if (keys.length > limit) text += `  … ${keys.length - limit} more (see --format json)\n`;
  return text;
}

/** The text form of a summary, as `kvmreq stats` prints it. */
export function formatStatsText(s: StatsSummary): string {
  return termSafeLines(statsText(s));
}

function statsText(s: StatsSummary): string {
  const span = s.firstTimestamp === null
    ? "no events"
    : `${s.firstTimestamp} .. ${s.lastTimestamp}`;
  let text = `${s.file}\n`;
  text += `  format:   ${s.format ?? "unknown"}${s.formatForced ? " (forced)" : " (detected)"}, ` +
    `time unit ${s.timeUnit ?? "unknown"}\n`;
  text += `  span:     ${span}\n`;
  text +=
    `  read:     ${s.bytes} bytes, ${s.lines} lines = ${s.events} events + ${s.stackLines} stack lines` +
    ` + ${s.headerLines} header lines + ${s.markerLines} markers + ${s.skippedLines} skipped\n`;
  if (s.outOfOrderEvents > 0) {
    text +=
      `  order:    ${s.outOfOrderEvents} events earlier than one before them (first at line ` +
      `${s.firstOutOfOrderLine})\n`;
  }
  if (s.unattachedStacks > 0) {
    text += `  stacks:   ${s.unattachedStacks} stack traces with no event to attach to\n`;
  }
  text += table("events by name", s.eventsByName, 30);
  text += table("events by CPU", s.eventsByCpu);
  text += table("events by comm", s.eventsByComm, 20);
  text += table("lost events by CPU", s.lostEventsByCpu);
  text += table("lost-event markers without a count, by CPU", s.lostMarkersWithoutCount);
  if (s.traceDat !== null) text += formatDatText(s.traceDat);
  const reasons = Object.entries(s.skipped);
  if (reasons.length > 0) {
    text += "skipped lines:\n";
    for (const [id, r] of reasons) {
      text +=
        `  ${id} (${r.reason}): ${r.count}, first at line${r.exampleLines.length > 1 ? "s" : ""} ` +
        `${r.exampleLines.join(", ")}\n`;
    }
  }
  return text;
}

function counts(rows: Record<string, number>): string {
  return Object.entries(rows).map(([k, n]) => `${k} ×${n}`).join(", ");
}

/** The trace.dat section of the text summary. */
function formatDatText(d: TraceDatSummary): string {
  let text = `trace.dat:\n`;
  text += `  file:     version ${d.version ?? "?"}, ${d.compression ?? "?"}, ${d.byteOrder}, ` +
    `${d.kernelLongBytes}-byte kernel long, ${d.pageBytes}-byte pages, clock ${d.clock ?? "?"}\n`;
  const others = d.buffers.filter((b) => b !== d.buffer).map((b) => JSON.stringify(b));
  text += `  buffer:   ${JSON.stringify(d.buffer ?? "")}` +
    (others.length > 0
      ? ` (the file also has ${others.join(", ")}: read with --buffer NAME)`
      : "") +
    "\n";
  text += `  data:     ${d.cpus} CPUs, ${d.pages} pages, ${d.records} records, ` +
    `${d.stacksAttached} stacks attached to their event` +
    (d.stacksDropped > 0 ? `, ${d.stacksDropped} dropped with filtered events` : "") + "\n";
  text += `  skipped:  ${d.unreadableFormats} unreadable event formats, ` +
    `${Object.values(d.unknownOptions).reduce((a, b) => a + b, 0)} unknown options, ` +
    `${d.unknownEventRecords} records of unknown events\n`;
  if (Object.keys(d.unknownOptions).length > 0) {
    text += `  unknown options: ${counts(d.unknownOptions)}\n`;
  }
  if (Object.keys(d.ignoredOptions).length > 0) {
    text += `  options not applied: ${counts(d.ignoredOptions)}\n`;
  }
  if (Object.keys(d.unknownEventIds).length > 0) {
    text += `  unknown event ids: ${counts(d.unknownEventIds)}\n`;
  }
  for (const [name, r] of Object.entries(d.rawFieldEvents)) {
    text += `  raw fields: ${name} ×${r.count} (${r.reason}${r.error ? `: ${r.error}` : ""})\n`;
  }
  if (d.multiLineTextsCut > 0) {
    text += `  ${d.multiLineTextsCut} multi-line event texts cut at their first line\n`;
  }
  if (d.damagedParts > 0) {
    text += `  damaged:  ${d.damagedParts} page(s) or compressed chunk(s) skipped, their events ` +
      `missing; first: ${d.damage.join("; ")}\n`;
  }
  return text;
}
