/**
 * Reader throughput on a generated 32 MB mixed trace (real line shapes, rising
 * timestamps). `deno task bench` prints time per pass; MB/s = 32 / time.
 *
 * @module
 */

import { memoryByteSource } from "../src/ingest/byte_source.ts";
import { readTraceFrom } from "../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../src/events/normalize.ts";

const SHAPES = [
  (ts: string) =>
    ` qemu-system-x86-6001    [000] .....  ${ts}: kvm_emulate_insn: 0:ffffffff81000000: 0f 01 d9 (prot64)`,
  (ts: string) =>
    `       CPU 0/KVM-6459    [001] d..1.  ${ts}: kvm_entry: vcpu 0, rip 0xffffffff81000000`,
  (ts: string) =>
    `       CPU 0/KVM-6459    [001] d..1.  ${ts}: kvm_exit: vcpu 0 reason EPT_MISCONFIG rip 0xffffffff8100 info 0 0`,
  (ts: string) =>
    ` qemu-system-x86-6001    [000] .....  ${ts}: kvm_mmio: mmio write len 4 gpa 0xfee000b0 val 0x0`,
  (ts: string) =>
    `     kworker/0:1-11      [000] d..3.  ${ts}: sched_switch: prev_comm=kworker/0:1 prev_pid=11 prev_prio=120 prev_state=I ==> next_comm=CPU 0/KVM next_pid=6459 next_prio=120`,
];

function generate(bytes: number): Uint8Array {
  const lines: string[] = ["# tracer: nop", "#"];
  let size = 0;
  let us = 7_000_000_000;
  for (let i = 0; size < bytes; i++) {
    us += 3;
    const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
    const line = SHAPES[i % SHAPES.length](ts);
    lines.push(line);
    size += line.length + 1;
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

const DATA = generate(32 << 20);

async function readAllOf(keep?: (n: string) => boolean): Promise<number> {
  const reader = readTraceFrom(memoryByteSource("bench.trace", DATA), { keepEvent: keep });
  let n = 0;
  for await (const batch of reader.batches()) n += batch.length;
  return n + reader.stats.events;
}

Deno.bench("read 32 MB, build every event", { group: "reader", baseline: true }, async () => {
  await readAllOf();
});

Deno.bench(
  "read 32 MB, build only modelled events (lint's path)",
  { group: "reader" },
  async () => {
    await readAllOf((n) => MODEL_EVENT_NAMES.has(n));
  },
);
