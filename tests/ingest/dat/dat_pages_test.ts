import { deepEqual, equal, ok } from "node:assert/strict";
import type { TraceEvent } from "../../../src/events/types.ts";
import { DatFormatError } from "../../../src/ingest/dat/dat_reader.ts";
import { readMeta } from "../../../src/ingest/dat/meta_read.ts";
import { memoryRandomAccess } from "../../../src/ingest/dat/random_access.ts";
import { datRecords } from "./compare.ts";
import { type WFile, writeDatV6 } from "./dat_writer.ts";
import { writeDatV7 } from "./dat_writer_v7.ts";
import { PayloadBuilder } from "./payload.ts";
import { format, testFormats } from "./test_formats.ts";

const FM = testFormats(8);
const IPI = new PayloadBuilder(FM.systems.find((s) => s.name === "ipi")!.formats[0], "ipi");
const STACK = new PayloadBuilder(FM.ftrace[1], "ftrace");

function ipi(ts: bigint, pid = 7): { ts: bigint; data: Uint8Array } {
  return { ts, data: IPI.build(pid, { cpu: 1, callsite: 0n, callback: 0n }) };
}

function file(cpus: WFile["cpus"]): WFile {
  return { ftrace: FM.ftrace, systems: FM.systems, cpus };
}

async function cpuOffsets(data: Uint8Array): Promise<number[]> {
  const meta = await readMeta(memoryRandomAccess("t.dat", data));
  return meta.buffers[0].cpus.map((c) => c.offset);
}

Deno.test("pages: a bad commit size skips that page (counted, a lost mark before the CPU's next record) and the CPU reads on; --strict stops there", async () => {
  const data = writeDatV6(file([
    { records: [ipi(1000n), ipi(2000n), ipi(3000n)], pageBreaks: [1, 2] },
    { records: [ipi(1500n), ipi(2500n)] },
  ]));
  const [cpu0] = await cpuOffsets(data);
  const bad = data.slice();
  new DataView(bad.buffer).setUint32(cpu0 + 4096 + 8, 5000, true); // cpu 0, second page
  const message = `mem.dat: trace.dat: bad commit size 5000 in flyrecord page at offset 0x${
    (cpu0 + 4096).toString(16)
  } (cpu 0)`;
  const d = await datRecords(bad);
  equal(d.error, undefined);
  deepEqual(d.stats.damaged, { count: 1, examples: [message.slice("mem.dat: ".length)] });
  deepEqual(
    d.records.map((r) => r.type === "event" ? [r.cpu, r.ts] : [r.type, r.cpu]),
    [[0, 1000n], [1, 1500n], [1, 2500n], ["lost", 0], [0, 3000n]],
  );
  const strict = await datRecords(bad, { strict: true });
  ok(strict.error instanceof DatFormatError);
  equal(strict.error.message, message);
  deepEqual(strict.records.map((r) => r.type === "event" && [r.cpu, r.ts]), [[0, 1000n], [
    1,
    1500n,
  ], [1, 2500n]]);
});

Deno.test("pages: a bad event length skips the rest of its page only", async () => {
  const data = writeDatV6(file([
    { records: [ipi(1000n), ipi(1100n), ipi(2000n)], pageBreaks: [2] },
  ]));
  const [cpu0] = await cpuOffsets(data);
  const bad = data.slice();
  // The second event's header word (page header: 8-byte timestamp, 8-byte commit): type_len 0, length 0xffff.
  const first = 16 + 4 + IPI.build(7, { cpu: 1, callsite: 0n, callback: 0n }).length;
  new DataView(bad.buffer).setUint32(cpu0 + first, 0, true);
  new DataView(bad.buffer).setUint32(cpu0 + first + 4, 0xffff, true);
  const d = await datRecords(bad);
  equal(d.error, undefined);
  equal(d.stats.damaged.count, 1);
  deepEqual(
    d.records.map((r) => r.type === "event" ? r.ts : r.type),
    [1000n, "lost", 2000n],
  );
});

Deno.test("pages: lost events with and without a stored count; long (type_len 0) events", async () => {
  const big = format("big", 950, [["char blob[200]", 200, 1, 0]], `"%s", REC->blob`);
  const pb = new PayloadBuilder(big, "test");
  const d = await datRecords(writeDatV6({
    ...file([
      {
        records: [ipi(1000n), ipi(2000n), ipi(3000n)],
        lost: [{ atRecord: 1 }, { atRecord: 2, count: 5 }],
      },
      { records: [{ ts: 1500n, data: pb.build(3, { blob: "x".repeat(150) }) }] },
    ]),
    systems: [...FM.systems, { name: "test", formats: [big] }],
  }));
  deepEqual(d.records.filter((r) => r.type === "lost").map((r) => r.type === "lost" && r.count), [
    null,
    5,
  ]);
  equal(d.stats.lostMarkersWithoutCount.get(0), 1);
  equal(
    (d.records.find((r) => r.type === "event" && r.name === "big") as TraceEvent).fields,
    "x".repeat(150),
  );
});

Deno.test("pages: a stack of another pid stands alone; unknown event ids are skipped and counted", async () => {
  const callers = new Uint8Array(64);
  new DataView(callers.buffer).setBigUint64(0, ~0n, true);
  const unknown = IPI.build(7, { cpu: 1, callsite: 0n, callback: 0n });
  new DataView(unknown.buffer).setUint16(0, 4321, true);
  const d = await datRecords(writeDatV6(file([{
    records: [ipi(1000n, 7), { ts: 1000n, data: STACK.build(8, { size: 0, caller: callers }) }, {
      ts: 1100n,
      data: unknown,
    }],
  }])));
  const evs = d.records.filter((r): r is TraceEvent => r.type === "event");
  deepEqual(evs.map((e) => [e.name, e.fields, e.stack]), [
    ["ipi_send_cpu", "cpu=1 callsite=0x0 callback=0x0", undefined],
    ["kernel_stack", "<stack trace >", []],
  ]);
  equal(d.stats.unattachedStacks, 1);
  equal(d.dat.unknownEventRecords, 1);
  equal(d.dat.unknownEventIds.get(4321), 1);
});

Deno.test("meta: bad magic, version and compression are DatFormatErrors naming the file header", async () => {
  const good = writeDatV6(file([{ records: [ipi(1n)] }]));
  const v5 = good.slice();
  v5[10] = 0x35;
  const e1 = (await datRecords(v5)).error;
  ok(e1 instanceof DatFormatError && e1.section === "file header", String(e1));
  const v7 = writeDatV7(file([{ records: [ipi(1n)] }]), "zstd");
  const at = v7.indexOf(0x7a, 12); // the "zstd" name
  v7.set(new TextEncoder().encode("lzma"), at);
  const e2 = (await datRecords(v7)).error;
  ok(e2 instanceof DatFormatError && e2.message.includes('unknown compression "lzma"'), String(e2));
});

Deno.test("pages: with strict, a record of an unknown event is a DatFormatError", async () => {
  const unknown = IPI.build(7, { cpu: 1, callsite: 0n, callback: 0n });
  new DataView(unknown.buffer).setUint16(0, 4321, true);
  const data = writeDatV6(file([{ records: [ipi(1000n), { ts: 1100n, data: unknown }] }]));
  const d = await datRecords(data, { strict: true });
  ok(
    d.error instanceof DatFormatError && d.error.message.includes("unknown event id 4321"),
    String(d.error),
  );
  equal(d.records.length, 1);
});
