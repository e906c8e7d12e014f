/**
 * Golden tests on the real recordings in fixtures/dat: the native reading
 * must equal `trace-cmd report`'s text (count, names, times at report
 * precision, CPUs, pids, comms, event text, stacks, lost markers), the v6,
 * v7 and v7+zstd copies of one recording must read identically, and the
 * full records (exact ns, flags, lines) must equal the JSON Lines snapshots
 * in fixtures/dat/golden.
 *
 * @module
 */

import { deepEqual, equal } from "node:assert/strict";
import type { TraceRecord } from "../../../src/events/types.ts";
import { compareRecords, datRecords, lostMarkers } from "./compare.ts";
import { parseReport } from "./report_text.ts";

const DIR = new URL("../../../fixtures/dat/", import.meta.url);
const NAMES = ["v6", "v7", "v7-zstd", "stacktrace-v6", "stacktrace-v7-zstd"];

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

const present = NAMES.filter((n) => exists(new URL(`${n}.dat`, DIR)));
if (present.length < NAMES.length) {
  console.warn(
    `dat golden tests: fixtures missing (${
      NAMES.filter((n) => !present.includes(n)).join(", ")
    }); skipped`,
  );
}

/** A record as one JSON line (timestamps as strings). */
export function toJsonLine(r: TraceRecord): string {
  return JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

for (const name of NAMES) {
  Deno.test({
    name: `dat golden: ${name}.dat equals trace-cmd report's text`,
    ignore: !present.includes(name),
    fn: async () => {
      const d = await datRecords(new URL(`${name}.dat`, DIR).pathname);
      equal(d.error, undefined);
      const report = parseReport(await Deno.readTextFile(new URL(`${name}.report.txt`, DIR)));
      deepEqual(compareRecords(d.records, report), []);
      deepEqual(lostMarkers(d.records), lostMarkers(report));
      equal(d.dat.fallbacks.size, 0);
      equal(d.dat.unknownEventRecords, 0);
    },
  });
}

for (
  const [golden, copies] of [["v6", ["v6", "v7", "v7-zstd"]], ["stacktrace-v6", [
    "stacktrace-v6",
    "stacktrace-v7-zstd",
  ]]] as const
) {
  Deno.test({
    name: `dat golden: ${copies.join(", ")} match the snapshot golden/${golden}.jsonl`,
    ignore: !copies.every((c) => present.includes(c)) ||
      !exists(new URL(`golden/${golden}.jsonl`, DIR)),
    fn: async () => {
      const want = (await Deno.readTextFile(new URL(`golden/${golden}.jsonl`, DIR))).trimEnd()
        .split("\n");
      for (const c of copies) {
        const d = await datRecords(new URL(`${c}.dat`, DIR).pathname);
        deepEqual(d.records.map(toJsonLine), want, c);
      }
    },
  });
}

/** Per CPU, the flag column and time (µs) of each event of the kernel's own text. */
function kernelColumns(text: string): Map<number, [string, bigint, string][]> {
  const out = new Map<number, [string, bigint, string][]>();
  for (const l of text.split("\n")) {
    const m = /\[(\d+)\]\s+(\S{4,5})\s+(\d+)\.(\d{6}):\s+(\S+?):? /.exec(l);
    if (!m || l.includes("<stack trace>")) continue;
    const cpu = Number(m[1]);
    if (!out.has(cpu)) out.set(cpu, []);
    out.get(cpu)!.push([m[2], BigInt(m[3]) * 1_000_000n + BigInt(m[4]), m[5]]);
  }
  return out;
}

for (const [dat, text] of [["v6", "plain"], ["stacktrace-v6", "stacktrace"]] as const) {
  Deno.test({
    name:
      `dat golden: ${dat}.dat flags and µs times equal the kernel's own text (${text}.tracefs.txt)`,
    ignore: !present.includes(dat) || !exists(new URL(`${text}.tracefs.txt`, DIR)),
    fn: async () => {
      const d = await datRecords(new URL(`${dat}.dat`, DIR).pathname);
      const kernel = kernelColumns(await Deno.readTextFile(new URL(`${text}.tracefs.txt`, DIR)));
      const mine = new Map<number, [string, bigint, string][]>();
      for (const r of d.records) {
        if (r.type !== "event" || r.name === "kernel_stack") continue;
        if (!mine.has(r.cpu)) mine.set(r.cpu, []);
        mine.get(r.cpu)!.push([r.flags ?? "", (r.ts + 500n) / 1000n, r.name]); // ns2usecs rounds
      }
      deepEqual(mine, kernel);
    },
  });
}
