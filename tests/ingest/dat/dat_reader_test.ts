import { deepEqual, equal, ok } from "node:assert/strict";
import type { TraceEvent, TraceRecord } from "../../../src/events/types.ts";
import { memoryByteSource } from "../../../src/ingest/byte_source.ts";
import { DatFormatError, isTraceDat, readDatFrom } from "../../../src/ingest/dat/dat_reader.ts";
import { InputError } from "../../../src/ingest/errors.ts";
import { datRecords } from "./compare.ts";
import { writeDatV6 } from "./dat_writer.ts";
import { writeDatV7 } from "./dat_writer_v7.ts";
import { syntheticDat, syntheticFile } from "./synthetic.ts";

function events(rs: TraceRecord[]): TraceEvent[] {
  return rs.filter((r): r is TraceEvent => r.type === "event");
}

function comparable(rs: TraceRecord[]): unknown[] {
  return rs.map((r) => (r.type === "event" ? { ...r, ts: r.ts.toString() } : r));
}

Deno.test("dat: isTraceDat recognizes the magic only", () => {
  ok(isTraceDat(syntheticDat()));
  ok(!isTraceDat(new TextEncoder().encode("# tracer: nop\n")));
  ok(!isTraceDat(new Uint8Array([0x17, 0x08, 0x44])));
});

Deno.test("dat: synthetic v6 file reads with every record and decoded text", async () => {
  const d = await datRecords(syntheticDat());
  equal(d.error, undefined);
  const evs = events(d.records);
  equal(evs.length, 120);
  equal(d.dat.attachedStacks, 16);
  equal(d.stats.timeUnit, "ns");
  equal(d.dat.clock, "local");
  const sw = evs.find((e) => e.name === "sched_switch")!;
  equal(sw.fields, "task0:1000 [120] R ==> CPU 0/KVM:2000 [120]");
  deepEqual(sw.stack, ["try_to_wake_up", "__kvm_vcpu_kick", "ffffffffdeadbeef"]);
  const exit = evs.find((e) => e.name === "kvm_exit" && e.fields.includes("UNKNOWN"))!;
  equal(exit.fields, "reason UNKNOWN (99) rip 0xfff8 info 1234 800000ec");
  const ipi = evs.find((e) => e.name === "ipi_send_cpumask")!;
  equal(
    ipi.fields,
    "cpumask=0-2,4-5,7,16 callsite=on_each_cpu_cond_mask+0x10 callback=flush_tlb_func+0x0",
  );
  // Lines are ordinals in output order.
  deepEqual(d.records.map((r) => r.line), d.records.map((_, i) => i + 1));
  // The sched plugin teaches the comm table the name of pid 2000 (no saved cmdline).
  equal(evs.find((e) => e.pid === 2000 && e.name === "kvm_entry")?.comm, "CPU 0/KVM");
});

Deno.test("dat: page layout details — time extend, absolute stamp, padding delta, lost events", async () => {
  const d = await datRecords(syntheticDat({ cpus: 2 }));
  const lost = d.records.filter((r) => r.type === "lost");
  deepEqual(lost.map((r) => r.type === "lost" && [r.cpu, r.count]), [[1, 17]]);
  const idx = d.records.indexOf(lost[0]);
  const next = d.records[idx + 1];
  ok(next.type === "event" && next.cpu === 1, "the marker precedes the first event after the drop");
  equal(d.stats.lostByCpu.get(1), 17);
  const cpu0 = events(d.records).filter((e) => e.cpu === 0);
  // Record 10 follows a gap of 2^28 ns (TIME_EXTEND), record 15 a discarded event (+1 ns).
  ok(cpu0.every((e, i) => i === 0 || e.ts >= cpu0[i - 1].ts));
  ok(cpu0.some((e, i) => i > 0 && e.ts - cpu0[i - 1].ts > 1n << 27n));
});

Deno.test("dat: both byte orders, both long sizes and v7 (none, zstd, zlib) give the same records", async () => {
  for (const bigEndian of [false, true]) {
    for (const longSize of [4, 8] as const) {
      const f = syntheticFile({ bigEndian, longSize });
      const base = comparable((await datRecords(writeDatV6(f))).records);
      for (const kind of ["none", "zstd", "zlib"] as const) {
        const v7 = await datRecords(writeDatV7(f, kind));
        equal(v7.error, undefined, `${kind} ${bigEndian} ${longSize}`);
        equal(v7.dat.version, 7);
        equal(v7.dat.compression, kind);
        deepEqual(comparable(v7.records), base);
      }
    }
  }
});

