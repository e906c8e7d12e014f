/**
 * The record journal: exclusive, refuses a live owner, hands a dead owner's
 * journal to the repair, and survives as the record of what to undo.
 */
import assert from "node:assert/strict";
import {
  Journal,
  journalPath,
  processStartTime,
  RecordBusyError,
} from "../../src/record/journal.ts";
import { orphanInstances, repairStale } from "../../src/record/teardown.ts";
import { FakeTracefs, fakeTracefs, treeContents } from "./fake_tracefs.ts";

/** A process that has exited: its pid and start time are gone. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("a second recording is refused while the first one's process runs", async () => {
  const dir = await Deno.makeTempDir();
  const first = await Journal.acquire(dir, "/x/tracing", () => Promise.resolve(), () => {});
  await assert.rejects(
    () => Journal.acquire(dir, "/x/tracing", () => Promise.resolve(), () => {}),
    (err) =>
      err instanceof RecordBusyError && /another recording \(kvmreq pid \d+/.test(err.message),
  );
  await first.release();
  const again = await Journal.acquire(dir, "/x/tracing", () => Promise.resolve(), () => {});
  await again.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a dead recording's journal is repaired, then replaced", async () => {
  const dir = await Deno.makeTempDir();
  const pid = await deadPid();
  const stale = {
    pid,
    startTime: "1",
    since: "2026-01-01T00:00:00.000Z",
    tracefs: "/x/tracing",
    mounted: true,
    instance: `kvmreq-${pid}`,
    recordTgid: true,
  };
  await Deno.writeTextFile(journalPath(dir, "/x/tracing"), JSON.stringify(stale));
  const repaired: unknown[] = [];
  const j = await Journal.acquire(dir, "/x/tracing", (e) => {
    repaired.push(e);
    return Promise.resolve();
  }, () => {});
  assert.deepEqual(repaired, [stale]);
  assert.equal(j.entry.pid, Deno.pid);
  assert.equal(j.entry.startTime, await processStartTime(Deno.pid));
  await j.update({ instance: "kvmreq-1" });
  assert.equal(JSON.parse(await Deno.readTextFile(j.path)).instance, "kvmreq-1");
  await j.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("repair removes a dead recording's instance (and other orphans), never a live one's", async () => {
  const { root } = await fakeTracefs();
  const before = await treeContents(root);
  const t = new FakeTracefs(root);
  const dead = await deadPid();
  await t.makeInstance(`kvmreq-${dead}`);
  await t.makeInstance(`kvmreq-${Deno.pid}`); // alive: this process
  await t.makeInstance("someone-else");
  assert.deepEqual(await orphanInstances(t), [`kvmreq-${dead}`]);
  const r = await repairStale(undefined, t);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.done, [`removed tracefs instance ${root}/instances/kvmreq-${dead}`]);
  await t.removeInstance(`kvmreq-${Deno.pid}`);
  await t.removeInstance("someone-else");
  assert.deepEqual(await treeContents(root), before);
  await Deno.remove(root, { recursive: true });
});
