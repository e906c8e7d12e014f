import assert from "node:assert/strict";
import {
  chooseWindows,
  encodeRow,
  type SortedRow,
  summarize,
} from "../../src/report/html/budget.ts";
import { PAGE_SCRIPT } from "../../src/report/html/page.ts";
import type { ReportData } from "../../src/report/html/report_model.ts";
import { TimelineScanner, type TrackState } from "../../src/report/html/timeline_scan.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/model/normalize.ts";
import { lintInput } from "../../src/rules/lint_input.ts";
import {
  counterexampleSample,
  embeddedData,
  hostileSample,
  lintSample,
  protocolSample,
  realSamples,
  repeatedSample,
  reportFiles,
  type Sample,
  simulatedSample,
  writeSample,
} from "./report_helpers.ts";

async function report(
  samples: Sample[],
  maxIntervals?: number,
  maxFindings?: number,
): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const paths = [];
    for (const s of samples) paths.push(await writeSample(dir, s));
    return await reportFiles(paths, `${dir}/report.html`, maxIntervals, maxFindings);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function sha256(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...d));
}

const SAMPLES = [protocolSample, counterexampleSample, simulatedSample, hostileSample];
for (const sample of [...SAMPLES.map((make) => make()), ...realSamples()]) {
  Deno.test(`report of ${sample.name}: one page, lint's findings, one row per vCPU`, async () => {
    const lint = await lintSample(sample);
    const html = await report([sample]);
    assert.ok(html.startsWith("<!DOCTYPE html>"));
    assert.equal(html.match(/<script/g)?.length, 2, "the data and the page script, nothing else");
    const data = embeddedData(html) as ReportData;
    const markup = html.replace(/<script type="application\/json"[^>]*>[^]*?<\/script>/, "");
    assert.doesNotMatch(
      markup,
      /<(link|img|iframe|object|embed)\b|\b(src|href)=|url\(|@import|fetch\(|XMLHttpRequest|WebSocket/,
      "the page loads nothing",
    );
    const file = data.files[0];
    assert.equal(data.files.length, 1);
    assert.equal(data.findings.length, lint.findings.length);
    assert.deepEqual(data.findings.map((f) => f.rule), lint.findings.map((f) => f.ruleId));
    assert.equal(file.findings, lint.findings.length);
    for (const sev of ["error", "warning", "info"] as const) {
      assert.equal(file.severities[sev], lint.findings.filter((f) => f.severity === sev).length);
    }
    assert.equal(file.rows.length, lint.vcpus);
    assert.deepEqual(
      file.rows.map((r) => `${r.vm}/${r.vcpu}`),
      lint.checker.model.allVcpus().map((v) => `${v.vm}/${v.vcpu}`),
    );
    assert.equal(file.events, lint.stats.events);
    assert.equal(file.coverage.checked.length, lint.coverage.checked.length);
    assert.ok(file.decimation.exact);
    for (const f of data.findings) {
      assert.ok(f.evidence.length > 0);
      assert.ok(f.row >= -1 && f.row < file.rows.length);
      if (f.vcpu !== null) assert.equal(file.rows[f.row].vcpu, f.vcpu);
    }
    // Every interval starts where the previous ended, within a row.
    for (const r of file.rows) {
      let t = 0;
      let end: number | undefined;
      for (let i = 0; i < r.iv.length; i += 3) {
        t += r.iv[i];
        if (end !== undefined) assert.equal(t, end);
        assert.ok(r.iv[i + 1] >= 0 && r.iv[i + 2] >= 0 && r.iv[i + 2] < data.states.length);
        end = t + r.iv[i + 1];
      }
    }
  });
}

Deno.test("report embeds trace strings only as escaped JSON, under a hash-pinned CSP", async () => {
  const html = await report([hostileSample()]);
  const open = '<script type="application/json" id="kvmreq-data">';
  const body = html.slice(
    html.indexOf(open) + open.length,
    html.indexOf("</script>", html.indexOf(open)),
  );
  assert.ok(!body.includes("<"), "no < inside the data element");
  for (const s of ["<svg onload=a>", "</script><i>", "<img/src=x", "window.__pwned=1</script>"]) {
    assert.ok(!html.includes(s), `${s} appears raw in the page`);
  }
  const data = embeddedData(html) as ReportData;
  const text = JSON.stringify(data);
  assert.ok(text.includes("<svg onload=a>-4402"), "the comm survives as data");
  assert.ok(text.includes("</script><script>window.__pwned=1</script>"));
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.ok(csp.includes(`script-src 'sha256-${await sha256(PAGE_SCRIPT)}'`));
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(PAGE_SCRIPT));
});

Deno.test("report of several inputs keeps them apart", async () => {
  const html = await report([protocolSample(), simulatedSample()]);
  const data = embeddedData(html) as ReportData;
  assert.equal(data.files.length, 2);
  const a = await lintSample(protocolSample());
  const b = await lintSample(simulatedSample());
  assert.equal(data.findings.length, a.findings.length + b.findings.length);
  assert.equal(data.findings.filter((f) => f.file === 1).length, b.findings.length);
  assert.deepEqual(data.files.map((f) => f.rows.length), [a.vcpus, b.vcpus]);
});

Deno.test("report lists the first findings and counts the rest by rule", async () => {
  const sample = simulatedSample();
  const lint = await lintSample(sample);
  const data = embeddedData(await report([sample], undefined, 5)) as ReportData;
  assert.equal(data.findings.length, 5);
  assert.equal(data.files[0].findings, lint.findings.length);
  const counted: Record<string, number> = {};
  for (const f of lint.findings.slice(5)) counted[f.ruleId] = (counted[f.ruleId] ?? 0) + 1;
  assert.deepEqual(data.unlisted, counted);
  for (const id of Object.keys(counted)) assert.ok(data.rules[id].length > 0);
});

Deno.test("report over budget keeps windows around findings and summarises the rest", async () => {
  const sample = repeatedSample(simulatedSample(), 8);
  const lint = await lintSample(sample);
  const html = await report([sample], 1000);
  const data = embeddedData(html) as ReportData;
  const file = data.files[0];
  const d = file.decimation;
  assert.equal(d.exact, false);
  assert.ok(d.intervals.total > 1000);
  assert.ok(d.intervals.kept <= 1000 && d.intervals.kept > 0, `${d.intervals.kept} kept`);
  assert.ok(d.points.kept <= 1000 && d.requests.kept <= 500);
  assert.ok(d.findingWindows > 0);
  assert.equal(data.findings.length, lint.findings.length);
  const windows: [number, number][] = [];
  for (let i = 0; i < d.windows.length; i += 2) windows.push([d.windows[i], d.windows[i + 1]]);
  const first = data.findings[0];
  assert.ok(
    windows.some(([a, b]) => a <= first.t && first.t <= b),
    "the first finding is drawn exactly",
  );
  for (const r of file.rows) {
    assert.equal(r.sum.length, d.buckets);
    assert.equal(r.psum.length, d.buckets);
    assert.match(r.sum, /^[0-4.]+$/);
  }
  const kept = file.rows.reduce((n, r) => n + r.iv.length / 3, 0);
  assert.equal(kept, d.intervals.kept);
});

Deno.test("report of a large trace stays under 10 MB", async () => {
  const html = await report([repeatedSample(simulatedSample(), 40)], 20_000);
  const size = new TextEncoder().encode(html).length;
  assert.ok(size < 10_000_000, `${size} bytes`);
  const data = embeddedData(html) as ReportData;
  assert.equal(data.files[0].decimation.exact, false);
});

function row(st: number[], sc: number[], pt: number[] = []): SortedRow {
  return {
    st: Float64Array.from(st),
    sc: Uint8Array.from(sc),
    pt: Float64Array.from(pt),
    pk: new Uint8Array(pt.length),
    pl: new Uint32Array(pt.length),
    rq: new Float64Array(0),
    rl: new Float64Array(0),
    rb: new Uint32Array(0),
  };
}

Deno.test("budget: exact when it fits, windows and summaries when not", () => {
  const us = 100_000; // 100 µs apart
  const r = row(
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => k * us),
    [0, 1, 2, 0, 1, 2, 0, 1, 2, 0],
    [0.5 * us, 5.5 * us],
  );
  const end = 10 * us;
  const fits = chooseWindows([r], [], 0, end, { intervals: 10, points: 2, requests: 0 });
  assert.equal(fits.exact, true);
  const all = encodeRow(r, fits, end);
  assert.deepEqual(all.iv.slice(0, 6), [0, us, 0, us, us, 1]);
  assert.deepEqual(all.iv.slice(-3), [us, us, 0]);
  assert.deepEqual(all.pt, [0.5 * us, 0, 0, 5 * us, 0, 0]);
  const sel = chooseWindows([r], [[5.2 * us, 5.6 * us]], 0, end, {
    intervals: 4,
    points: 2,
    requests: 0,
  });
  assert.equal(sel.exact, false);
  assert.equal(sel.findingWindows, 1);
  const enc = encodeRow(r, sel, end);
  let t = 0;
  const starts: number[] = [];
  for (let i = 0; i < enc.iv.length; i += 3) starts.push(t += enc.iv[i]);
  assert.deepEqual(starts, [0, us, 2 * us, 5 * us], "the finding's interval, then the start");
  const { sum, psum } = summarize(r, end, 10, 5);
  assert.equal(sum, "0120120120");
  assert.deepEqual(psum, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
});

Deno.test("timeline scanner: the protocol trace's vCPU goes IN_GUEST, EXITING, OUTSIDE, IN_GUEST", async () => {
  const sample = protocolSample();
  const reader = readTraceFrom(
    memoryByteSource(sample.name, new TextEncoder().encode(sample.text)),
    { keepEvent: (n) => MODEL_EVENT_NAMES.has(n) },
  );
  const states: TrackState[] = [];
  const kinds: string[] = [];
  let scanner: TimelineScanner | undefined;
  await lintInput(
    { path: sample.name, reader, batches: () => reader.batches() },
    { rules: [], ruleOptions: { latencyThresholdNs: 0n, allowedKickSites: [] } },
    (ev, checker) => {
      scanner ??= new TimelineScanner(checker.model, (item) => {
        kinds.push(item.kind);
        if (item.kind === "state") states.push(item.state);
      });
      scanner.observe(ev);
    },
  );
  scanner!.finish();
  assert.deepEqual(states, ["IN_GUEST", "EXITING", "OUTSIDE", "IN_GUEST"]);
  assert.deepEqual(kinds.filter((k) => k !== "state"), [
    "made",
    "kick",
    "served",
    "kick",
    "made",
    "kick",
  ]);
});
