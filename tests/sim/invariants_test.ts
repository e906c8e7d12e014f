import assert from "node:assert/strict";
import { checkTrace } from "./trace_checker.ts";
import { runSim } from "./sim_run.ts";
import type { SimLine } from "./trace_lines.ts";

const CONFIGS = [
  { vcpus: 1, requesters: 1, seed: 11 },
  { vcpus: 2, requesters: 1, seed: 12 },
  { vcpus: 4, requesters: 2, seed: 13 },
  { vcpus: 8, requesters: 3, seed: 14, vmDead: true },
  { vcpus: 16, requesters: 6, seed: 15 },
  { vcpus: 64, requesters: 8, seed: 16, events: 40_000 },
  { vcpus: 3, requesters: 12, seed: 17, vmDead: false },
];

/** Invariants stronger than the rules, which hold in any bug-free run of the simulator. */
function strictInvariants(events: readonly SimLine[]): string[] {
  const problems: string[] = [];
  const mode = new Map<string, string>();
  const pending = new Map<string, number>();
  const blocked = new Set<string>();
  const acksDue = new Map<number, number>();
  const bit = (e: SimLine) =>
    e.f.req === "KVM_REQ_UNBLOCK" ? 4 : e.f.req === "KVM_REQ_VM_DEAD" ? 2 : 1;
  for (const e of events) {
    const v = e.f.vcpu;
    const at = `line ${e.line}`;
    if (e.name === "kvm_make_request") pending.set(v, (pending.get(v) ?? 0) | bit(e));
    if (e.name === "kvm_make_all_cpus_request" && e.f.phase === "begin") {
      if (!e.f.flags.includes("NO_ACTION")) {
        for (const k of mode.keys()) pending.set(k, (pending.get(k) ?? 0) | bit(e));
      }
      acksDue.set(e.pid, 0);
    }
    if (e.name === "kvm_check_request") pending.set(v, (pending.get(v) ?? 0) & ~bit(e));
    if (e.name === "kvm_vcpu_mode") mode.set(v, e.f.new);
    if (e.name === "kvm_vcpu_block") blocked.add(v);
    if (e.name === "kvm_vcpu_unblock") blocked.delete(v);
    if (e.name === "kvm_entry" && (pending.get(e.f.vcpu) ?? 0) !== 0) {
      problems.push(`${at}: entry with requests pending`);
    }
    if (e.name === "kvm_vcpu_kick") {
      const m = mode.get(v) ?? "OUTSIDE_GUEST_MODE";
      if (e.f.mode !== m) problems.push(`${at}: kick reports ${e.f.mode}, vCPU is ${m}`);
      if (m === "IN_GUEST_MODE" && e.f.action !== "ipi") {
        problems.push(`${at}: IN_GUEST_MODE not IPI'd`);
      }
      if (e.f.action === "ipi" && m === "OUTSIDE_GUEST_MODE") {
        problems.push(`${at}: IPI to OUTSIDE`);
      }
      if (e.f.action === "wake" && !blocked.has(v)) problems.push(`${at}: wake of a running vCPU`);
      if (e.f.action === "ipi" && m === "IN_GUEST_MODE") mode.set(v, "EXITING_GUEST_MODE");
      if (e.f.action === "ipi" && acksDue.has(e.pid)) acksDue.set(e.pid, acksDue.get(e.pid)! + 1);
    }
    if (e.name === "kvm_vcpu_ipi_ack") {
      for (const [pid, n] of acksDue) if (n > 0) acksDue.set(pid, n - 1);
    }
    if (e.name === "kvm_make_all_cpus_request" && e.f.phase === "end") {
      if (acksDue.get(e.pid) !== 0) problems.push(`${at}: phase=end before every ack`);
      acksDue.delete(e.pid);
    }
  }
  return problems;
}

for (const config of CONFIGS) {
  Deno.test(`no injection breaks no rule: ${JSON.stringify(config)}`, () => {
    const { events } = runSim(config);
    assert.deepEqual(checkTrace(events), []);
    assert.deepEqual(strictInvariants(events).slice(0, 5), []);
  });
}

Deno.test("a correct run exercises every part of the protocol", () => {
  const { events } = runSim({ vcpus: 8, requesters: 4, seed: 21, events: 60_000, vmDead: true });
  const seen = new Set(events.map((e) => e.name));
  for (const name of ["kvm_vcpu_ipi_ack", "kvm_vcpu_block", "kvm_vcpu_unblock", "kvm_sync_pir"]) {
    assert.ok(seen.has(name), name);
  }
  const kicks = new Set(
    events.filter((e) => e.name === "kvm_vcpu_kick").map((e) => `${e.f.mode}/${e.f.action}`),
  );
  for (
    const k of [
      "IN_GUEST_MODE/ipi",
      "OUTSIDE_GUEST_MODE/none",
      "OUTSIDE_GUEST_MODE/wake",
      "EXITING_GUEST_MODE/ipi",
    ]
  ) {
    assert.ok(kicks.has(k), k);
  }
  const walks = events.filter((e) => e.f.new === "READING_SHADOW_PAGE_TABLES");
  assert.ok(walks.length > 0 && walks.every((e) => e.flags.startsWith("d")));
  const reqs = new Set(
    events.filter((e) => e.name === "kvm_make_all_cpus_request").map((e) => e.f.req),
  );
  assert.deepEqual(
    reqs,
    new Set(["KVM_REQ_TLB_FLUSH", "KVM_REQ_OUTSIDE_GUEST_MODE", "KVM_REQ_VM_DEAD"]),
  );
  const aborts = events.filter((e, i) =>
    e.name === "kvm_request_pending" && e.f.pending !== "0x0000000000000000" &&
    events[i + 1]?.f.new === "OUTSIDE_GUEST_MODE"
  );
  assert.ok(aborts.length > 0, "no aborted entry");
});
