/**
 * trace.dat files of the patched kernel (fixtures/dat/lab-*.dat, made by
 * `deno task lab --dat` in the nested guest: Debian 6.12.118 with the
 * series of kernel/patches/linux-6.12, trace-cmd 3.1.6 in the guest): the
 * native reader decodes the series' own event formats (every event the
 * series adds is in lab-clock.dat) exactly as `trace-cmd report` printed
 * them and as the kernel's own text of the same ring buffer shows them, and
 * `kvmreq lint` gives the same findings on the trace.dat as on both texts.
 *
 * A change to the series makes these fixtures stale: remake them with the
 * `# remake:` line of their .header.txt (the test below says so).
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeProtocolEvent, isProtocolEventName } from "../../../src/events/protocol.ts";
import { comparableMessage } from "../../../kernel/lab/lint_compare.ts";
import { loadSeries } from "../../../kernel/lab/series.ts";
import type { TraceRecord } from "../../../src/events/types.ts";
import { compareRecords, datRecords, lostMarkers, textRecords } from "./compare.ts";
import { parseReport } from "./report_text.ts";
import { lintFile as lintWith } from "../../lint/lint_file.ts";

const ROOT = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
const DIR = `${ROOT}/fixtures/dat`;
const NAMES = ["lab-clock", "lab-shadow-mmu"];

/** The events the committed series adds (TRACE_EVENT/DEFINE_EVENT* lines its patches add). */
async function seriesEventNames(): Promise<string[]> {
  const dir = `${ROOT}/kernel/patches/linux-6.12`;
  const names = new Set<string>();
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".patch")) continue;
    const text = await Deno.readTextFile(`${dir}/${e.name}`);
    for (const m of text.matchAll(/^\+TRACE_EVENT\((\w+),/gm)) names.add(m[1]);
    for (const m of text.matchAll(/^\+DEFINE_EVENT(?:_PRINT)?\(\w+, (\w+),/gm)) names.add(m[1]);
  }
  return [...names].sort();
}

/** kvmreq lint of `path` with 6.12's tables (the texts carry no kernel header). */
const lintFile = (path: string) => lintWith(path, "6.12");

/** A finding as both readings must agree on it: rule, severity, time at µs, CPU, pid, message. */
function findingKeys(
  r: Awaited<ReturnType<typeof lintFile>>,
  us: (ts: bigint) => bigint,
  skipRule?: string,
): string[] {
  return r.findings.filter((f) => f.ruleId !== skipRule).map((f) =>
    `${f.ruleId} ${f.severity} ${us(f.at.ts)} ${f.at.cpu} ${f.at.pid} ${
      comparableMessage(f.message)
    }`
  );
}

