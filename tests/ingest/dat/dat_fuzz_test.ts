/**
 * Damaged trace.dat files: truncated at many offsets and with random bit
 * flips, every read must end with records and a DatFormatError, or with
 * records alone (damaged pages skipped and counted) — never another
 * exception (nor the reader's last-resort "unreadable data" wrapping of
 * one), never a hang. A truncated file delivers only events the whole file
 * holds, in the same order.
 *
 * @module
 */

import { deepEqual, ok } from "node:assert/strict";
import type { TraceRecord } from "../../../src/events/types.ts";
import { MODEL_EVENT_NAMES } from "../../../src/events/normalize.ts";
import { datRecords } from "./compare.ts";
import { writeDatV7 } from "./dat_writer_v7.ts";
import { flipBits, type Outcome, prng, readDamaged, truncations } from "./fuzz.ts";
import { syntheticDat, syntheticFile } from "./synthetic.ts";

const FIXTURE = new URL("../../../fixtures/dat/stacktrace-v7-zstd.dat", import.meta.url);

function inputs(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [
    ["synthetic v6 LE/8", syntheticDat()],
    ["synthetic v6 BE/4", syntheticDat({ bigEndian: true, longSize: 4 })],
    ["synthetic v7 zlib", writeDatV7(syntheticFile({ bigEndian: true }), "zlib")],
  ];
  try {
    out.push(["fixture v7 zstd", Deno.readFileSync(FIXTURE)]);
  } catch { /* fixtures absent */ }
  return out;
}

function allowed(o: Outcome, label: string): void {
  ok(
    o.kind === "ok" || o.kind === "dat-error",
    `${label}: ${o.kind} ${"error" in o ? String(o.error) : ""}`,
  );
  if (o.kind === "dat-error") {
    ok(!o.error.message.includes("unreadable data"), `${label}: ${o.error.message}`);
  }
}

function key(r: TraceRecord): string {
  return r.type === "event" ? `${r.cpu} ${r.ts} ${r.name} ${r.fields}` : `${r.type} ${r.cpu}`;
}

Deno.test("dat fuzz: truncated files end with the cut counted as damage (a DatFormatError with --strict or in the metadata) after a subsequence of the events", async () => {
  for (const [label, data] of inputs()) {
    const whole = (await datRecords(data)).records.filter((r) => r.type === "event").map(key);
    const order = new Map(whole.map((k, i) => [k, i]));
    for (const at of truncations(data.length, 600, 150)) {
      const o = await readDamaged(data.subarray(0, at));
      allowed(o, `${label} cut at ${at}`);
      if (at < data.length) {
        ok(
          o.kind === "dat-error" || (o.kind === "ok" && o.damaged > 0),
          `${label} cut at ${at}: ${o.kind}`,
        );
      }
      const strict = await readDamaged(data.subarray(0, at), 5000, undefined, true);
      allowed(strict, `${label} strict cut at ${at}`);
      if (at < data.length) ok(strict.kind === "dat-error", `${label} strict cut at ${at}`);
    }
    // Delivered events are events of the whole file, per CPU in the same order.
    const cut = Math.floor(data.length * 0.8);
    const part = (await datRecords(data.subarray(0, cut))).records.filter((r) => r.type === "event")
      .map(key);
    const last = new Map<string, number>();
    for (const k of part) {
      const i = order.get(k);
      ok(i !== undefined, `${label}: an event the whole file lacks: ${k}`);
      const cpu = k.split(" ")[0];
      ok(i > (last.get(cpu) ?? -1), `${label}: out of order on cpu ${cpu}`);
      last.set(cpu, i);
    }
  }
});

Deno.test("dat fuzz: random bit flips never raise anything but DatFormatError, never hang", async () => {
  const rnd = prng(20261129);
  for (const [label, data] of inputs()) {
    for (let i = 0; i < 150; i++) {
      const o = await readDamaged(flipBits(data, 1 + Math.floor(rnd() * 4), rnd));
      allowed(o, `${label} flip #${i}`);
    }
  }
});

Deno.test("dat fuzz: bit flips and truncations read with lint's filter (records only counted) are survived", async () => {
  const rnd = prng(29112026);
  const keep = (n: string) => MODEL_EVENT_NAMES.has(n);
  for (const [label, data] of inputs()) {
    for (let i = 0; i < 100; i++) {
      const o = await readDamaged(flipBits(data, 1 + Math.floor(rnd() * 8), rnd), 5000, keep);
      allowed(o, `${label} filtered flip #${i}`);
    }
    for (const at of truncations(data.length, 100, 50)) {
      allowed(await readDamaged(data.subarray(0, at), 5000, keep), `${label} filtered cut ${at}`);
    }
  }
});

Deno.test("dat fuzz: scribbles over the metadata (formats, kallsyms, options) are survived", async () => {
  const rnd = prng(7);
  for (const [label, data] of inputs()) {
    for (let i = 0; i < 100; i++) {
      const d = data.slice();
      const n = 1 + Math.floor(rnd() * 30);
      for (let k = 0; k < n; k++) {
        d[Math.floor(rnd() * Math.min(20000, d.length))] = Math.floor(rnd() * 256);
      }
      allowed(await readDamaged(d), `${label} scribble #${i}`);
    }
  }
});

Deno.test("dat fuzz: the error (--strict) names the section and offset", async () => {
  const data = syntheticDat();
  const o = await readDamaged(data.subarray(0, data.length - 100), 5000, undefined, true);
  ok(o.kind === "dat-error");
  ok(
    /trace\.dat: truncated flyrecord page at offset 0x[0-9a-f]+ \(cpu \d\)$/.test(o.error.message),
    o.error.message,
  );
  deepEqual([o.error.section, o.error.cpu !== undefined], ["flyrecord page", true]);
});
