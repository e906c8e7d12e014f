/**
 * trace.dat reader throughput on the largest recording in fixtures/dat
 * (read from memory, so the number is decoding speed, not disk speed).
 * `deno task bench` prints time per pass; divide the file size or its event
 * count by it. Set KVMREQ_DAT_BENCH to a trace.dat path to bench another file.
 *
 * @module
 */

import { memoryByteSource } from "../src/ingest/byte_source.ts";
import { readDatFrom } from "../src/ingest/dat/dat_reader.ts";
import { MODEL_EVENT_NAMES } from "../src/events/normalize.ts";

function pick(): string {
  const env = Deno.env.get("KVMREQ_DAT_BENCH");
  if (env) return env;
  const dir = new URL("../fixtures/dat/", import.meta.url);
  let best = "";
  let size = -1;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".dat")) continue;
    const s = Deno.statSync(new URL(e.name, dir)).size;
    if (s > size) [best, size] = [new URL(e.name, dir).pathname, s];
  }
  return best;
}

const PATH = pick();
const DATA = Deno.readFileSync(PATH);
const NAME = PATH.split("/").pop();

async function readAllOf(keep?: (n: string) => boolean): Promise<number> {
  const reader = readDatFrom(memoryByteSource(NAME ?? "bench.dat", DATA), { keepEvent: keep });
  let n = 0;
  for await (const batch of reader.batches()) n += batch.length;
  return n + reader.stats.events;
}

Deno.bench(`read ${NAME} (${DATA.length} bytes), build every event`, {
  group: "dat",
  baseline: true,
}, async () => {
  await readAllOf();
});

Deno.bench(`read ${NAME}, build only modelled events (lint's path)`, { group: "dat" }, async () => {
  await readAllOf((n) => MODEL_EVENT_NAMES.has(n));
});
