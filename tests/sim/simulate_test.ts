import assert from "node:assert/strict";
import { labelsJson, simulate, validateOptions } from "../../src/sim/simulate.ts";
import { runSim, sha256 } from "./sim_run.ts";

Deno.test("simulate: the same options give byte-identical traces and labels", async () => {
  const options = { seed: 42, inject: [{ bug: "lost-wakeup" as const, rate: 0.5 }] };
  const a = runSim(options), b = runSim(options);
  assert.equal(await sha256(a.text), await sha256(b.text));
  assert.deepEqual(a.result, b.result);
});

Deno.test("simulate: different seeds give different traces", async () => {
  const hashes = new Set<string>();
  for (const seed of [1, 2, 3, 2 ** 40]) {
    hashes.add(await sha256(runSim({ seed, events: 2_000 }).text));
  }
  assert.equal(hashes.size, 4);
});

Deno.test("simulate: kernel header, exact line layout, strictly increasing timestamps", () => {
  const run = runSim({ vcpus: 6, requesters: 3, seed: 5 });
  const { header, events, result } = run;
  assert.equal(header[0], "# tracer: nop");
  assert.equal(
    header[2],
    `# entries-in-buffer/entries-written: ${result.events}/${result.events}   #P:9`,
  );
  assert.equal(events.length, result.events);
  assert.equal(run.text.split("\n").length - 1, result.lines);
  assert.ok(result.events >= 20_000 && result.events < 20_500, `${result.events} events`);
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i].us > events[i - 1].us,
      `timestamp not increasing at line ${events[i].line}`,
    );
  }
  assert.equal(events[0].line, 13);
  const ts = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
  assert.equal(ts(events.at(-1)!.us), result.lastTs);
});

Deno.test("simulate: threads are named, pinned and flagged like a QEMU guest", () => {
  const { events } = runSim({ vcpus: 3, requesters: 3, seed: 8 });
  const cpuOf = new Map<string, Set<number>>();
  for (const e of events) {
    const key = `${e.comm}-${e.pid}`;
    if (!cpuOf.has(key)) cpuOf.set(key, new Set());
    cpuOf.get(key)!.add(e.cpu);
    if (e.comm.startsWith("CPU ")) {
      assert.equal(e.comm, `CPU ${e.f.vcpu}/KVM`);
      assert.equal(e.cpu, 3 + Number(e.f.vcpu));
    }
    if (e.name === "kvm_vcpu_kick") assert.equal(Number(e.f.cpu), 3 + Number(e.f.vcpu));
    if (e.name === "kvm_vcpu_mode" && e.f.new === "IN_GUEST_MODE") assert.equal(e.flags, "d..1.");
    if (e.name === "kvm_check_request" || e.name === "kvm_vcpu_block") {
      assert.equal(e.flags, ".....");
    }
  }
  const threads = [...cpuOf.keys()].map((k) => k.replace(/-\d+$/, ""));
  for (const name of ["CPU 0/KVM", "CPU 2/KVM", "qemu-system-x86", "kworker/1:1"]) {
    assert.ok(threads.includes(name), `${name} missing from ${threads}`);
  }
  for (const [key, cpus] of cpuOf) if (!key.startsWith("<idle>")) assert.equal(cpus.size, 1, key);
});

Deno.test("simulate: output comes in ~64 KB chunks", () => {
  const run = runSim({ vcpus: 8, requesters: 3, events: 100_000, seed: 3 });
  assert.ok(run.result.events >= 100_000);
  assert.ok(run.chunks.length > 100);
  for (const c of run.chunks.slice(0, -1)) {
    assert.ok(c.length >= 1 << 16 && c.length < (1 << 16) + 512);
  }
});

Deno.test("simulate: events=0, one vCPU and no requesters still give a well-formed trace", () => {
  const empty = runSim({ vcpus: 1, requesters: 0, events: 0 });
  assert.equal(empty.result.events, empty.events.length);
  const alone = runSim({ vcpus: 1, requesters: 0, events: 3_000 });
  assert.equal(alone.result.vmDead, false);
  assert.ok(alone.events.some((e) => e.comm === "<idle>" && e.name === "kvm_vcpu_kick"));
});

Deno.test("simulate: a VM_DEAD ending — every vCPU consumes it and never enters again", () => {
  const { events, result } = runSim({ vcpus: 5, requesters: 2, events: 5_000, vmDead: true });
  assert.equal(result.vmDead, true);
  const begin = events.findIndex((e) => e.f.req === "KVM_REQ_VM_DEAD" && e.f.phase === "begin");
  assert.ok(begin > 0);
  const after = events.slice(begin);
  for (let v = 0; v < 5; v++) {
    const consumed = after.findIndex((e) =>
      e.name === "kvm_check_request" && e.f.vcpu === String(v) && e.f.req === "KVM_REQ_VM_DEAD"
    );
    assert.ok(consumed >= 0, `vCPU ${v} never consumed VM_DEAD`);
    assert.ok(!after.slice(consumed).some((e) => e.name === "kvm_entry" && e.f.vcpu === String(v)));
  }
  assert.equal(runSim({ events: 5_000, vmDead: false }).result.vmDead, false);
});

Deno.test("validateOptions: out-of-range options are RangeErrors", () => {
  const ok = { vcpus: 2, requesters: 1, events: 10, seed: 1, inject: [] };
  validateOptions(ok);
  assert.throws(() => validateOptions({ ...ok, vcpus: 0 }), /vcpus/);
  assert.throws(() => validateOptions({ ...ok, vcpus: 65 }), /vcpus/);
  assert.throws(() => validateOptions({ ...ok, requesters: -1 }), /requesters/);
  assert.throws(() => validateOptions({ ...ok, events: 1.5 }), /events/);
  assert.throws(
    () => validateOptions({ ...ok, inject: [{ bug: "lost-wakeup", rate: 2 }] }),
    /rate/,
  );
  assert.throws(() => simulate({ ...ok, seed: NaN }, () => {}), /seed/);
});

Deno.test("labelsJson: {seed, options, labels}", () => {
  const options = {
    vcpus: 3,
    requesters: 2,
    events: 3_000,
    seed: 9,
    inject: [{ bug: "irqs-on-entry" as const, rate: 0.2 }],
  };
  const result = simulate(options, () => {});
  const doc = JSON.parse(labelsJson(options, result));
  assert.equal(doc.seed, 9);
  assert.deepEqual(doc.options, { ...options, vmDead: result.vmDead });
  assert.ok(doc.labels.length > 0);
  assert.deepEqual(Object.keys(doc.labels[0]), [
    "bug",
    "rule",
    "line",
    "vcpu",
    "ts",
    "event",
    "related",
  ]);
  assert.deepEqual(doc.labels, result.labels);
});
