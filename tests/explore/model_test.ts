import assert from "node:assert/strict";
import { initialMachine, machineKey } from "../../src/explore/machine.ts";
import { buildModel, buildVcpuProgram } from "../../src/explore/model.ts";
import { VARIANT_CONFIG } from "../../src/explore/variants.ts";
import { applyAction, enabledActions } from "../../src/explore/transitions.ts";

const ops = (variant: keyof typeof VARIANT_CONFIG) =>
  buildVcpuProgram(VARIANT_CONFIG[variant]).map((o) =>
    o.op === "store_mode" ? `mode=${o.mode}` : o.op
  );

Deno.test("model: the vCPU program of each variant", () => {
  const loop = ["enter", "guest", "mode=0", "irq_enable", "handle"];
  assert.deepEqual(ops("correct"), ["irq_disable", "mode=1", "mb", "check", ...loop]);
  assert.deepEqual(ops("no-barrier"), ["irq_disable", "mode=1", "check", ...loop]);
  assert.deepEqual(ops("no-final-check"), ["irq_disable", "mode=1", "mb", ...loop]);
  assert.deepEqual(ops("irqs-enabled-entry"), ["mode=1", "mb", "check", "irq_disable", ...loop]);
  assert.deepEqual(ops("request-less-kick"), ops("correct"));
  assert.deepEqual(ops("no-exiting-mode"), ops("correct"));
  const check = buildVcpuProgram(VARIANT_CONFIG.correct)[3];
  assert.deepEqual(check, { op: "check", abortTo: 6 });
});

Deno.test("model: requester programs", () => {
  const m = buildModel({
    vcpus: 2,
    requesters: 2,
    memoryModel: "sc",
    variant: "request-less-kick",
  });
  assert.deepEqual(m.requesterPrograms[0].map((o) => o.op), [
    "set_work",
    "kick",
    "send_ipi",
    "set_work",
    "kick",
    "send_ipi",
  ]);
  assert.deepEqual(m.requesterPrograms[1].map((o) => o.op), [
    "amr_begin",
    "amr_kick",
    "amr_kick",
    "amr_send",
    "amr_end",
  ]);
});

Deno.test("model: under tso a store waits in the buffer and a flush publishes it", () => {
  const model = buildModel({ vcpus: 1, requesters: 1, memoryModel: "tso", variant: "correct" });
  let m = initialMachine(model);
  m = applyAction(model, m, { thread: 0, kind: "exec" }).next; // local_irq_disable
  const stored = applyAction(model, m, { thread: 0, kind: "exec" }); // mode = IN
  assert.equal(stored.next.mode[0], 0);
  assert.equal(stored.next.buffers[0].length, 1);
  assert.deepEqual(enabledActions(model, stored.next), [
    { thread: 0, kind: "exec" },
    { thread: 0, kind: "flush" },
    { thread: 1, kind: "exec" },
  ]);
  const flushed = applyAction(model, stored.next, { thread: 0, kind: "flush" }).next;
  assert.equal(flushed.mode[0], 1);
  assert.equal(flushed.buffers[0].length, 0);
  assert.notEqual(machineKey(flushed), machineKey(stored.next));
  // The original state is untouched.
  assert.equal(m.buffers[0].length, 0);
});

Deno.test("model: an IPI is latched while irqs are off and forces an exit right after entry", () => {
  const model = buildModel({ vcpus: 1, requesters: 1, memoryModel: "sc", variant: "correct" });
  const v = { thread: 0, kind: "exec" } as const;
  const r = { thread: 1, kind: "exec" } as const;
  let m = initialMachine(model);
  for (const a of [v, v, v, v, r, r, r]) m = applyAction(model, m, a).next;
  // vCPU passed its check with irqs off; R1's request came after it, and its IPI is pending.
  assert.equal(m.vcpus[0].ipi, 1);
  assert.ok(!enabledActions(model, m).some((a) => a.kind === "irq"));
  m = applyAction(model, m, v).next; // enter: irqs on in the guest
  assert.deepEqual(enabledActions(model, m), [v]);
  const exit = applyAction(model, m, v);
  assert.match(exit.action, /forces a guest exit/);
  assert.equal(exit.next.vcpus[0].ipi, 0);
});
