/**
 * One reading, one count: what is skipped, how many events there are and
 * the clock unit are the same whichever events a command keeps (lint keeps
 * the model's, stats all of them), on one thread or several.
 */
import assert from "node:assert/strict";
import { readTrace } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { runKvmreq } from "../cli/run_kvmreq.ts";

/** `n` blocks of lines: kept and not kept events, and one of each with the other clock's timestamp. */
function mixedClockTrace(n: number, firstTicks = false): string {
  const lines: string[] = [];
  if (firstTicks) {
    lines.push("          <idle>-0     [000] d..2.  5000: irq_handler_entry: irq=1 name=x");
  }
  for (let i = 0; i < n; i++) {
    const ts = `${100 + i}.${String(i % 1000).padStart(6, "0")}`;
    lines.push(
      `          <idle>-0     [000] d..2.  ${ts}: irq_handler_entry: irq=1 name=timer`,
      `       CPU 0/KVM-10    [001] d..2.  ${ts}: kvm_entry: vcpu 0, rip 0x${i.toString(16)}`,
      `          <idle>-0     [000] d..2.  ${7000 + i}: irq_handler_exit: irq=1 ret=handled`,
      `       CPU 0/KVM-10    [001] d..2.  ${8000 + i}: kvm_exit: reason HLT rip 0x0 info 0 0`,
    );
  }
  return lines.join("\n") + "\n";
}

async function counts(path: string, keep: boolean, parallel: boolean) {
  const reader = await readTrace(path, {
    keepEvent: keep ? (n) => MODEL_EVENT_NAMES.has(n) : undefined,
    parallel,
    workers: parallel ? 2 : 0,
    chunkBytes: 4096,
    readBytes: 8192,
  });
  for await (const _ of reader.batches()) { /* read */ }
  const s = reader.stats;
  return {
    lines: s.lines,
    events: s.events,
    skippedLines: s.skippedLines,
    skipped: [...s.skipped.entries()].map(([k, v]) => [k, v.count, v.lines]),
    timeUnit: s.timeUnit,
    eventsByName: [...s.eventsByName.entries()].sort(),
  };
}

Deno.test("the events a command keeps do not change what is skipped, counted or the clock unit", async () => {
  for (const firstTicks of [false, true]) {
    const path = await Deno.makeTempFile({ suffix: ".trace" });
    await Deno.writeTextFile(path, mixedClockTrace(400, firstTicks));
    const all = await counts(path, false, false);
    assert.equal(all.timeUnit, firstTicks ? "ticks" : "ns", "the first event line sets the unit");
    assert.equal(all.skippedLines, 800, JSON.stringify(all.skipped)); // the 2 × 400 lines of the other clock
    for (const [keep, parallel] of [[true, false], [false, true], [true, true]]) {
      assert.deepEqual(
        await counts(path, keep, parallel),
        all,
        `keep ${keep}, parallel ${parallel}`,
      );
    }
    await Deno.remove(path);
  }
});

Deno.test("stats, lint and events agree on skipped lines and the clock unit (lint counted other-clock lines of events it does not keep as events)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeTextFile(path, mixedClockTrace(3, true));
  const stats = JSON.parse((await runKvmreq("stats", "--format", "json", path)).out);
  const lint = JSON.parse(
    (await runKvmreq("lint", "--format", "json", "--allow-unchecked", path)).out,
  ).files[0];
  const meta = JSON.parse(
    (await runKvmreq("events", "--format", "jsonl", path)).out.split("\n")[0],
  );
  assert.equal(stats.skippedLines, 6);
  assert.equal(lint.skippedLines, stats.skippedLines);
  assert.equal(stats.timeUnit, "ticks");
  assert.equal(lint.timeUnit, stats.timeUnit);
  assert.equal(meta.timeUnit, stats.timeUnit);
  await Deno.remove(path);
});

/**
 * A trace whose first event sets the ticks clock, then a nanosecond event
 * with a `<stack trace>` of two frames (qa-user's repro of issue 20.5),
 * with or without the tgid column.
 */
function mismatchedStackTrace(tgid: boolean): string {
  const col = tgid ? " (      9)" : "";
  const idle = tgid ? " (-------)" : "";
  return [
    `          <idle>-0    ${idle} [000] d..2.  123456789: sched_switch: prev_comm=a prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=b next_pid=1 next_prio=120`,
    `     kworker/0:0-9    ${col} [000] DN.3.     9.585102: sched_waking: comm=clock pid=148 prio=120 target_cpu=000`,
    `     kworker/0:0-9    ${col} [000] DN.3.     9.586341: <stack trace>`,
    " => try_to_wake_up",
    " => complete",
  ].join("\n") + "\n";
}

Deno.test("the stack of an other-clock event is counted the same by every command, with or without the tgid column", async () => {
  let first: unknown;
  for (const tgid of [false, true]) {
    const path = await Deno.makeTempFile({ suffix: ".trace" });
    await Deno.writeTextFile(path, mismatchedStackTrace(tgid));
    const all = await counts(path, false, false);
    // One event, the other-clock event line skipped, its stack's three lines
    // read as the skipped event's (not orphans, not joined to line 1).
    assert.equal(all.events, 1);
    assert.deepEqual(all.skipped, [["clock-mismatch", 1, [2]]]);
    for (const [keep, parallel] of [[true, false], [false, true], [true, true]]) {
      assert.deepEqual(
        await counts(path, keep, parallel),
        all,
        `keep ${keep}, parallel ${parallel}`,
      );
    }
    const stats = JSON.parse((await runKvmreq("stats", "--format", "json", path)).out);
    const lint = JSON.parse(
      (await runKvmreq("lint", "--format", "json", "--allow-unchecked", path)).out,
    ).files[0];
    assert.equal(stats.skippedLines, 1);
    assert.equal(lint.skippedLines, stats.skippedLines);
    if (first === undefined) first = all;
    else assert.deepEqual(all, first, "the tgid column changes nothing");
    await Deno.remove(path);
  }
});
