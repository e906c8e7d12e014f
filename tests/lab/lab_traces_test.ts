/**
 * The committed lab traces (traces/lab, made by `deno task lab` on a real
 * nested KVM): kvmreq's findings and coverage on each are pinned by a golden
 * (tests/lab/golden), the traces of the correct patched kernel have no
 * error-level finding and check at least 13 of the 15 rules between them,
 * and docs/lab-traces.md's coverage table is in step.
 *
 * After an intended change: `deno run -A scripts/lab_coverage.ts --goldens`.
 */
import assert from "node:assert/strict";
import {
  coverageTable,
  labTraceFiles,
  lintSummaries,
  replaceBetween,
  type TraceSummary,
  workloadTable,
} from "../../kernel/lab/lab_report.ts";
import { listWorkloads } from "../../kernel/lab/workloads.ts";
import { RULES } from "../../src/rules/index.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const FILES = labTraceFiles(ROOT);
let cached: TraceSummary[] | undefined;
async function summaries(): Promise<TraceSummary[]> {
  cached ??= await lintSummaries(ROOT, FILES);
  return cached;
}
const goldenName = (file: string) =>
  file.replace(/^traces\/lab\//, "").replaceAll("/", "-").replace(/\.trace$/, ".json");

Deno.test("lab traces: each one's findings and coverage match its golden", async () => {
  assert.ok(FILES.length > 0, "traces/lab has traces");
  for (const s of await summaries()) {
    const golden = JSON.parse(
      await Deno.readTextFile(`${ROOT}/tests/lab/golden/${goldenName(s.file)}`),
    );
    assert.deepEqual(
      s,
      golden,
      `${s.file} (regenerate: deno run -A scripts/lab_coverage.ts --goldens)`,
    );
  }
});

Deno.test("lab traces: every line read, no events lost, a kernel and remake header", async () => {
  for (const s of await summaries()) {
    assert.equal(s.skippedLines, 0, `${s.file}: skipped lines`);
    assert.equal(s.lostEvents, 0, `${s.file}: lost events`);
    assert.ok(s.vcpus >= 2, `${s.file}: both vCPUs identified`);
    const head = (await Deno.readTextFile(`${ROOT}/${s.file}`)).slice(0, 4000);
    assert.match(head, /^# kernel: 6\.12\.118\+deb12-amd64$/m, s.file);
    assert.match(head, /^# arch: x86_64$/m, s.file);
    assert.match(head, /^# remake: deno task lab --workload \S+/m, s.file);
    assert.match(head, /^# workload exit code 0: /m, `${s.file}: the workload's own checks passed`);
  }
});

Deno.test("lab traces of the correct patched kernel: no error, at least 13 of 15 rules checked", async () => {
  const correct = (await summaries()).filter((s) => /^traces\/lab\/[^/]+\.trace$/.test(s.file));
  if (correct.length === 0) {
    console.log("no patched-kernel traces in traces/lab yet (only stock/)");
    return;
  }
  for (const s of correct) {
    assert.equal(
      s.totals.error,
      0,
      `${s.file}: ${s.findings.filter((f) => / error /.test(f)).join("\n")}`,
    );
  }
  const checked = new Set(correct.flatMap((s) => s.checkedRules));
  assert.ok(checked.size >= 13, `only ${checked.size} rules checked: ${[...checked].join(", ")}`);
});

Deno.test("docs/lab-traces.md: the workload and coverage tables are generated", async () => {
  const doc = await Deno.readTextFile(`${ROOT}/docs/lab-traces.md`);
  const table = coverageTable(RULES.map((r) => r.meta.id), await summaries());
  const workloads = workloadTable(await listWorkloads(ROOT));
  assert.equal(
    doc,
    replaceBetween(replaceBetween(doc, "coverage", table), "workloads", workloads),
    "docs/lab-traces.md is stale: run `deno run -A scripts/lab_coverage.ts`",
  );
});
