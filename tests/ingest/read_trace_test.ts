import assert from "node:assert/strict";
import type { TraceEvent } from "../../src/events/types.ts";
import { BinaryInputError, InputError } from "../../src/ingest/errors.ts";
import { countsAddUp, readAll } from "./read_helpers.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";

// Lines as the kernel prints them (from the event contract, recorded on 6.18).
const FTRACE = `# tracer: nop
#
# entries-in-buffer/entries-written: 6/6   #P:2
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
 qemu-system-x86-6001    [000] .....  7166.367568: kvm_apic_ipi: dst 0 vec 0 (INIT|physical|assert|edge|all-but-self)
       CPU 0/KVM-6459    [000] ...1.  8678.237572: csd_queue_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 func=do_sync_core csd=0000000085942b2e
          <idle>-0       [001] ...1.  8682.483539: csd_function_entry: func=flush_tlb_func, csd=0000000085942b2e
     kworker/0:1-11      [000] D..3.  8704.188320: sched_waking: comm=qemu-system-x86 pid=4937 prio=120 target_cpu=000
     kworker/0:1-11      [000] D..3.  8704.188322: <stack trace>
 => trace_event_raw_event_sched_wakeup_template
 => try_to_wake_up
 => rcuwait_wake_up
 => __kvm_vcpu_kick
 => kvm_arch_memslots_updated
 => kvm_swap_active_memslots
CPU:1 [LOST 42 EVENTS]
##### CPU 1 buffer started ####
           <...>-4763    [001] d..1.  8705.000001: kvm_entry: vcpu 1, rip 0xffffffff81000000
`;

Deno.test("ftrace text: events, flags, comms with spaces, stacks and markers", async () => {
  const { records, stats } = await readAll(FTRACE);
  assert.equal(stats.format, "ftrace");
  assert.equal(stats.timeUnit, "ns");
  const events = records.filter((r): r is TraceEvent => r.type === "event");
  assert.deepEqual(events.map((e) => e.name), [
    "kvm_apic_ipi",
    "csd_queue_cpu",
    "csd_function_entry",
    "sched_waking",
    "kvm_entry",
  ]);
  const [apic, csd, idle, waking, entry] = events;
  assert.equal(apic.comm, "qemu-system-x86");
  assert.equal(apic.pid, 6001);
  assert.equal(apic.ts, 7166367568000n);
  assert.equal(csd.comm, "CPU 0/KVM");
  assert.equal(csd.pid, 6459);
  assert.equal(csd.flags, "...1.");
  assert.equal(idle.comm, "<idle>");
  assert.equal(idle.cpu, 1);
  assert.deepEqual(waking.stack, [
    "trace_event_raw_event_sched_wakeup_template",
    "try_to_wake_up",
    "rcuwait_wake_up",
    "__kvm_vcpu_kick",
    "kvm_arch_memslots_updated",
    "kvm_swap_active_memslots",
  ]);
  assert.equal(entry.comm, "<...>");
  assert.equal(entry.fields, "vcpu 1, rip 0xffffffff81000000");
  assert.ok(records.some((r) => r.type === "lost" && r.cpu === 1 && r.count === 42));
  assert.ok(records.some((r) => r.type === "buffer-started" && r.cpu === 1));
  assert.equal(stats.skippedLines, 0);
  assert.equal(stats.stackLines, 7);
  assert.equal(stats.markerLines, 2);
  assert.ok(countsAddUp(stats));
});

Deno.test("record-tgid and noirq-info columns", async () => {
  const text =
    `       CPU 0/KVM-6459    (   6440) [000] d..1.  8678.237572: kvm_entry: vcpu 0, rip 0x0
          <idle>-0       (-------) [001] d.h1.  8678.237573: ipi_send_cpu: cpu=0 callsite=kvm_arch_memslots_updated+0x67/0xb0 callback=0x0
 qemu-system-x86-6001    [000]  7166.367568: kvm_userspace_exit: reason KVM_EXIT_IO (2)
`;
  const { records, stats } = await readAll(text);
  assert.equal(stats.format, "trace-pipe");
  const [a, b, c] = records as TraceEvent[];
  assert.equal(a.tgid, 6440);
  assert.equal(b.tgid, null);
  assert.equal(c.tgid, undefined);
  assert.equal(c.flags, undefined);
  assert.equal(c.name, "kvm_userspace_exit");
  assert.ok(countsAddUp(stats));
});

