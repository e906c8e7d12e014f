import assert from "node:assert/strict";
import {
  type ExploreOptions,
  exploreProtocol,
  formatCounterexample,
  replayCounterexample,
  VARIANT_NAMES,
} from "../../src/explore/explore.ts";
import { initialMachine, type Machine, machineKey } from "../../src/explore/machine.ts";
import { buildModel } from "../../src/explore/model.ts";
import { violatedProperty } from "../../src/explore/properties.ts";
import { replayPath } from "../../src/explore/replay.ts";
import { applyAction, enabledActions } from "../../src/explore/transitions.ts";

const VIOLATING: ExploreOptions[] = VARIANT_NAMES.filter((v) => v !== "correct").flatMap((
  variant,
) =>
  (["sc", "tso"] as const)
    .filter((memoryModel) => variant !== "no-barrier" || memoryModel === "tso")
    .map((memoryModel) => ({ vcpus: 1, requesters: 2, memoryModel, variant }))
);

/** Depth of the shallowest violating state, found layer by layer (independently of search.ts). */
function shallowestViolation(options: ExploreOptions, limit: number): number | undefined {
  const model = buildModel(options);
  let layer: Machine[] = [initialMachine(model)];
  const seen = new Set(layer.map(machineKey));
  for (let depth = 0; depth <= limit; depth++) {
    if (layer.some((m) => violatedProperty(model, m) !== undefined)) return depth;
    const next: Machine[] = [];
    for (const m of layer) {
      for (const a of enabledActions(model, m)) {
        const n = applyAction(model, m, a).next;
        const key = machineKey(n);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(n);
        }
      }
    }
    layer = next;
  }
  return undefined;
}

for (const options of VIOLATING) {
  Deno.test(`counterexample: ${options.variant} (${options.memoryModel}) is a shortest path`, () => {
    const r = exploreProtocol(options);
    const steps = r.counterexample ?? [];
    assert.ok(steps.length > 0);
    assert.equal(shallowestViolation(options, steps.length + 1), steps.length);
  });

  Deno.test(`counterexample: ${options.variant} (${options.memoryModel}) replays to the violating state`, () => {
    const r = exploreProtocol(options);
    const steps = r.counterexample ?? [];
    assert.equal(replayCounterexample(options, steps), r.property);
    // Every state before the last one is fine: the violation is reached at the end.
    const model = buildModel(options);
    const replay = replayPath(model, steps.map((s) => ({ thread: s.thread, kind: s.kind })));
    assert.deepEqual(replay.steps, steps);
    assert.equal(replayCounterexample(options, steps.slice(0, -1)), undefined);
    steps.forEach((s, i) => assert.equal(s.index, i + 1));
  });
}

Deno.test("counterexample: replay rejects a step that is not enabled", () => {
  const options = {
    vcpus: 1,
    requesters: 1,
    memoryModel: "sc",
    variant: "no-final-check",
  } as const;
  const steps = exploreProtocol(options).counterexample ?? [];
  // A flush under sc is never enabled.
  const bad = [{ ...steps[0], kind: "flush" as const }, ...steps.slice(1)];
  assert.throws(() => replayCounterexample(options, bad), /not enabled/);
  // A step whose recorded action differs from what the replay does.
  const changed = [{ ...steps[0], action: "something else" }, ...steps.slice(1)];
  assert.throws(() => replayCounterexample(options, changed), /replays as/);
});

Deno.test("counterexample: no-barrier under tso buffers the vCPU's IN_GUEST_MODE store", () => {
  const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" });
  const actions = (r.counterexample ?? []).map((s) => `${s.threadName}: ${s.action}`);
  assert.deepEqual(actions, [
    "vCPU0: local_irq_disable()",
    "vCPU0: WRITE_ONCE(vcpu->mode, IN_GUEST_MODE) into the store buffer",
    "vCPU0: kvm_request_pending() reads 0x0000000000000000: go on to enter",
    "R1: kvm_make_request(KVM_REQ_UNBLOCK, vCPU0): smp_wmb(); set bit 2 into the store buffer",
    "R1: kvm_vcpu_kick(vCPU0): cmpxchg(vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE) sees " +
    "OUTSIDE_GUEST_MODE: nothing to do",
    "vCPU0: VM entry #1 (irqs enabled atomically; entry is serializing)",
  ]);
  const last = r.counterexample?.at(-1)?.state ?? "";
  assert.match(last, /vCPU0: IN GUEST/);
  assert.match(last, /requests0=0x4/);
});

Deno.test("counterexample: irqs-enabled-entry loses the kick IPI in the host", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 2,
    memoryModel: "sc",
    variant: "irqs-enabled-entry",
  });
  const steps = r.counterexample ?? [];
  const irq = steps.find((s) => s.kind === "irq");
  assert.ok(irq !== undefined);
  assert.match(irq.action, /handled in the host/);
  assert.ok(steps.indexOf(irq) < steps.findIndex((s) => s.action === "local_irq_disable()"));
});

Deno.test("counterexample: no-exiting-mode lets R2 return while vCPU0 is in the guest", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 2,
    memoryModel: "sc",
    variant: "no-exiting-mode",
  });
  const steps = r.counterexample ?? [];
  assert.equal(steps.at(-1)?.threadName, "R2");
  assert.match(steps.at(-1)?.action ?? "", /returns/);
  assert.match(steps.at(-1)?.state ?? "", /vCPU0: IN GUEST/);
  assert.ok(steps.some((s) => /sees OUTSIDE_GUEST_MODE: no IPI/.test(s.action)));
});

Deno.test("formatCounterexample: numbered steps with thread, action and state", () => {
  const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" });
  const text = formatCounterexample(r);
  assert.match(text, /^no-barrier under tso \(vcpus=1, requesters=2, guest entries=2\): VIOLATION/);
  assert.match(text, /P1: /);
  assert.match(text, /\n {2}1\. vCPU0 {2}local_irq_disable\(\)\n/);
  assert.match(text, /\n {2}6\. vCPU0 {2}VM entry #1/);
  assert.equal(text.split("\n").filter((l) => l.includes("=> vCPU0:")).length, 6);
  const safe = formatCounterexample(
    exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "sc", variant: "correct" }),
  );
  assert.match(safe, /^correct under sc .*: safe \(\d+ states, \d+ transitions\)\n$/);
});

Deno.test("formatCounterexample: a truncated safe run says it is not a proof", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 2,
    memoryModel: "sc",
    variant: "correct",
    maxStates: 10,
  });
  assert.match(formatCounterexample(r), /not a proof of safety/);
});
