/**
 * The recorder's logic on a fake tracefs tree: the plan goes into an
 * instance of its own, the top level is never written, and the instance is
 * removed after success, a refused write, and a signal during setup.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventsPlan, kvmPreset } from "../../src/record/preset.ts";
import { type RecordSettings, recordTrace } from "../../src/record/recorder.ts";
import { instanceName } from "../../src/record/teardown.ts";
import { formatWrite, TracefsError } from "../../src/record/tracefs.ts";
import { FakeTracefs, fakeTracefs, treeContents } from "./fake_tracefs.ts";

function sink() {
  const chunks: Uint8Array[] = [];
  return {
    chunks,
    write(p: Uint8Array) {
      chunks.push(p.slice());
      return Promise.resolve(p.length);
    },
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
  };
}

function settings(t: FakeTracefs, over: Partial<RecordSettings> = {}): RecordSettings {
  return {
    tracefs: t,
    instance: instanceName(Deno.pid),
    plan: kvmPreset(["qemu*", "CPU *"], [], false),
    output: sink(),
    command: [],
    durationMs: 100,
    log: () => {},
    signal: new AbortController().signal,
    ...over,
  };
}

Deno.test("record writes its plan into its own instance, streams it, removes it, and never writes the top level", async () => {
  const { root } = await fakeTracefs();
  const before = await treeContents(root);
  const t = new FakeTracefs(root);
  const out = sink();
  const r = await recordTrace(settings(t, { output: out }));
  assert.ok(r.bytes > 0);
  assert.match(out.text(), /sched_waking/);
  assert.deepEqual(r.problems, []);
  const inst = `instances/${instanceName(Deno.pid)}`;
  assert.ok(t.writes.every((w) => w.file.startsWith(inst) || w.path.includes(`/${inst}/`)));
  assert.ok(
    t.writes.some((w) =>
      w.file === "events/sched/sched_waking/trigger" && w.value.startsWith("stacktrace if")
    ),
  );
  assert.ok(t.writes.some((w) => w.file === "trace_clock" && w.value === "global"));
  assert.deepEqual(t.writes.at(-1)?.op, "rmdir");
  assert.deepEqual(await treeContents(root), before, "top level unchanged, instance gone");
  await Deno.remove(root, { recursive: true });
});

Deno.test("a write tracefs refuses: the error names the file and the instance is still removed", async () => {
  const { root } = await fakeTracefs();
  const before = await treeContents(root);
  const t = new FakeTracefs(root);
  // A directory where the filter file should be: the write fails as the kernel's EINVAL would.
  delete t.template["events/sched/sched_switch/filter"];
  t.template["events/sched/sched_switch/filter/x"] = "";
  await assert.rejects(
    () => recordTrace(settings(t)),
    (err) => err instanceof TracefsError && err.file === "events/sched/sched_switch/filter",
  );
  assert.deepEqual(await treeContents(root), before);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a signal during setup stops the recording at once (it used to run the whole --duration)", async () => {
  const { root } = await fakeTracefs();
  const before = await treeContents(root);
  const abort = new AbortController();
  const t = new FakeTracefs(root);
  const started = performance.now();
  const r = await recordTrace(settings(t, {
    durationMs: 15_000,
    signal: abort.signal,
    journal: {
      update() {
        abort.abort(); // SIGINT arrives while the instance is being set up
        return Promise.resolve();
      },
    },
  }));
  assert.ok(r.interrupted);
  assert.ok(performance.now() - started < 12_000, "stopped before the 15 s duration");
  assert.ok(!t.writes.some((w) => w.file === "tracing_on" && w.value === "1"), "tracing never on");
  assert.deepEqual(await treeContents(root), before);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a signal while recording stops the wait and removes the instance", async () => {
  const { root } = await fakeTracefs();
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  const started = performance.now();
  const r = await recordTrace(
    settings(new FakeTracefs(root), { durationMs: 60_000, signal: abort.signal }),
  );
  assert.ok(r.interrupted);
  assert.ok(performance.now() - started < 30_000);
  assert.ok(!(await treeContents(root)).has(`instances/${instanceName(Deno.pid)}/tracing_on`));
  await Deno.remove(root, { recursive: true });
});

Deno.test("the journal hears of each change before it is made", async () => {
  const { root } = await fakeTracefs();
  const t = new FakeTracefs(root);
  const seen: string[] = [];
  await recordTrace(settings(t, {
    journal: {
      update(change) {
        seen.push(`${JSON.stringify(change)} after ${t.writes.length} changes`);
        return Promise.resolve();
      },
    },
  }));
  assert.deepEqual(seen, [
    `{"instance":"${instanceName(Deno.pid)}"} after 0 changes`,
    // record-tgid goes on after mkdir, tracing_on, trace_clock, buffer_size_kb and irq-info (already 1)
    `{"recordTgid":true} after 4 changes`,
  ]);
  // …and record-tgid goes off again before the instance is removed.
  const last = t.writes.slice(-2).map(formatWrite).join("\n");
  assert.match(last, /echo '0' > .*options\/record-tgid\nrmdir /);
  await Deno.remove(root, { recursive: true });
});

Deno.test("dry run changes nothing and shows every change, mkdir to rmdir", async () => {
  const { root } = await fakeTracefs();
  const before = await treeContents(root);
  const t = new FakeTracefs(root, true);
  const said: string[] = [];
  await recordTrace(settings(t, {
    command: ["true"],
    durationMs: undefined,
    output: undefined,
    log: (m) => said.push(m),
  }));
  // It said "recording while `true` runs", though it neither records nor runs it.
  assert.deepEqual(said, ["dry run: would record while `true` runs (it is not run)"]);
  const idle = new FakeTracefs(root, true);
  const saidIdle: string[] = [];
  await recordTrace(settings(idle, { output: undefined, log: (m) => saidIdle.push(m) }));
  assert.deepEqual(saidIdle, ["dry run: would record for 0.1 s"]);
  assert.ok(t.writes.length > 10);
  assert.equal(
    formatWrite(t.writes[0]),
    `mkdir ${join(root, "instances", instanceName(Deno.pid))}`,
  );
  assert.equal(t.writes.at(-1)?.op, "rmdir");
  assert.deepEqual(await treeContents(root), before);
  await Deno.remove(root, { recursive: true });
});

Deno.test("--events with --comm filters the scheduler events it enables, and only those", () => {
  const plan = eventsPlan(["sched:*", "!sched:sched_wakeup", "ipi:*"], ["sleep*"])!;
  assert.deepEqual([...plan.filters.keys()], [
    "events/sched/sched_waking",
    "events/sched/sched_switch",
  ]);
  assert.equal(plan.filters.get("events/sched/sched_waking"), 'comm ~ "sleep*"');
  assert.equal(
    plan.filters.get("events/sched/sched_switch"),
    'prev_comm ~ "sleep*" || next_comm ~ "sleep*"',
  );
  assert.equal(eventsPlan(["ipi:*"], ["sleep*"]), undefined, "--comm would filter nothing");
  assert.equal(eventsPlan(["ipi:*"])?.filters.size, 0);
});

Deno.test("record --lint: the recording is linted as it is made", async () => {
  const { root } = await fakeTracefs();
  const { counterexampleTrace, exploreProtocol } = await import("../../src/explore/explore.ts");
  const { followLint } = await import("../../src/cli/lint_follow.ts");
  const { selectRules, ruleOptionsFrom } = await import("../../src/cli/lint_command.ts");
  const { memorySink } = await import("../../src/cli/output.ts");
  const trace = counterexampleTrace(
    exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" }),
  );
  const t = new FakeTracefs(root, false, {
    ...new FakeTracefs(root).template,
    trace_pipe: trace,
  });
  const outPath = `${root}.trace`;
  const file = await Deno.open(outPath, { write: true, create: true });
  const text = memorySink();
  const writerDone = new AbortController();
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  let live: Promise<unknown> | undefined;
  await recordTrace(settings(t, {
    output: file,
    durationMs: 300,
    onStarted: () => {
      live = followLint(
        outPath,
        { name: "shown.trace" },
        {
          rules,
          severities,
          ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
        },
        text,
        new AbortController().signal,
        writerDone.signal,
      );
    },
  }));
  file.close();
  writerDone.abort();
  await live;
  assert.match(text.text(), /request-unseen-at-entry/);
  assert.match(text.text(), /shown\.trace: end of input/);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(outPath);
});
