import assert from "node:assert/strict";
import { join } from "node:path";
import { kvmPreset } from "../../src/record/preset.ts";
import { recordTrace } from "../../src/record/recorder.ts";
import { selectedChoice, Tracefs } from "../../src/record/tracefs.ts";
import { triggerRemoval } from "../../src/record/tracefs_state.ts";

/** A fake tracefs tree with the files a recording touches, in a known state. */
async function fakeTracefs(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "kvmreq-tracefs-" });
  const files: Record<string, string> = {
    "tracing_on": "1",
    "trace_clock": "[local] global counter uptime perf mono mono_raw boot x86-tsc",
    "buffer_size_kb": "1408",
    "set_event": "irq:irq_handler_entry",
    "set_event_pid": "",
    "trace": "",
    "trace_pipe":
      "     kworker/0:1-11      [000] D..3.  7104.188320: sched_waking: comm=qemu-system-x86 pid=4937 prio=120 target_cpu=000\n",
    "options/irq-info": "1",
    "options/record-tgid": "0",
    "options/overwrite": "1",
  };
  for (const ev of ["sched_waking", "sched_wakeup", "sched_switch"]) {
    files[`events/sched/${ev}/filter`] = "none";
    files[`events/sched/${ev}/trigger`] =
      "# Available triggers:\n# traceon traceoff snapshot stacktrace";
    files[`events/sched/${ev}/enable`] = "0";
  }
  for (const [f, v] of Object.entries(files)) {
    await Deno.mkdir(join(root, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, f), v + "\n");
  }
  return root;
}

async function read(root: string, f: string): Promise<string> {
  return (await Deno.readTextFile(join(root, f))).trim();
}

Deno.test("record streams trace_pipe and restores every setting it touched", async () => {
  const root = await fakeTracefs();
  const out = join(root, "..", `${root.split("/").pop()}.trace`);
  const t = new Tracefs(root, false);
  const r = await recordTrace({
    tracefs: t,
    plan: kvmPreset(["qemu*", "CPU *"], [], false),
    output: out,
    command: [],
    durationMs: 100,
    log: () => {},
    signal: new AbortController().signal,
  });
  assert.ok(r.bytes > 0);
  assert.match(await Deno.readTextFile(out), /sched_waking/);
  // The plan was applied…
  assert.ok(
    t.writes.some((w) =>
      w.file === "events/sched/sched_waking/trigger" && w.value.startsWith("stacktrace if")
    ),
  );
  assert.ok(t.writes.some((w) => w.file === "trace_clock" && w.value === "global"));
  // …and put back.
  assert.equal(await read(root, "tracing_on"), "1");
  assert.equal(selectedChoice(await read(root, "trace_clock")), "local");
  assert.equal(await read(root, "buffer_size_kb"), "1408");
  assert.equal(await read(root, "set_event"), "irq:irq_handler_entry");
  assert.equal(await read(root, "options/record-tgid"), "0");
  for (const ev of ["sched_waking", "sched_wakeup", "sched_switch"]) {
    assert.equal(await read(root, `events/sched/${ev}/filter`), "0", `${ev} filter cleared`);
  }
  const lastTrigger = t.writes.filter((w) => w.file === "events/sched/sched_waking/trigger").at(-1);
  assert.equal(lastTrigger?.value, "!stacktrace");
  await Deno.remove(root, { recursive: true });
  await Deno.remove(out);
});

Deno.test("tracefs is restored when the recording fails", async () => {
  const root = await fakeTracefs();
  const t = new Tracefs(root, false);
  await assert.rejects(() =>
    recordTrace({
      tracefs: t,
      plan: kvmPreset(["qemu*"], [], false),
      output: join(root, "no-such-dir", "out.trace"),
      command: [],
      durationMs: 50,
      log: () => {},
      signal: new AbortController().signal,
    })
  );
  assert.equal(await read(root, "set_event"), "irq:irq_handler_entry");
  assert.equal(await read(root, "tracing_on"), "1");
  assert.equal(selectedChoice(await read(root, "trace_clock")), "local");
  await Deno.remove(root, { recursive: true });
});

Deno.test("an abort (SIGINT) stops the recording early and still restores", async () => {
  const root = await fakeTracefs();
  const out = `${root}.trace`;
  const abort = new AbortController();
  const started = performance.now();
  setTimeout(() => abort.abort(), 50);
  const r = await recordTrace({
    tracefs: new Tracefs(root, false),
    plan: kvmPreset(["qemu*"], [], false),
    output: out,
    command: [],
    durationMs: 60_000,
    log: () => {},
    signal: abort.signal,
  });
  assert.ok(r.interrupted);
  assert.ok(performance.now() - started < 30_000);
  assert.equal(await read(root, "set_event"), "irq:irq_handler_entry");
  await Deno.remove(root, { recursive: true });
  await Deno.remove(out);
});

Deno.test("dry run writes nothing", async () => {
  const root = await fakeTracefs();
  const t = new Tracefs(root, true);
  await recordTrace({
    tracefs: t,
    plan: kvmPreset(["qemu*"], [], false),
    output: `${root}.trace`,
    command: ["true"],
    durationMs: undefined,
    log: () => {},
    signal: new AbortController().signal,
  });
  assert.ok(t.writes.length > 10);
  assert.equal(await read(root, "set_event"), "irq:irq_handler_entry");
  assert.equal(await read(root, "options/record-tgid"), "0");
  await Deno.remove(root, { recursive: true });
});

Deno.test("trigger removal commands", () => {
  assert.equal(triggerRemoval('stacktrace:unlimited if comm ~ "qemu*"'), "!stacktrace");
  assert.equal(
    triggerRemoval("enable_event:sched:sched_switch:unlimited"),
    "!enable_event:sched:sched_switch",
  );
});

Deno.test("record --lint: the recording is linted as it is made", async () => {
  const root = await fakeTracefs();
  const { counterexampleTrace, exploreProtocol } = await import("../../src/explore/explore.ts");
  const { followLint } = await import("../../src/cli/lint_follow.ts");
  const { selectRules, ruleOptionsFrom } = await import("../../src/cli/lint_command.ts");
  const { memorySink } = await import("../../src/cli/output.ts");
  const trace = counterexampleTrace(
    exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" }),
  );
  await Deno.writeTextFile(join(root, "trace_pipe"), trace);
  const out = `${root}.trace`;
  const sink = memorySink();
  const writerDone = new AbortController();
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  let live: Promise<unknown> | undefined;
  await recordTrace({
    tracefs: new Tracefs(root, false),
    plan: kvmPreset(["qemu*"], [], false),
    output: out,
    command: [],
    durationMs: 300,
    log: () => {},
    signal: new AbortController().signal,
    onStarted: () => {
      live = followLint(
        out,
        {},
        {
          rules,
          severities,
          ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
        },
        sink,
        new AbortController().signal,
        writerDone.signal,
      );
    },
  });
  writerDone.abort();
  await live;
  assert.match(sink.text(), /request-unseen-at-entry/);
  assert.match(sink.text(), /end of input/);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(out);
});
