/**
 * Golden tests over the real trace excerpts in fixtures/ingest/ (recorded on
 * this project's test host, see fixtures/ingest/README.md): every record as
 * kvmreq JSON Lines and the reader's counters must match the committed
 * goldens, and each variant must show the column layout it was recorded for.
 *
 * Regenerate after an intended change: `KVMREQ_UPDATE_GOLDEN=1 deno test -A tests/ingest`.
 */
import assert from "node:assert/strict";
import type { TraceEvent, TraceRecord } from "../../src/events/types.ts";
import { readTrace } from "../../src/ingest/read_trace.ts";
import { recordToJsonl } from "../../src/report/event_jsonl.ts";
import { summarizeStats } from "../../src/report/stats_summary.ts";
import { countsAddUp } from "./read_helpers.ts";

const DIR = new URL("../../fixtures/ingest/", import.meta.url);
const UPDATE = Deno.env.get("KVMREQ_UPDATE_GOLDEN") === "1";

async function readFixture(name: string) {
  const path = new URL(name, DIR).pathname;
  const reader = await readTrace(path);
  const records: TraceRecord[] = [];
  for await (const b of reader.batches()) records.push(...b);
  const summary = summarizeStats(reader.stats, new Map(), reader.timeSpan());
  return { records, stats: reader.stats, summary: { ...summary, file: name } };
}

const names = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => /\.(trace|txt)$/.test(n))
  .sort();

for (const name of names) {
  Deno.test(`ingest fixture ${name}: records and counters match the golden`, async () => {
    const { records, stats, summary } = await readFixture(name);
    assert.ok(countsAddUp(stats), "every line counted once");
    assert.equal(
      stats.skippedLines,
      0,
      `no line of a real trace is skipped: ${JSON.stringify(summary.skipped)}`,
    );
    const jsonl = records.map(recordToJsonl).join("");
    const statsJson = JSON.stringify(summary, null, 2) + "\n";
    const golden = new URL(`golden/${name}.jsonl`, DIR);
    const goldenStats = new URL(`golden/${name}.stats.json`, DIR);
    if (UPDATE) {
      await Deno.mkdir(new URL("golden/", DIR), { recursive: true });
      await Deno.writeTextFile(golden, jsonl);
      await Deno.writeTextFile(goldenStats, statsJson);
    }
    assert.equal(jsonl, await Deno.readTextFile(golden));
    assert.equal(statsJson, await Deno.readTextFile(goldenStats));
  });
}

const events = (rs: TraceRecord[]) => rs.filter((r): r is TraceEvent => r.type === "event");

const VARIANTS: Record<string, (rs: TraceRecord[], format: string | undefined) => void> = {
  "irq-info.trace": (rs, f) => {
    assert.equal(f, "ftrace");
    assert.ok(events(rs).every((e) => e.flags !== undefined && e.tgid === undefined));
  },
  "noirq-info.trace": (rs) => assert.ok(events(rs).every((e) => e.flags === undefined)),
  "record-tgid.trace": (rs) => {
    assert.ok(events(rs).some((e) => typeof e.tgid === "number"));
    assert.ok(events(rs).every((e) => e.tgid !== undefined));
  },
  "debug-threads.trace": (rs) => assert.ok(events(rs).some((e) => /^CPU \d+\/KVM$/.test(e.comm))),
  "stacktrace.trace": (rs) =>
    assert.ok(
      events(rs).some((e) => e.name === "sched_waking" && e.stack?.includes("__kvm_vcpu_kick")),
    ),
  "counter-clock.trace": (rs) => assert.ok(events(rs).length > 0),
  "trace-pipe.trace": (_rs, f) => assert.equal(f, "trace-pipe"),
  "lost-events.trace": (rs) => assert.ok(rs.some((r) => r.type === "lost")),
  "buffer-started.trace": (rs) => assert.ok(rs.some((r) => r.type === "buffer-started")),
  "report-latency.txt": (rs, f) => {
    assert.equal(f, "report");
    assert.ok(events(rs).every((e) => e.flags !== undefined && e.flags.length === 5));
    assert.ok(events(rs).some((e) => e.comm === "CPU 0/KV" && e.cpu === 1));
  },
  "report.txt": (rs, f) => {
    assert.equal(f, "report");
    assert.ok(events(rs).some((e) => e.stack?.includes("__kvm_vcpu_kick")));
  },
};

for (const [name, check] of Object.entries(VARIANTS)) {
  Deno.test(`ingest fixture ${name}: shows its variant`, async () => {
    const { records, stats } = await readFixture(name);
    check(records, stats.format);
    if (name === "counter-clock.trace") assert.equal(stats.timeUnit, "ticks");
    else assert.equal(stats.timeUnit, "ns");
  });
}