Deno.test("patched-kernel fixtures: made from the series in the tree (else remake them)", async () => {
  const key = (await loadSeries(ROOT)).key;
  for (const name of NAMES) {
    const header = await Deno.readTextFile(`${DIR}/${name}.header.txt`);
    assert.match(header, /^# kernel: 6\.12\.118\+deb12-amd64$/m);
    const remake = /^# remake: (.*)$/m.exec(header)?.[1];
    assert.equal(
      /^# series: (\w+) /m.exec(header)?.[1],
      key,
      `${name}: made with another series than kernel/patches/linux-6.12 — remake: ${remake}`,
    );
  }
});

Deno.test("patched-kernel trace.dat: every event the series adds is there and read without fallback", async () => {
  const series = await seriesEventNames();
  assert.ok(series.length >= 12, `series events: ${series.join(" ")}`);
  const d = await datRecords(`${DIR}/lab-clock.dat`);
  assert.equal(d.error, undefined);
  assert.equal(d.dat.fallbacks.size, 0, JSON.stringify([...d.dat.fallbacks]));
  assert.equal(d.dat.unknownEventRecords, 0);
  const seen = new Set(d.records.flatMap((r) => r.type === "event" ? [r.name] : []));
  assert.deepEqual(series.filter((n) => !seen.has(n)), [], "series events missing from the file");
  // and every one of them is a protocol event kvmreq decodes, every record of it
  assert.deepEqual(series.filter((n) => !isProtocolEventName(n)), []);
  let decoded = 0;
  for (const r of d.records) {
    if (r.type !== "event" || !isProtocolEventName(r.name)) continue;
    const p = decodeProtocolEvent(r.name, r.fields);
    assert.ok(p.ok, `${r.name}: ${r.fields}: ${p.ok ? "" : p.error}`);
    decoded++;
  }
  assert.ok(decoded > 400, `${decoded} protocol events`);
});

for (const name of NAMES) {
  Deno.test(`patched-kernel ${name}.dat reads as trace-cmd report printed it`, async () => {
    const d = await datRecords(`${DIR}/${name}.dat`);
    assert.equal(d.error, undefined);
    assert.equal(d.dat.fallbacks.size, 0);
    const report = parseReport(await Deno.readTextFile(`${DIR}/${name}.report.txt`));
    assert.ok(report.length > 1000);
    assert.deepEqual(compareRecords(d.records, report), []);
    assert.deepEqual(lostMarkers(d.records), lostMarkers(report));
    // the project's own text reader reads the report the same way too
    const text = await textRecords(await Deno.readTextFile(`${DIR}/${name}.report.txt`));
    assert.deepEqual(compareRecords(d.records, text), []);
  });

  Deno.test(`patched-kernel ${name}.dat: lint gives the findings it gives on the report text`, async () => {
    const dat = await lintFile(`${DIR}/${name}.dat`);
    const text = await lintFile(`${DIR}/${name}.report.txt`);
    assert.equal(dat.stats.format, "dat");
    assert.equal(dat.kernel.version, "6.12");
    assert.equal(text.kernel.version, "6.12");
    if (name === "lab-shadow-mmu") assert.ok(dat.findings.length > 0);
    const us = (ts: bigint) => (ts + 500n) / 1000n;
    // trace-cmd report prints no irq flags: guest-mode-irqs-enabled is checked on the .dat only
    const rule = "guest-mode-irqs-enabled";
    assert.deepEqual(findingKeys(dat, us, rule), findingKeys(text, us, rule));
    assert.deepEqual(findingKeys(dat, us).filter((k) => k.startsWith(rule)), []);
  });
}

Deno.test("patched-kernel lab-clock.dat equals the kernel's own text of the same ring buffer", async () => {
  const d = await datRecords(`${DIR}/lab-clock.dat`);
  const kernelText = await textRecords(
    await Deno.readTextFile(`${DIR}/lab-clock.tracefs.txt`),
    "lab-clock.tracefs.txt",
  );
  // Field text is compared for the series' events: other events' pointers
  // (%p hashed by the kernel, raw in the file) print differently; and the
  // kernel prints %pS as sym+off/size [module] where trace-cmd (and the
  // native reader, which renders as trace-cmd does) prints sym+off.
  // (The text reader's events keep ts and fields behind getters: copied by name.)
  const asTraceCmd = kernelText.map((r): TraceRecord =>
    r.type === "event"
      ? {
        type: "event",
        name: r.name,
        ts: r.ts,
        cpu: r.cpu,
        pid: r.pid,
        comm: r.comm,
        flags: r.flags,
        line: r.line,
        tgid: r.tgid,
        stack: r.stack,
        fields: r.fields.replace(/(\+0x[0-9a-f]+)\/0x[0-9a-f]+(?: \[\w+\])?/g, "$1"),
      }
      : r
  );
  assert.deepEqual(compareRecords(d.records, asTraceCmd, isProtocolEventName), []);
  const dat = await lintFile(`${DIR}/lab-clock.dat`);
  const text = await lintFile(`${DIR}/lab-clock.tracefs.txt`);
  const us = (ts: bigint) => (ts + 500n) / 1000n; // ns2usecs() rounds too
  assert.deepEqual(findingKeys(dat, us), findingKeys(text, us));
  const checked = (r: typeof dat) => r.coverage.checked.map((c) => c.id).sort();
  assert.equal(checked(dat).length, 15);
  assert.deepEqual(checked(dat), checked(text));
});
