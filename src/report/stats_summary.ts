/**
 * The summary `kvmreq stats` prints for one input: what was read, how every
 * line was classified, and the time span, as text or as a JSON object.
 *
 * @module
 */

import { formatTimestamp } from "../ingest/timestamp.ts";
import type { ReadStats } from "../ingest/read_stats.ts";
import { SKIP_REASONS } from "../ingest/skip_reasons.ts";

/** The JSON form of one input's statistics. */
export interface StatsSummary {
  file: string;
  format: string | null;
  formatForced: boolean;
  timeUnit: string | null;
  bytes: number;
  lines: number;
  events: number;
  stackLines: number;
  headerLines: number;
  markerLines: number;
  skippedLines: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  outOfOrderEvents: number;
  firstOutOfOrderLine: number | null;
  unattachedStacks: number;
  eventsByName: Record<string, number>;
  eventsByCpu: Record<string, number>;
  eventsByComm: Record<string, number>;
  lostEventsByCpu: Record<string, number>;
  lostMarkersWithoutCount: Record<string, number>;
  skipped: Record<string, { count: number; reason: string; exampleLines: number[] }>;
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

/** Builds the summary of `stats`, with per-comm counts and the time span the caller collected. */
export function summarizeStats(
  stats: ReadStats,
  comms: ReadonlyMap<string, number>,
  span: { first: bigint | undefined; last: bigint | undefined },
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
