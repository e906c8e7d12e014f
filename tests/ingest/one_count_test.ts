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
