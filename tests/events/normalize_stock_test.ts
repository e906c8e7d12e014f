import assert from "node:assert/strict";
import type { TraceEvent } from "../../src/events/types.ts";
import type { ModelBody } from "../../src/events/model_event.ts";
import { EventNormalizer } from "../../src/events/normalize.ts";

let line = 0;
/** A stock event as the reader would build it. */
function ev(comm: string, pid: number, cpu: number, name: string, fields: string): TraceEvent {
  line++;
  return {
    type: "event",
    line,
    comm,
    pid,
    tgid: undefined,
    cpu,
    flags: "d..1.",
    ts: BigInt(1_000_000 + line),
    name,
    fields,
    stack: undefined,
  };
}

/** The bodies the normalizer makes of `events`, `undefined` where it makes none. */
function bodies(events: TraceEvent[]): (ModelBody | undefined)[] {
  const n = new EventNormalizer("stock.trace");
  return events.map((e) => n.toModel(e)?.body);
}

// vCPU 0's thread runs on CPU 2, vCPU 1's on CPU 3 (learned from kvm_entry).
const ENTRIES = [
  ev("CPU 0/KVM", 501, 2, "kvm_entry", "vcpu 0, rip 0xffffffff81000000"),
  ev("CPU 1/KVM", 502, 3, "kvm_entry", "vcpu 1, rip 0xffffffff81000000"),
];

/** What every stock kick body of these tests shares. */
const KICK = { kind: "stock_kick", vm: "0", targetPid: undefined, kickFunction: undefined };

Deno.test("stock IPIs: a plain kick's reschedule IPI names the kick's caller, callback=0x0", () => {
  // include/linux/smp.h: smp_send_reschedule(cpu) traces ipi_send_cpu(cpu, _RET_IP_, NULL),
  // expanded inside the out-of-line kvm_vcpu_kick() (6.12) / __kvm_vcpu_kick() (6.18), so
  // callsite= is their caller and callback=0x0 (TP_printk "cpu=%u callsite=%pS
  // callback=%pS", include/trace/events/ipi.h; %pS of a module symbol ends in " [kvm]").
  const kickTo2 = "cpu=2 callsite=__apic_accept_irq+0x1c5/0x3f0 [kvm] callback=0x0";
  const kickTo3 = "cpu=3 callsite=apic_timer_expired+0x92/0xd0 [kvm] callback=0x0";
  // Real lines of traces/boot-2vcpu-debug-threads.trace: the scheduler's own IPIs, and a
  // csd delivery (never a kick by itself: ack_kick kicks come from csd_queue_cpu).
  const sched = "cpu=1 callsite=wakeup_preempt+0x92/0xa0 callback=0x0";
  const csd = "cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 " +
    "callback=generic_smp_call_function_single_interrupt+0x0/0x10";
  // Each text several times: decoded texts are remembered, and must come out the same.
  const texts = [kickTo2, sched, kickTo3, csd, kickTo2, sched, kickTo3, kickTo2, csd, kickTo2];
  for (const version of ["6.12", "6.18"] as const) {
    const n = new EventNormalizer("stock.trace", version);
    const out = [...ENTRIES, ...texts.map((t) => ev("qemu", 400, 0, "ipi_send_cpu", t))]
      .map((e) => n.toModel(e)?.body).slice(ENTRIES.length);
    for (let i = 0; i < texts.length; i++) {
      const b = out[i];
      if (texts[i] === sched || texts[i] === csd) {
        assert.equal(b, undefined, `IPI ${i} is not a kick`);
        continue;
      }
      const cpu = texts[i] === kickTo2 ? 2 : 3;
      assert.deepEqual(b, {
        ...KICK,
        vcpu: cpu - 2,
        action: "ipi",
        site: cpu === 2 ? "__apic_accept_irq" : "apic_timer_expired",
        targetCpu: cpu,
        shape: "resched-ipi",
        kickFunction: version === "6.12" ? "kvm_vcpu_kick" : "__kvm_vcpu_kick",
        fanOut: false,
        waits: false,
      }, `${version} IPI ${i}`);
    }
  }
});

Deno.test("stock IPIs: a reschedule IPI from an unknown KVM function is not taken for a kick", () => {
  const out = bodies([
    ...ENTRIES,
    ev(
      "qemu",
      400,
      0,
      "ipi_send_cpu",
      "cpu=2 callsite=kvm_some_helper+0x10/0x40 [kvm] callback=0x0",
    ),
  ]);
  assert.equal(out.at(-1), undefined);
});