Deno.test("trace-cmd report text: cpus= header, padded names, kernel_stack", async () => {
  const text = `cpus=2
 qemu-system-x86-6001  [000]  7166.367568: kvm_userspace_exit:   reason KVM_EXIT_IO (2)
     kworker/0:1-11    [000]  7104.188320: sched_waking:         comm=qemu-system-x86 pid=4937 prio=120 target_cpu=000
     kworker/0:1-11    [000]  7104.188322: kernel_stack:         <stack trace >
=> try_to_wake_up (ffffffff810c1a2b)
=> __kvm_vcpu_kick (ffffffffc0a1b2c3)
=> kvm_arch_memslots_updated (ffffffffc0a1b2d4)
`;
  const { records, stats } = await readAll(text);
  assert.equal(stats.format, "report");
  const events = records as TraceEvent[];
  assert.equal(events.length, 2);
  assert.equal(events[0].fields, "reason KVM_EXIT_IO (2)");
  assert.deepEqual(events[1].stack, [
    "try_to_wake_up",
    "__kvm_vcpu_kick",
    "kvm_arch_memslots_updated",
  ]);
  assert.equal(stats.outOfOrder, 1);
  assert.ok(countsAddUp(stats));
});

Deno.test("the result does not depend on how the bytes arrive", async () => {
  const whole = await readAll(FTRACE);
  for (const piece of [1, 2, 7, 64, 1000]) {
    const split = await readAll(FTRACE, { chunkBytes: 256, maxLineBytes: 512 }, piece);
    assert.deepEqual(split.records, whole.records, `piece size ${piece}`);
    assert.equal(split.stats.lines, whole.stats.lines);
  }
});

Deno.test("a final line without newline is read", async () => {
  const { records, stats } = await readAll(FTRACE.trimEnd());
  assert.equal(records.at(-1)?.type, "event");
  assert.equal(stats.lines, FTRACE.trimEnd().split("\n").length);
});

Deno.test("garbage, huge lines and control bytes are skipped and counted by reason", async () => {
  const huge = "x".repeat(200_000);
  const text = `${FTRACE}this is not a trace line\n${huge}\nab\u0000cd\n`;
  const { stats } = await readAll(text, { maxLineBytes: 4096, chunkBytes: 1024 });
  assert.equal(stats.skipped.get("not-a-trace-line")?.count, 1);
  assert.equal(stats.skipped.get("line-too-long")?.count, 1);
  assert.equal(stats.skipped.get("control-bytes")?.count, 1);
  assert.ok(countsAddUp(stats));
});

Deno.test("--strict stops at the first bad line with file:line", async () => {
  await assert.rejects(
    () => readAll(`${FTRACE}not a trace line\n`, { strict: true }, 1 << 20, "boot.trace"),
    (err: unknown) => err instanceof InputError && /^boot\.trace:\d+: /.test(err.message),
  );
});

Deno.test("binary inputs get one message naming what they look like", async () => {
  const dat = new Uint8Array([0x17, 0x08, 0x44, ...new TextEncoder().encode("tracing7\0\0\0\0")]);
  const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]);
  await assert.rejects(
    () => readAll(elf),
    (err: unknown) => err instanceof BinaryInputError && /ELF/.test(err.message),
  );
  // A trace.dat goes to the trace.dat reader, which names the damage in a truncated one.
  await assert.rejects(
    () => readAll(dat),
    (err: unknown) => err instanceof InputError && /offset/.test(err.message),
  );
});

Deno.test("counter clocks keep raw ticks", async () => {
  const text = `       CPU 0/KVM-6459    [000] d..1. 123456789012: kvm_entry: vcpu 0, rip 0x0\n`;
  const { records, stats } = await readAll(text);
  assert.equal(stats.timeUnit, "ticks");
  assert.equal((records[0] as TraceEvent).ts, 123456789012n);
});

Deno.test("keepEvent filters materialization but every event is counted", async () => {
  const { records, stats } = await readAll(FTRACE, { keepEvent: (n) => n === "kvm_entry" });
  assert.equal(records.filter((r) => r.type === "event").length, 1);
  assert.equal(stats.events, 5);
  assert.equal(stats.eventsByName.get("sched_waking"), 1);
  assert.ok(countsAddUp(stats));
});

Deno.test("time order and span stay exact when timestamps pass 2^53 ns mid-trace", async () => {
  const line = (ts: string) =>
    `       CPU 0/KVM-6459    [000] d..1.  ${ts}: kvm_entry: vcpu 0, rip 0xffffffff81000000\n`;
  const text = line("5000.000000002") + line("5000.000000001") + // out of order (as doubles)
    line("9007199.254740993") + // 2^53 + 1 ns: from here on, bigints
    line("9007199.254740992") + // out of order by 1 ns, only visible exactly
    line("4999.000000000"); // the earliest
  const reader = readTraceFrom(memoryByteSource("t", new TextEncoder().encode(text)), {});
  const events: TraceEvent[] = [];
  for await (const b of reader.batches()) events.push(...(b as TraceEvent[]));
  assert.deepEqual(events.map((e) => e.ts), [
    5000000000002n,
    5000000000001n,
    9007199254740993n,
    9007199254740992n,
    4999000000000n,
  ]);
  assert.equal(reader.stats.outOfOrder, 3);
  assert.equal(reader.stats.firstOutOfOrderLine, 2);
  assert.deepEqual(reader.timeSpan(), { first: 4999000000000n, last: 9007199254740993n });
});
