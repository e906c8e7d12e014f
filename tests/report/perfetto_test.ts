import assert from "node:assert/strict";
import type { TextSink } from "../../src/cli/output.ts";
import { runExport } from "../../src/cli/export_command.ts";
import { formatMicros, VCPU_TID_BASE, VM_PID_BASE } from "../../src/report/perfetto.ts";
import {
  counterexampleSample,
  exportFiles,
  hostileSample,
  lintSample,
  protocolSample,
  realSamples,
  repeatedSample,
  type Sample,
  simulatedSample,
  windowInside,
  writeSample,
} from "./report_helpers.ts";

interface TraceEvent {
  name: string;
  ph: string;
  cat?: string;
  ts: number;
  dur?: number;
  pid: number;
  tid?: number;
  s?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

const SAMPLES: (() => Sample)[] = [
  protocolSample,
  counterexampleSample,
  hostileSample,
  simulatedSample,
];

async function exported(sample: Sample): Promise<{ text: string; events: TraceEvent[] }> {
  const dir = await Deno.makeTempDir();
  try {
    const text = await exportFiles([await writeSample(dir, sample)]);
    const doc = JSON.parse(text) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
    assert.equal(doc.displayTimeUnit, "ns");
    assert.ok(Array.isArray(doc.traceEvents));
    return { text, events: doc.traceEvents };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const isVm = (pid: number) => pid >= VM_PID_BASE && pid < VM_PID_BASE + 1_000_000;
const trackKey = (e: TraceEvent) => `${e.pid}/${e.tid}`;

Deno.test("formatMicros formats bigint nanoseconds exactly", () => {
  assert.equal(formatMicros(7166367568123n), "7166367568.123");
  assert.equal(formatMicros(0n), "0.000");
  assert.equal(formatMicros(999n), "0.999");
  assert.equal(formatMicros(1000n), "1.000");
  assert.equal(formatMicros(-1500n), "-1.500");
  // 2^53 + 1 ns: a float division would give ...740.992.
  assert.equal(formatMicros(9_007_199_254_740_993n), "9007199254740.993");
  assert.equal(formatMicros(123_456_789_012_345_678_901n), "123456789012345678.901");
});

Deno.test("export keeps nanosecond timestamps exact beyond 2^53 ns", async () => {
  const text = protocolSample().text.replace(
    /\b100\.0000(\d\d)\b/g,
    (_, us) => `9007199.2547409${us}`,
  );
  const { text: json } = await exported({ name: "big-ts.trace", text });
  // kvm_make_request at 9007199.254740910 s → 9007199254740910 ns.
  assert.match(
    json,
    /"name":"make KVM_REQ_UNBLOCK","ph":"X","cat":"request","ts":9007199254740\.910,/,
  );
  for (const m of json.matchAll(/"(?:ts|dur)":([^,}]+)/g)) {
    assert.match(m[1], /^-?\d+\.\d{3}$/, `timestamp ${m[1]} is not µs with 3 decimals`);
  }
});

for (const sample of [...SAMPLES.map((make) => make()), ...realSamples()]) {
  Deno.test(`export of ${sample.name}: tracks, slices, flows and findings`, async () => {
    const lint = await lintSample(sample);
    const { events } = await exported(sample);

    // One thread-name metadata event per vCPU, each on its own track: its real
    // thread (named after the vCPU and the thread), or a synthetic one in its
    // VM's process when the thread was never identified.
    const vcpuNames = events.filter((e) =>
      e.ph === "M" && e.name === "thread_name" && /^vCPU \d+/.test(String(e.args?.name))
    );
    assert.equal(vcpuNames.length, lint.vcpus);
    assert.equal(new Set(vcpuNames.map(trackKey)).size, lint.vcpus);
    for (const e of vcpuNames) {
      if (isVm(e.pid)) {
        assert.ok(e.tid! >= VCPU_TID_BASE);
        assert.match(String(e.args?.name), /^vCPU \d+$/);
      } else {
        assert.ok(e.tid! < 1 << 22, "a real thread id");
        assert.match(String(e.args?.name), new RegExp(`^vCPU \\d+ · .*-${e.tid}$`));
      }
    }
    const names = new Set(vcpuNames.map((e) => String(e.args?.name).split(" · ")[0]));
    for (const v of lint.checker.model.allVcpus()) assert.ok(names.has(`vCPU ${v.vcpu}`));
    const vcpuTracks = new Set(vcpuNames.map(trackKey));

    // Slices: B/E balanced per track, and complete slices properly nested (no partial overlap).
    const byTrack = new Map<string, TraceEvent[]>();
    for (const e of events) {
      if (e.ph !== "X" && e.ph !== "B" && e.ph !== "E") continue;
      const list = byTrack.get(trackKey(e)) ?? [];
      list.push(e);
      byTrack.set(trackKey(e), list);
    }
    for (const [track, list] of byTrack) {
      let depth = 0;
      for (const e of list) {
        if (e.ph === "B") depth++;
        if (e.ph === "E") depth--;
        assert.ok(depth >= 0, `E before B on ${track}`);
      }
      assert.equal(depth, 0, `unbalanced B/E on ${track}`);
      const xs = list.filter((e) => e.ph === "X").sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
      const stack: TraceEvent[] = [];
      for (const x of xs) {
        assert.ok(x.dur! >= 0);
        while (
          stack.length > 0 && stack[stack.length - 1].ts + stack[stack.length - 1].dur! <= x.ts
        ) {
          stack.pop();
        }
        const parent = stack[stack.length - 1];
        if (parent !== undefined) {
          assert.ok(
            x.ts + x.dur! <= parent.ts + parent.dur! + 1e-6,
            `${x.name}@${x.ts} overlaps ${parent.name}@${parent.ts} on ${track}`,
          );
        }
        stack.push(x);
      }
      const modes = xs.filter((e) => e.cat === "mode");
      for (let i = 1; i < modes.length; i++) {
        assert.ok(
          modes[i].ts >= modes[i - 1].ts + modes[i - 1].dur! - 1e-6,
          `modes overlap on ${track}`,
        );
      }
    }
    const modeSlices = events.filter((e) => e.cat === "mode");
    for (const e of modeSlices) {
      assert.ok(
        ["OUTSIDE", "IN_GUEST", "EXITING", "READING_SHADOW_PAGE_TABLES", "blocked"].includes(
          e.name,
        ),
      );
    }

    // Flows: every start has exactly one end (same id, name, category), not earlier,
    // each bound to a request slice at its timestamp on its track.
    const starts = events.filter((e) => e.ph === "s");
    const ends = events.filter((e) => e.ph === "f");
    assert.equal(starts.length, ends.length);
    const endById = new Map(ends.map((e) => [e.id, e]));
    assert.equal(endById.size, ends.length, "flow ids are unique");
    const sliceAt = (e: TraceEvent) =>
      events.some((x) =>
        x.ph === "X" && x.cat === "request" && trackKey(x) === trackKey(e) && x.ts === e.ts
      );
    for (const s of starts) {
      const f = endById.get(s.id);
      assert.ok(f !== undefined, `flow ${s.id} has no end`);
      assert.equal(f.name, s.name);
      assert.equal(f.cat, s.cat);
      assert.equal(f.bp, "e");
      assert.ok(f.ts >= s.ts);
      assert.ok(vcpuTracks.has(trackKey(f)), "flows end on a vCPU track");
      assert.ok(sliceAt(s) && sliceAt(f), `flow ${s.id} is not bound to make/serve slices`);
    }
    const served = events.filter((e) => e.ph === "X" && e.name.startsWith("serve "));
    assert.ok(starts.length <= served.length);

    // Every finding is an instant with rule id, message and evidence.
    const findings = events.filter((e) => e.cat === "finding");
    assert.equal(findings.length, lint.findings.length);
    assert.deepEqual(
      findings.map((e) => e.name).sort(),
      lint.findings.map((f) => f.ruleId).sort(),
    );
    for (const e of findings) {
      assert.equal(e.ph, "i");
      assert.equal(e.args?.rule, e.name);
      assert.equal(typeof e.args?.message, "string");
      assert.ok(Array.isArray(e.args?.evidence) && (e.args.evidence as unknown[]).length > 0);
    }
    // Kicks carry action and call site.
    for (const e of events.filter((e) => e.cat?.split(",").includes("kick"))) {
      assert.equal(e.ph, "i");
      assert.ok(typeof e.args?.action === "string" && "site" in e.args!);
    }
  });
}

Deno.test("export of the hostile trace keeps comm and fields as plain JSON strings", async () => {
  const { events } = await exported(hostileSample());
  const host = events.find((e) =>
    e.name === "thread_name" && String(e.args?.name).includes("script")
  );
  assert.equal(host?.args?.name, "</script><i>-11");
  const kick = events.find((e) => e.name === "kick ipi");
  assert.equal(kick?.args?.site, "</script><script>window.__pwned=1</script>+0x7e/0x110");
});

Deno.test("export streams: output arrives in bounded chunks while the trace is read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir, repeatedSample(simulatedSample(), 12));
    const writes: number[] = [];
    const sink: TextSink = {
      closed: false,
      write(text: string) {
        writes.push(text.length);
        return Promise.resolve();
      },
      flush: () => Promise.resolve(),
    };
    await runExport(
      {
        command: "export",
        format: "perfetto",
        output: undefined,
        from: undefined,
        until: undefined,
        vcpu: [],
        config: undefined,
        latencyThresholdMs: undefined,
        inputFormat: undefined,
        strict: undefined,
        buffer: undefined,
        kernel: undefined,
        arch: undefined,
        stockOnly: undefined,
        files: [path],
      },
      sink,
      "test",
    );
    const total = writes.reduce((a, b) => a + b, 0);
    assert.ok(writes.length >= 5, `${writes.length} writes`);
    assert.ok(Math.max(...writes) < total / 3, `largest write ${Math.max(...writes)} of ${total}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const LAB_CLOCK = new URL("../../traces/lab/stock/clock.trace", import.meta.url);

/** `comm-pid ( tgid) [cpu] … ts: name: fields` of a recorded line. */
function parseLine(l: string) {
  const m = /^\s*(.+)-(\d+)\s+\(\s*(\d+|-+)\)\s+\[(\d+)\]\s+\S+\s+(\d+\.\d+): (\w+): (.*)$/.exec(l);
  return m === null
    ? undefined
    : { comm: m[1], pid: Number(m[2]), tgid: Number(m[3]), name: m[6], fields: m[7] };
}

Deno.test({
  name: "export of a stock recording: real thread and process ids, scheduling tracks, guest exits",
  ignore: (() => {
    try {
      return !Deno.statSync(LAB_CLOCK).isFile;
    } catch {
      return true;
    }
  })(),
  async fn() {
    const text = Deno.readTextFileSync(LAB_CLOCK);
    const lines = text.split("\n").map(parseLine).filter((x) => x !== undefined);
    const { events } = await exported({ name: "clock.trace", text });
    const threadName = (pid: number, tid: number) =>
      events.find((e) => e.ph === "M" && e.name === "thread_name" && e.pid === pid && e.tid === tid)
        ?.args?.name;
    // The vCPU threads, as the trace names them, with their thread group.
    const vcpuThreads = new Map<number, { pid: number; tgid: number; comm: string }>();
    for (const l of lines) {
      const m = /^CPU (\d+)\/KVM$/.exec(l.comm);
      if (m !== null) vcpuThreads.set(Number(m[1]), { pid: l.pid, tgid: l.tgid, comm: l.comm });
    }
    assert.ok(vcpuThreads.size >= 2);
    for (const [vcpu, t] of vcpuThreads) {
      assert.equal(threadName(t.tgid, t.pid), `vCPU ${vcpu} · ${t.comm}-${t.pid}`);
      // Its scheduling track: one running slice per switch to it, in its process.
      const sched = events.find((e) =>
        e.ph === "M" && e.name === "thread_name" &&
        e.args?.name === `${t.comm}-${t.pid} · scheduling`
      );
      assert.ok(sched !== undefined && sched.pid === t.tgid);
      const slices = events.filter((e) => e.cat === "sched" && trackKey(e) === trackKey(sched));
      const switchesIn = lines.filter((l) =>
        l.name === "sched_switch" && new RegExp(`next_pid=${t.pid} `).test(l.fields)
      ).length;
      assert.equal(
        slices.filter((e) =>
          e.name === "running"
        ).length,
        switchesIn,
      );
      for (let i = 1; i < slices.length; i++) {
        assert.ok(slices[i].ts >= slices[i - 1].ts + slices[i - 1].dur! - 1e-6, "no overlap");
      }
      // Guest exits with their reason, one per kvm_exit of that thread.
      const exits = events.filter((e) => e.cat === "exit" && e.pid === t.tgid && e.tid === t.pid);
      const kvmExits = lines.filter((l) => l.name === "kvm_exit" && l.pid === t.pid);
      assert.equal(exits.length, kvmExits.length);
      for (const [i, e] of exits.entries()) {
        assert.equal(e.name, `exit ${/reason (\S+)/.exec(kvmExits[i].fields)![1]}`);
      }
    }
    // The process is named as the trace names its main thread.
    const tgid = [...vcpuThreads.values()][0].tgid;
    const main = lines.find((l) => l.pid === tgid)!;
    assert.equal(
      events.find((e) => e.ph === "M" && e.name === "process_name" && e.pid === tgid)?.args?.name,
      main.comm,
    );
    // The host thread that kicks has its own track, with its kicks and its scheduling.
    const kicker = events.find((e) =>
      e.ph === "i" && e.cat?.includes("kick") && e.pid === tgid && e.tid === main.pid
    );
    assert.ok(kicker !== undefined, "the kicking thread's kicks are on its own track");
  },
});

Deno.test("export with a window: slices clipped to it, instants and findings inside, its vCPUs only", async () => {
  const sample = simulatedSample();
  const lint = await lintSample(sample);
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir, sample);
    const { from, until, fromArg, untilArg } = windowInside(lint, 2);
    const events = (JSON.parse(
      await exportFiles([path], {
        from: fromArg,
        until: untilArg,
        vcpu: [2],
      }),
    ) as { traceEvents: TraceEvent[] }).traceEvents;
    const lo = Number(from) / 1000;
    const hi = Number(until) / 1000;
    for (const e of events) {
      if (e.ph === "M") continue;
      assert.ok(e.ts >= lo - 1e-3 && e.ts <= hi + 1e-3, `${e.name} at ${e.ts}`);
      if (e.ph === "X") assert.ok(e.ts + e.dur! <= hi + 1e-3);
    }
    const vcpus = events.filter((e) =>
      e.ph === "M" && e.name === "thread_name" && /^vCPU /.test(String(e.args?.name))
    );
    assert.deepEqual(vcpus.map((e) => String(e.args?.name).split(" · ")[0]), ["vCPU 2"]);
    const findings = events.filter((e) => e.cat === "finding");
    const inside = lint.findings.filter((f) => f.vcpu === 2 && f.at.ts >= from && f.at.ts <= until);
    assert.ok(inside.length > 0);
    assert.deepEqual(findings.map((e) => e.args?.line), inside.map((f) => f.at.line));
    // The vCPU's mode is known at the window's start: a slice begins exactly there.
    const modes = events.filter((e) => e.cat === "mode").sort((a, b) => a.ts - b.ts);
    assert.ok(Math.abs(modes[0].ts - lo) < 1e-3, `${modes[0].ts} vs ${lo}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
