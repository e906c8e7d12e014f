import assert from "node:assert/strict";
import {
  chooseWindows,
  encodeRow,
  type SortedRow,
  summarize,
} from "../../src/report/html/budget.ts";
import { PAGE_SCRIPT } from "../../src/report/html/page.ts";
import type { ReportData } from "../../src/report/html/report_model.ts";
import { TimelineScanner, type TrackState } from "../../src/analysis/timeline_scan.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { lintInput } from "../../src/check/lint_input.ts";
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
  windowInside,
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
    // vCPU rows first: every vCPU of the model (and those identified only by
    // their thread), sorted; then host threads, none of them a vCPU's.
    const vcpuRows = file.rows.filter((r) => r.kind === "vcpu");
    const threadRows = file.rows.filter((r) => r.kind === "thread");
    assert.deepEqual(file.rows, [...vcpuRows, ...threadRows]);
    const ids = vcpuRows.map((r) => `${r.vm}/${r.vcpu}`);
    assert.deepEqual(ids, [...new Set(ids)]);
    for (const v of lint.checker.model.allVcpus()) assert.ok(ids.includes(`${v.vm}/${v.vcpu}`));
    assert.deepEqual(
      vcpuRows.map((r) => r.vm + "/" + String(r.vcpu).padStart(6, "0")),
      vcpuRows.map((r) => r.vm + "/" + String(r.vcpu).padStart(6, "0")).sort(),
    );
    const vcpuPids = new Set(vcpuRows.map((r) => r.pid));
    for (const t of threadRows) {
      assert.ok(t.pid !== null && !vcpuPids.has(t.pid), t.thread);
      assert.ok(t.pt.length > 0, `${t.thread}: a host thread row shows what it did`);
    }
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
  assert.deepEqual(
    data.files.map((f) => f.rows.filter((r) => r.kind === "vcpu").length),
    [a.vcpus, b.vcpus],
  );
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

Deno.test("report of a stock trace: every identified vCPU and kicking thread, the kick's stack, the whole span", async () => {
  const sample = realSamples().find((s) => s.name === "boot-2vcpu-debug-threads.trace");
  if (sample === undefined) return;
  const data = embeddedData(await report([sample])) as ReportData;
  const file = data.files[0];
  const events = sample.text.split("\n").filter((l) => /\d+\.\d+: \w+:/.test(l));
  const stamp = (l: string) => /(\d+\.\d+): \w+:/.exec(l)![1];
  assert.equal(file.firstTs, stamp(events[0]), "the span starts at the trace's first event");
  assert.equal(file.lastTs, stamp(events[events.length - 1]));
  const vcpus = file.rows.filter((r) => r.kind === "vcpu");
  // vCPU 0 has no protocol event of its own here (it only kicks vCPU 1): its
  // thread's name identifies it.
  assert.deepEqual(vcpus.map((r) => [r.vcpu, r.thread]), [
    [0, "CPU 0/KVM-27983"],
    [1, "CPU 1/KVM-27984"],
  ]);
  const threads = file.rows.filter((r) => r.kind === "thread");
  const qemu = threads.find((r) => r.thread === "qemu-system-x86-27971");
  assert.ok(qemu !== undefined, threads.map((r) => r.thread).join(", "));
  assert.ok(qemu.pt.length >= 3, "the kicks of the host thread are on its row");
  assert.ok(vcpus[1].th.length > 0, "vCPU 1's thread scheduling is on its row");
  const states = new Set<number>();
  for (let i = 2; i < vcpus[1].th.length; i += 3) states.add(vcpus[1].th[i]);
  assert.ok(states.has(0) && states.has(2), "running and sleeping");
  const f = data.findings[0];
  const stack = f.evidence[0].stack ?? [];
  assert.ok(stack.includes("kvm_arch_memslots_updated"), stack.join(" "));
  assert.ok(!stack.some((s) => /^(trace_|__traceiter_)/.test(s)), "tracing frames left out");
  assert.ok(
    f.context.before.length + f.context.after.length > 0,
    "the threads' scheduling around it",
  );
  for (const c of [...f.context.before, ...f.context.after]) {
    assert.match(c.text, /(sched_\w+|kvm_entry|kvm_exit|kvm_userspace_exit|kvm_vcpu_wakeup):/);
    assert.ok(!f.evidence.some((e) => e.line === c.line));
  }
  assert.ok(f.context.before.every((c) => c.line < f.line));
  assert.ok(f.context.after.every((c) => c.line > f.line));
});

Deno.test("report with a window: the whole trace replayed, the window shown", async () => {
  const sample = simulatedSample();
  const lint = await lintSample(sample);
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir, sample);
    const { from, until, fromArg, untilArg } = windowInside(lint, 3);
    const html = await reportFiles([path], `${dir}/w.html`, undefined, undefined, {
      from: fromArg,
      until: untilArg,
      vcpu: [1, 2],
    });
    const data = embeddedData(html) as ReportData;
    const file = data.files[0];
    const inside = lint.findings.filter((f) =>
      f.at.ts >= from && f.at.ts <= until && (f.vcpu === 1 || f.vcpu === 2)
    );
    assert.ok(inside.length > 0 && inside.length < lint.findings.length);
    assert.deepEqual(
      data.findings.map((f) => `${f.rule}@${f.line}`),
      inside.map((f) => `${f.ruleId}@${f.at.line}`),
    );
    assert.equal(file.findings, inside.length);
    assert.deepEqual(file.window, {
      text: `${fromArg.text} to ${untilArg.text}, vCPU 1, 2`,
      findingsInInput: lint.findings.length,
    });
    assert.equal(file.origin, from.toString());
    assert.equal(file.span, Number(until - from));
    assert.deepEqual(file.rows.filter((r) => r.kind === "vcpu").map((r) => r.vcpu), [1, 2]);
    for (const r of file.rows) {
      // Every series lies inside [0, span], and a vCPU's state is known from the start.
      for (const series of [r.iv, r.pt]) {
        let t = 0;
        for (let i = 0; i < series.length; i += 3) {
          t += series[i];
          assert.ok(t >= 0 && t <= file.span, `${r.thread}: ${t}`);
        }
      }
      if (r.kind === "vcpu") assert.equal(r.iv[0], 0, "the state at the window's start");
    }
    for (const f of data.findings) assert.ok(f.t >= 0 && f.t <= file.span);
    // Statistics count inside the window, as analyze does with the same window.
    const whole = embeddedData(await report([sample])) as ReportData;
    const entries = (d: ReportData, v: number) =>
      d.files[0].rows.find((r) => r.kind === "vcpu" && r.vcpu === v)!.stats.entries;
    assert.ok(entries(data, 1) < entries(whole, 1));
    assert.ok(entries(data, 1) > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report over budget: threads' scheduling counts against the interval budget", async () => {
  const sample = realSamples().find((s) => s.name === "boot-2vcpu-debug-threads.trace");
  if (sample === undefined) return;
  const whole = embeddedData(await report([sample])) as ReportData;
  const count = (d: ReportData) => d.files[0].rows.reduce((n, r) => n + r.th.length / 3, 0);
  assert.ok(whole.files[0].decimation.exact);
  assert.ok(count(whole) > 1000, `${count(whole)} scheduling intervals`);
  const small = embeddedData(await report([sample], 1000)) as ReportData;
  assert.equal(small.files[0].decimation.exact, false, "over budget: windows, not everything");
  assert.ok(count(small) < count(whole));
  assert.ok(count(small) <= 1000 + small.files[0].rows.length, `${count(small)} kept`);
});
