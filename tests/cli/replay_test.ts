import assert from "node:assert/strict";
import { type KvmreqRun, runKvmreq } from "./run_kvmreq.ts";

const FAIL = new URL("../../fixtures/rules/request-less-kick/fail.trace", import.meta.url).pathname;

/** `kvmreq replay ARGS`. */
function replay(...args: string[]): Promise<KvmreqRun> {
  return runKvmreq("replay", ...args);
}

/** Line numbers of the event lines replay printed. */
function eventLines(out: string): number[] {
  return [...out.matchAll(/^ +(\d+) {2}\S/gm)].map((m) => Number(m[1]));
}

Deno.test("replay: every event in order, the vCPU's state after it, the finding where it is proven", async () => {
  const r = await replay(FAIL);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(eventLines(r.out), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  const blocks = r.out.split(/\n(?= +\d+ {2}\S)/).slice(1);
  for (const b of blocks) assert.match(b, /\n {10}-> vCPU 0: /, b);
  // The request-less kick from no known site is proven lost by the guest entry that follows
  // it (line 28): the finding is printed there, and only there.
  const flagged = blocks.filter((b) => b.includes("!! error request-less-kick"));
  assert.equal(flagged.length, 1);
  assert.match(flagged[0], /^ +28 {2}CPU 0\/KVM-4402 .*kvm_entry: vcpu 0/);
  // The state follows the mode writes: out after line 24, in after line 26.
  assert.match(blocks[4], /-> vCPU 0: OUTSIDE_GUEST_MODE/);
  assert.match(blocks[6], /-> vCPU 0: IN_GUEST_MODE/);
});

Deno.test("replay: --from and --until cut a window", async () => {
  const r = await replay("--from", "2417.300414", "--until", "2417.300432", FAIL);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(eventLines(r.out), [23, 24, 25]);
});

Deno.test("replay: --at prints every vCPU's state at that instant", async () => {
  const r = await replay("--at", "2417.300433", FAIL);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(eventLines(r.out), []);
  assert.match(r.out, /state at 2417\.300433:\n {2}vCPU 0: OUTSIDE_GUEST_MODE/);
});

Deno.test("replay: a vCPU the trace never mentions is said so, not passed over in silence", async () => {
  const r = await replay("--vcpu", "3", FAIL);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(eventLines(r.out), []);
  assert.match(r.err, /replay: .*fail\.trace: no event of vCPU 3 \(vCPUs in it: 0\)/);
  const shown = await replay("--vcpu", "0", FAIL);
  assert.equal(shown.err, "");
  assert.equal(eventLines(shown.out).length, 11);
});

const TWO = new URL("../../traces/record-2vcpu-debug-threads.trace", import.meta.url).pathname;

Deno.test("replay: --vcpu lists every vCPU the trace identifies, threads named CPU N/KVM included", async () => {
  // vCPU 0's thread (CPU 0/KVM-29312) only kicks vCPU 1 in this recording: no
  // replayed event is about vCPU 0, yet the trace has two vCPUs.
  const r = await replay("--vcpu", "0", TWO);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(eventLines(r.out), []);
  assert.equal(
    r.err,
    `kvmreq replay: ${TWO}: no event of vCPU 0 (vCPUs in it: 0, 1; vCPU 0 is thread 29312 ` +
      "(named CPU 0/KVM), which appears only as the actor of events about other vCPUs " +
      "(`kvmreq events --pid 29312` lists its events))\n",
  );
  const other = await replay("--vcpu", "3", TWO);
  assert.match(other.err, /no event of vCPU 3 \(vCPUs in it: 0, 1\)\n$/);
});

Deno.test("replay: --at before the first event, or after the last, says so", async () => {
  const before = await replay("--at", "3000", TWO);
  assert.equal(before.code, 0);
  assert.equal(before.out, `${TWO}\nstate at 3000:\n`);
  assert.equal(
    before.err,
    `kvmreq replay: ${TWO}: --at 3000 is before the first event (3325.490865): ` +
      "no vCPU has a state yet\n",
  );
  const after = await replay("--at", "4000", TWO);
  assert.match(after.out, /state at 4000:\n {2}vCPU 1: /);
  assert.match(after.err, /--at 4000 is after the last event \(3329\.559691\)/);
  const inside = await replay("--at", "3325.7", TWO);
  assert.equal(inside.err, "");
});

Deno.test("replay: a window with no step in it says so (it printed the file name and nothing else)", async () => {
  const r = await runKvmreq(
    "replay",
    "--vcpu",
    "1",
    "--from",
    "12.0",
    "--until",
    "12.0003",
    "traces/lab/ipi.trace",
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "traces/lab/ipi.trace\n");
  assert.equal(
    r.err,
    "kvmreq replay: traces/lab/ipi.trace: no protocol step of vCPU 1 from 12.0 to 12.0003\n",
  );
  const some = await runKvmreq(
    "replay",
    "--vcpu",
    "1",
    "--from",
    "12.0",
    "--until",
    "12.01",
    "traces/lab/ipi.trace",
  );
  assert.equal(some.err, "");
});
