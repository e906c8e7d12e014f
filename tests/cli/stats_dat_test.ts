/**
 * `kvmreq stats` on trace.dat files: the trace.dat section (what the file is,
 * what was skipped), every unreadable format counted, `--buffer` choosing an
 * instance, and `--buffer` refused for text.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { writeDatV6 } from "../ingest/dat/dat_writer.ts";
import { writeDatV7 } from "../ingest/dat/dat_writer_v7.ts";
import { syntheticFile } from "../ingest/dat/synthetic.ts";
import { runKvmreq as kvmreq } from "./run_kvmreq.ts";

async function tempDat(data: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".dat" });
  await Deno.writeFile(path, data);
  return path;
}

Deno.test("stats: a trace.dat's section says what the file is and that nothing was skipped", async () => {
  const r = await kvmreq("stats", "fixtures/dat/stacktrace-v7-zstd.dat");
  equal(r.code, 0, r.err);
  match(r.out, /trace\.dat:\n {2}file: {5}version 7, zstd, little-endian, 8-byte kernel long/);
  match(r.out, /data: {5}2 CPUs, \d+ pages, \d+ records, \d+ stacks attached/);
  match(r.out, /skipped: {2}0 unreadable event formats, 0 unknown options, 0 records of unknown/);
  const json = JSON.parse((await kvmreq("stats", "--format", "json", "fixtures/dat/v7.dat")).out);
  equal(json.traceDat.version, 7);
  equal(json.traceDat.records, json.events + json.stackLines);
  const text = JSON.parse(
    (await kvmreq("stats", "--format", "json", "fixtures/dat/plain.tracefs.txt")).out,
  );
  equal(text.traceDat, null);
});

Deno.test("stats: every unreadable event format is counted, used by an event or not", async () => {
  const f = syntheticFile();
  // Break a format no record uses (the synthetic file has no ftrace:function events).
  const ftrace = (f.ftrace ?? []).map((t) =>
    /^name: function$/m.test(t) ? t.replace(/field:unsigned long parent_ip;/, "field:@@ ;") : t
  );
  ok(ftrace.some((t) => t.includes("field:@@")));
  const path = await tempDat(writeDatV6({ ...f, ftrace }));
  try {
    const json = JSON.parse((await kvmreq("stats", "--format", "json", path)).out);
    equal(json.traceDat.unreadableFormats, 1);
    equal(json.eventsByName.function, undefined);
    match((await kvmreq("stats", path)).out, /skipped: {2}1 unreadable event formats/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("--buffer reads an instance of a trace.dat, and is refused for text", async () => {
  const f = syntheticFile({ cpus: 2, perCpu: 10 });
  const inst = { name: "kvmreq", cpus: [syntheticFile({ cpus: 1, perCpu: 5 }).cpus[0]] };
  const path = await tempDat(writeDatV7({ ...f, instances: [inst] }, "zstd"));
  try {
    const top = await kvmreq("stats", path);
    equal(top.code, 0, top.err);
    match(top.out, /buffer: {3}"" \(the file also has "kvmreq": read with --buffer NAME\)/);
    const json = JSON.parse(
      (await kvmreq("stats", "--format", "json", "--buffer", "kvmreq", path)).out,
    );
    equal(json.traceDat.buffer, "kvmreq");
    deepEqual(Object.keys(json.eventsByCpu), ["0"]);
    const missing = await kvmreq("stats", "--buffer", "nope", path);
    equal(missing.code, 2);
    match(missing.err, /has no buffer "nope" \(buffers: "", "kvmreq"\)/);
  } finally {
    await Deno.remove(path);
  }
  const text = await kvmreq("stats", "--buffer", "x", "fixtures/dat/plain.tracefs.txt");
  equal(text.code, 2);
  match(text.err, /plain\.tracefs\.txt:.*--buffer "x" selects an instance of a trace\.dat/);
});