Deno.test("dat: keepEvent filters but still counts, learns comms and drops the filtered events' stacks", async () => {
  const all = await datRecords(syntheticDat());
  const some = await datRecords(syntheticDat(), { keepEvent: (n) => n.startsWith("kvm") });
  equal(some.stats.events, all.stats.events);
  ok(events(some.records).every((e) => e.name.startsWith("kvm")));
  equal(some.dat.droppedStacks, 16);
  deepEqual(
    events(some.records).map((e) => [e.line, e.comm, e.fields]),
    events(all.records).filter((e) => e.name.startsWith("kvm")).map((
      e,
    ) => [e.line, e.comm, e.fields]),
  );
  const s = some.stats;
  equal(s.lines, s.events + s.stackLines + s.headerLines + s.markerLines + s.skippedLines);
});

Deno.test("dat: instances are separate buffers; an unknown one is an InputError", async () => {
  const f = syntheticFile({ cpus: 2, perCpu: 10 });
  const inst = { name: "kvmreq", cpus: [syntheticFile({ cpus: 1, perCpu: 5 }).cpus[0]] };
  const data = writeDatV6({ ...f, instances: [inst] });
  const top = await datRecords(data);
  const other = await datRecords(data, { buffer: "kvmreq" });
  deepEqual(top.dat.buffers, ["", "kvmreq"]);
  ok(events(other.records).every((e) => e.cpu === 0));
  ok(events(other.records).length < events(top.records).length);
  const v7 = await datRecords(writeDatV7({ ...f, instances: [inst] }, "zlib"), {
    buffer: "kvmreq",
  });
  deepEqual(comparable(v7.records), comparable(other.records));
  const missing = await datRecords(data, { buffer: "nope" });
  ok(missing.error instanceof InputError && !(missing.error instanceof DatFormatError));
});

Deno.test("dat: DATE and OFFSET options shift timestamps; unknown options are counted", async () => {
  const f = syntheticFile({ cpus: 1, perCpu: 4 });
  const enc = new TextEncoder();
  const shifted = writeDatV6({
    ...f,
    options: [{ id: 1, data: enc.encode("0x10\0") }, { id: 7, data: enc.encode("-5\0") }, {
      id: 99,
      data: new Uint8Array(3),
    }],
  });
  const a = events((await datRecords(writeDatV6(f))).records);
  const b = await datRecords(shifted);
  equal(events(b.records)[0].ts, a[0].ts + 16_000n - 5n);
  equal(b.dat.unknownOptions.get(99), 1);
});

Deno.test("dat: readDatFrom reports the time span and closes the source", async () => {
  let closed = false;
  const src = memoryByteSource("s.dat", syntheticDat({ cpus: 1, perCpu: 6 }));
  const reader = readDatFrom({ ...src, close: () => (closed = true) });
  let n = 0;
  for await (const b of reader.batches()) n += b.length;
  ok(n > 0 && closed);
  const span = reader.timeSpan();
  ok(span.first !== undefined && span.last !== undefined && span.first <= span.last);
  equal(reader.datStats.version, 6);
});

Deno.test("dat: an unreadable format costs only its own events (common fields from the next readable one)", async () => {
  const f = syntheticFile();
  const good = await datRecords(writeDatV6(f));
  // Break the field list of the lowest-id format (ftrace:function, id 1).
  const ftrace = (f.ftrace ?? []).map((t) =>
    /^name: function$/m.test(t) ? t.replace(/field:unsigned long ip;/, "field:??? ;") : t
  );
  ok(ftrace.some((t) => t.includes("field:???")), "the test broke a format");
  const bad = await datRecords(writeDatV6({ ...f, ftrace }));
  equal(bad.error, undefined);
  // Parsed for the common fields (it has the lowest id), found unreadable, counted.
  equal(bad.dat.badFormats, good.dat.badFormats + 1);
  const keep = (r: TraceRecord) => r.type === "event" && r.name !== "function";
  deepEqual(
    bad.records.filter(keep).map((r) =>
      JSON.stringify(r, (_k, v) => typeof v === "bigint" ? String(v) : v)
    ),
    good.records.filter(keep).map((r) =>
      JSON.stringify(r, (_k, v) => typeof v === "bigint" ? String(v) : v)
    ),
  );
});

Deno.test("dat: the bytes counter is the part of the file consumed, each byte once (progress never passes 100%)", async () => {
  const dir = new URL("../../../fixtures/dat/", import.meta.url).pathname;
  for (const name of ["v6", "v7", "v7-zstd", "stacktrace-v6", "stacktrace-v7-zstd"]) {
    const path = `${dir}${name}.dat`;
    const size = (await Deno.stat(path)).size;
    const r = await datRecords(path);
    ok(
      r.stats.bytes <= size && r.stats.bytes >= 0.9 * size,
      `${name}: ${r.stats.bytes} of ${size}`,
    );
  }
});
