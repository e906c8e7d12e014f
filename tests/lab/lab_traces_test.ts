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
  DEMO_TRACE,
  demoBlock,
  isPatchedTrace,
  labTraceFiles,
  labTracesDoc,
  lintSummaries,
  replaceBetween,
  situationCounts,
  type TraceSummary,
} from "../../kernel/lab/lab_report.ts";

import { loadSeries } from "../../kernel/lab/series.ts";

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
    // a mutant's workload may fail its own checks (a lost wakeup, an interrupt never taken)
    if (!s.file.startsWith("traces/lab/mutants/")) {
      assert.match(
        head,
        /^# workload exit code 0: /m,
        `${s.file}: the workload's own checks passed`,
      );
    }
  }
});

Deno.test("lab traces of the correct patched kernel: no error, at least 13 of 15 rules checked", async () => {
  const correct = (await summaries()).filter((s) => isPatchedTrace(s.file));
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

Deno.test("docs/lab-traces.md: its workload, coverage and situation tables are generated", async () => {
  const doc = await Deno.readTextFile(`${ROOT}/docs/lab-traces.md`);
  assert.equal(
    doc,
    await labTracesDoc(ROOT, doc, await summaries()),
    "docs/lab-traces.md is stale: run `deno run -A scripts/lab_coverage.ts`",
  );
});

Deno.test("situationCounts: counts the lines of each situation, not stack or header lines", () => {
  const text = [
    "# kvm_vcpu_kick: vcpu=0 mode=IN_GUEST_MODE action=ipi cpu=1",
    " CPU 0/KVM-1 [000] ..... 1.0: kvm_vcpu_kick: vcpu=1 idx=1 mode=IN_GUEST_MODE action=ipi cpu=1",
    " => kvm_vcpu_kick: action=ipi",
    " CPU 0/KVM-1 [000] d..1. 1.1: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=READING_SHADOW_PAGE_TABLES",
    " x-1 [000] ..... 1.2: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x3 phase=begin",
    " x-1 [000] ..... 1.3: kvm_make_all_cpus_request: req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP mask=0x3 phase=end",
  ].join("\n");
  const c = situationCounts(text);
  assert.deepEqual(c, [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
});

Deno.test("lab traces were made from the patches in this tree (the series key in each header)", async () => {
  for (const file of FILES) {
    const head = (await Deno.readTextFile(`${ROOT}/${file}`)).slice(0, 4000);
    const key = /^# series: ([0-9a-f]{16}) /m.exec(head)?.[1];
    const mutant = /^traces\/lab\/mutants\/(M\d\d)-/.exec(file)?.[1];
    const series = await loadSeries(ROOT, mutant, file.startsWith("traces/lab/stock/"));
    assert.equal(
      key,
      series.key,
      `${file} was made from other patches than kernel/patches (and kernel/mutants) hold now: ` +
        `remake it (${/^# remake: (.*)$/m.exec(head)?.[1]})`,
    );
  }
});

Deno.test("README: the lint example is what kvmreq prints on the demo lab trace", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  if (!FILES.includes(DEMO_TRACE)) {
    console.log(`${DEMO_TRACE} not committed yet`);
    return;
  }
  assert.equal(
    readme,
    replaceBetween(readme, "demo", await demoBlock(ROOT)),
    "README.md's lint example is stale: run `deno run -A scripts/lab_coverage.ts`",
  );
});
