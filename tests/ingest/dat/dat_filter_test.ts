/**
 * Reading a trace.dat with a filter (what lint does: only modelled events
 * become records) must count exactly what an unfiltered read counts, in the
 * same order, and give the kept records unchanged: the filtered path skips
 * runs of counted-only records without the merge heap, and counts per event
 * id in bulk, so this pins it to the plain path on real and synthetic files.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import type { TraceRecord } from "../../../src/events/types.ts";
import type { ReadStats } from "../../../src/ingest/read_stats.ts";
import { MODEL_EVENT_NAMES } from "../../../src/events/normalize.ts";
import { datRecords } from "./compare.ts";
import { syntheticDat, syntheticFile } from "./synthetic.ts";
import { writeDatV7 } from "./dat_writer_v7.ts";

const DIR = new URL("../../../fixtures/dat/", import.meta.url).pathname;

function counters(s: ReadStats) {
  return {
    lines: s.lines,
    events: s.events,
    stackLines: s.stackLines,
    markerLines: s.markerLines,
    skippedLines: s.skippedLines,
    outOfOrder: s.outOfOrder,
    firstOutOfOrderLine: s.firstOutOfOrderLine,
    unattachedStacks: s.unattachedStacks,
    // Entries, not maps: their order (first seen) is part of the output.
    eventsByName: [...s.eventsByName],
    eventsByCpu: [...s.eventsByCpu],
    lostByCpu: [...s.lostByCpu],
    lostMarkersWithoutCount: [...s.lostMarkersWithoutCount],
  };
}

/**
 * The kept events (with their attached stacks) and every marker, as text.
 * Stand-alone stacks are left out: which stand alone depends on the events
 * before them, so a filter changes them by design (stacks of events it
 * drops are dropped; `droppedStacks` counts them).
 */
function kept(records: TraceRecord[], keep: (n: string) => boolean): string[] {
  return records
    .filter((r) => r.type !== "event" || (r.name !== "kernel_stack" && keep(r.name)))
    .map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
}

const FILTERS: [string, (n: string) => boolean][] = [
  ["lint's modelled events", (n) => MODEL_EVENT_NAMES.has(n)],
  ["nothing", () => false],
  ["one event name in two", (n) => n.length % 2 === 0],
];

const INPUTS: [string, () => Promise<string | Uint8Array>][] = [
  ...["v6", "v7", "v7-zstd", "stacktrace-v6", "stacktrace-v7-zstd"].map((
    n,
  ): [string, () => Promise<string | Uint8Array>] => [n, () => Promise.resolve(`${DIR}${n}.dat`)]),
  ["synthetic v6 (stacks, lost events)", () => Promise.resolve(syntheticDat())],
  [
    "synthetic v7 zstd, big-endian",
    () => Promise.resolve(writeDatV7(syntheticFile({ bigEndian: true }), "zstd")),
  ],
];

for (const [name, input] of INPUTS) {
  for (const [what, keep] of FILTERS) {
    Deno.test(`dat filter: ${name}, keeping ${what}, counts and keeps what an unfiltered read does`, async () => {
      const data = await input();
      const all = await datRecords(data);
      const some = await datRecords(data, { keepEvent: keep });
      equal(all.error, undefined);
      equal(some.error, undefined);
      ok(all.stats.events > 0);
      deepEqual(counters(some.stats), counters(all.stats));
      deepEqual(kept(some.records, keep), kept(all.records, keep));
      ok(
        some.records.every((r) => r.type !== "event" || r.name === "kernel_stack" || keep(r.name)),
      );
    });
  }
}