Deno.test("stock IPIs: fan-out and waiting kicks are ack_kick csds, one per target CPU", () => {
  // kernel/smp.c smp_call_function_many_cond(): trace_csd_queue_cpu(cpu, _RET_IP_, func, csd)
  // per target, _RET_IP_ being the return into smp_call_function_many(); TP_printk
  // "cpu=%u callsite=%pS func=%ps csd=%p" (include/trace/events/csd.h). A single waiting kick
  // (6.18 __kvm_vcpu_kick(vcpu, true)) queues through smp_call_function_single().
  // Real 6.12.118 line (traces/lab/stock/clock.trace): smp_call_function_many{,_cond}() inlined
  // into the fan-out, so the callsite is the fan-out itself.
  const many2 = "cpu=2 callsite=kvm_make_all_cpus_request+0xfd/0x140 [kvm] func=ack_kick [kvm] " +
    "csd=00000000b1c2d3e4";
  const many3 = "cpu=3 callsite=smp_call_function_many+0x29/0x40 func=ack_kick [kvm] " +
    "csd=00000000b1c2d3f0";
  const single3 = "cpu=3 callsite=smp_call_function_single+0xe3/0x180 func=ack_kick [kvm] " +
    "csd=00000000c0ffee00";
  const tlb = "cpu=2 callsite=on_each_cpu_cond_mask+0x20/0x60 func=flush_tlb_func " +
    "csd=000000004110f32d";
  const texts = [many2, many3, tlb, single3, many2, tlb, single3];
  const out = bodies([...ENTRIES, ...texts.map((t) => ev("qemu", 400, 0, "csd_queue_cpu", t))])
    .slice(ENTRIES.length);
  for (let i = 0; i < texts.length; i++) {
    if (texts[i] === tlb) {
      assert.equal(out[i], undefined);
      continue;
    }
    const cpu = texts[i] === many2 ? 2 : 3;
    assert.deepEqual(out[i], {
      ...KICK,
      vcpu: cpu - 2,
      action: "ipi",
      site: undefined,
      targetCpu: cpu,
      shape: "ack-kick",
      fanOut: texts[i] !== single3,
      waits: texts[i] === single3,
    }, `csd ${i}`);
  }
});

Deno.test("kvm_entry [immediate exit], kvm_exit requests, kvm_vcpu_wakeup poll/wait", () => {
  const out = bodies([
    // arch/x86/kvm/trace.h, 6.12: "vcpu %u, rip 0x%lx%s", "[immediate exit]" with no blank.
    ev("CPU 0/KVM", 501, 2, "kvm_entry", "vcpu 0, rip 0xffffffff81e6b7e4[immediate exit]"),
    // 6.18 (real format, fixtures/dat/v6.dat): intr_info and error_code before the flag.
    ev(
      "CPU 0/KVM",
      501,
      2,
      "kvm_entry",
      "vcpu 0, rip 0xffffffff81e6b7e4 intr_info 0x00000000 error_code 0x00000000",
    ),
    // 6.18 kvm_exit ends in "requests 0x%016llx" (READ_ONCE(vcpu->requests)); 6.12 does not.
    ev(
      "CPU 0/KVM",
      501,
      2,
      "kvm_exit",
      "vcpu 0 reason HLT rip 0xffffffff81e6b7e3 info1 0x0000000000000000 info2 " +
        "0x0000000000000000 intr_info 0x00000000 error_code 0x00000000 requests 0x0000000000000002",
    ),
    ev(
      "CPU 0/KVM",
      501,
      2,
      "kvm_exit",
      "vcpu 0 reason hlt rip 0xffffffff81e6b7e3 info1 0x0000000000000000 info2 " +
        "0x0000000000000000 intr_info 0x00000000 error_code 0x00000000",
    ),
    // include/trace/events/kvm.h: "%s time %lld ns, polling %s", waited ? "wait" : "poll".
    ev("CPU 0/KVM", 501, 2, "kvm_vcpu_wakeup", "poll time 4211 ns, polling valid"),
    ev("CPU 0/KVM", 501, 2, "kvm_vcpu_wakeup", "wait time 1274786112 ns, polling invalid"),
    ev("CPU 0/KVM", 501, 2, "kvm_userspace_exit", "reason KVM_EXIT_IO (2)"),
  ]);
  assert.deepEqual(out, [
    { kind: "entry", vm: "0", vcpu: 0, immediateExit: true },
    { kind: "entry", vm: "0", vcpu: 0, immediateExit: false },
    { kind: "exit", vm: "0", vcpu: 0, reason: "HLT", requests: 2n },
    { kind: "exit", vm: "0", vcpu: 0, reason: "hlt", requests: undefined },
    { kind: "stock_wakeup", vm: "0", vcpu: 0, waited: false, haltNs: 4211n },
    { kind: "stock_wakeup", vm: "0", vcpu: 0, waited: true, haltNs: 1274786112n },
    { kind: "userspace_exit", vm: "0", vcpu: 0, reason: "KVM_EXIT_IO" },
  ]);
});

Deno.test("stock acks: ack_kick run on a CPU acknowledges for the vCPU there, other functions do not", () => {
  const ack = "func=ack_kick, csd=00000000fd2e4b34";
  const flush = "func=flush_tlb_func, csd=000000004110f32d";
  const rows: [number, string][] = [
    [2, ack],
    [2, flush],
    [3, ack],
    [2, ack],
    [3, flush],
    [3, ack],
    [2, ack],
  ];
  const out = bodies([
    ...ENTRIES,
    // The IPI handler runs in whatever task the CPU was running: the vCPU thread.
    ...rows.map(([cpu, t]) => ev(`CPU ${cpu - 2}/KVM`, 499 + cpu, cpu, "csd_function_entry", t)),
  ]).slice(ENTRIES.length);
  for (let i = 0; i < rows.length; i++) {
    const [cpu, text] = rows[i];
    assert.deepEqual(
      out[i],
      text === ack ? { kind: "stock_ack", vm: "0", vcpu: cpu - 2 } : undefined,
      `csd_function_entry ${i}`,
    );
  }
});
