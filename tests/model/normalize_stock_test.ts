import assert from "node:assert/strict";
import type { TraceEvent } from "../../src/events/types.ts";
import type { ModelBody } from "../../src/model/model_event.ts";
import { EventNormalizer } from "../../src/model/normalize.ts";

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

Deno.test("stock IPIs: only those a kick function sends are kicks, to the vCPU on the target CPU", () => {
  const kickTo2 = "cpu=2 callsite=kvm_vcpu_kick+0x6f/0x80 callback=0x0";
  const kickTo3 = "cpu=3 callsite=kvm_vcpu_kick+0x6f/0x80 callback=0x0";
  const other = "cpu=2 callsite=wakeup_preempt+0x92/0xa0 callback=0x0";
  // Each text several times: decoded texts are remembered, and must come out the same.
  const texts = [kickTo2, other, kickTo3, kickTo2, other, kickTo3, kickTo2, other, kickTo2];
  const out = bodies([...ENTRIES, ...texts.map((t) => ev("qemu", 400, 0, "ipi_send_cpu", t))])
    .slice(ENTRIES.length);
  for (let i = 0; i < texts.length; i++) {
    const b = out[i];
    if (texts[i] === other) {
      assert.equal(b, undefined, `IPI ${i} is not a kick`);
      continue;
    }
    const cpu = texts[i] === kickTo2 ? 2 : 3;
    assert.deepEqual(b, {
      kind: "stock_kick",
      vm: "0",
      vcpu: cpu - 2,
      action: "ipi",
      site: undefined,
      targetPid: undefined,
      targetCpu: cpu,
    }, `IPI ${i}`);
  }
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
