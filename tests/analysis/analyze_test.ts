import assert from "node:assert/strict";
import { runKvmreq } from "../cli/run_kvmreq.ts";

/**
 * One kick, worked out by hand (times in µs after 100 s): vCPU 0 enters the
 * guest at 0; the VMM makes KVM_REQ_TLB_FLUSH at 10 and kicks at 11, reading
 * IN_GUEST_MODE (its cmpxchg leaves EXITING_GUEST_MODE) and sending an IPI;
 * a second kick at 12 finds EXITING_GUEST_MODE and needs no IPI; the guest
 * exits at 15, the vCPU writes OUTSIDE_GUEST_MODE at 16, consumes the
 * request at 20 and writes IN_GUEST_MODE again at 30 (the last event).
 */
const TRACE = `# tracer: nop
#
       CPU 0/KVM-4402    [001] d..1.   100.000000: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE
       CPU 0/KVM-4402    [001] d..1.   100.000001: kvm_entry: vcpu 0, rip 0xffffffff81e6b7e4
 qemu-system-x86-4390    [000] .....   100.000010: kvm_make_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 flags=WAIT|NO_WAKEUP site=kvm_flush_remote_tlbs+0x1a/0x30
 qemu-system-x86-4390    [000] ...1.   100.000011: kvm_vcpu_kick: vcpu=0 mode=IN_GUEST_MODE action=ipi cpu=1
 qemu-system-x86-4390    [000] ...1.   100.000012: kvm_vcpu_kick: vcpu=0 mode=EXITING_GUEST_MODE action=none
       CPU 0/KVM-4402    [001] d..1.   100.000015: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81e6b7e4 info 0 0
       CPU 0/KVM-4402    [001] d..1.   100.000016: kvm_vcpu_mode: vcpu=0 old=EXITING_GUEST_MODE new=OUTSIDE_GUEST_MODE
       CPU 0/KVM-4402    [001] .....   100.000020: kvm_check_request: vcpu=0 req=KVM_REQ_TLB_FLUSH nr=0 result=1
       CPU 0/KVM-4402    [001] d..1.   100.000030: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE
`;

async function analyze(format: "json" | "text"): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    await Deno.writeTextFile(path, TRACE);
    const r = await runKvmreq("analyze", "--format", format, path);
    assert.equal(r.code, 0, r.err);
    return r.out;
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("analyze: requests, kicks, IPIs, time in each mode and latencies of one kick, by hand", async () => {
  const out = JSON.parse(await analyze("json"));
  assert.equal(out.vcpus.length, 1);
  const v = out.vcpus[0];
  assert.deepEqual(
    {
      made: v.requestsMade,
      served: v.requestsServed,
      kicks: v.kicksByAction,
      ipis: [v.ipisSent, v.ipisCoalesced],
      entries: [v.entries, v.exits],
    },
    {
      made: { KVM_REQ_TLB_FLUSH: 1 },
      served: { KVM_REQ_TLB_FLUSH: 1 },
      kicks: { ipi: 1, none: 1 },
      ipis: [1, 1],
      entries: [1, 1],
    },
  );
  // IN 0–11, EXITING 11–16 (set by the kick's cmpxchg, not by a mode write), OUTSIDE 16–30.
  assert.deepEqual(v.timeInModeNs, {
    IN_GUEST_MODE: 11000,
    EXITING_GUEST_MODE: 5000,
    OUTSIDE_GUEST_MODE: 14000,
  });
  // Made at 10, consumed at 20; the IPI at 11, the exit at 15.
  assert.deepEqual(v.serviceLatencyNs, { count: 1, p50: 10000, p99: 10000, max: 10000 });
  assert.deepEqual(v.kickToExitNs, { count: 1, p50: 4000, p99: 4000, max: 4000 });
});

Deno.test("analyze: the text form says the same", async () => {
  const text = await analyze("text");
  assert.match(text, /kicks: +ipi 1, none 1/);
  assert.match(text, /IPIs: +1 sent, 1 coalesced/);
  assert.match(text, /time in mode: .*EXITING_GUEST_MODE 0\.005 ms/);
  assert.match(text, /service latency: +n=1 p50 10\.0 µs/);
  assert.match(text, /kick-to-exit: +n=1 p50 4\.0 µs/);
});

Deno.test("analyze on a real stock 6.12 trace: exits by reason, time in guest, halts, wake-to-entry", async () => {
  // traces/lab/stock/ipi.trace: unpatched 6.12.118 (kvm_amd), no protocol events. The counts
  // are the trace's own: `grep 'kvm_exit: vcpu 0 '` gives 315 exits (interrupt 130, msr 128,
  // hlt 29, vintr 24, npf 3, io 1), and vCPU 0's 29 kvm_vcpu_wakeup lines all say `wait`.
  const r = await runKvmreq("analyze", "--format", "json", "traces/lab/stock/ipi.trace");
  assert.equal(r.code, 0, r.err);
  const [v0] = JSON.parse(r.out).vcpus;
  assert.equal(v0.exits, 315);
  assert.deepEqual(v0.exitsByReason, {
    interrupt: 130,
    msr: 128,
    hlt: 29,
    vintr: 24,
    npf: 3,
    io: 1,
  });
  assert.equal(v0.exitsByClass.halt, 29);
  assert.equal(v0.exitsByClass["interrupt-window"], 24);
  assert.deepEqual({ poll: v0.halts.poll, wait: v0.halts.wait }, { poll: 0, wait: 29 });
  assert.equal(v0.halts.lengthNs.count, 29);
  assert.ok(v0.timeInGuestNs > 0);
  // Each of the 29 kicks that woke vCPU 0 (sched_waking from kvm_vcpu_kick) is followed by an entry.
  assert.equal(v0.wakeToEntryNs.count, 29);
  const text = (await runKvmreq("analyze", "traces/lab/stock/ipi.trace")).out;
  assert.match(text, /exits by reason: +interrupt 130, msr 128, hlt 29, vintr 24, npf 3, io 1/);
  assert.match(text, /halts: +29 \(poll 0, wait 29\)/);
  assert.match(text, /time in guest: +\d+\.\d{3} ms/);
  assert.match(text, /wake-to-entry: +n=29 /);
});

Deno.test("analyze on a stock 6.18 boot without kvm_entry/kvm_exit: KVM_RUN returns and halts", async () => {
  // traces/boot-2vcpu-debug-threads.trace (6.18, PVM backend: no kvm_entry/kvm_exit): what the
  // vCPU threads show is their KVM_RUN returns (kvm_userspace_exit) and one halt.
  const r = await runKvmreq("analyze", "--format", "json", "traces/boot-2vcpu-debug-threads.trace");
  assert.equal(r.code, 0, r.err);
  const vcpus = JSON.parse(r.out).vcpus;
  assert.deepEqual(vcpus.map((v: { vcpu: number }) => v.vcpu), [0, 1]);
  assert.equal(vcpus[0].userspaceExits.KVM_EXIT_IO, 1645);
  assert.deepEqual({ poll: vcpus[1].halts.poll, wait: vcpus[1].halts.wait }, { poll: 0, wait: 1 });
  assert.equal(vcpus[0].timeInGuestNs, 0);
});
