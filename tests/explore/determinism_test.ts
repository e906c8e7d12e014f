import assert from "node:assert/strict";
import {
  counterexampleTrace,
  type ExploreOptions,
  exploreProtocol,
  formatCounterexample,
  VARIANT_NAMES,
} from "../../src/explore/explore.ts";

Deno.test("determinism: the same options give the same result, text and trace", () => {
  for (const variant of VARIANT_NAMES) {
    for (const memoryModel of ["sc", "tso"] as const) {
      const options: ExploreOptions = { vcpus: 1, requesters: 2, memoryModel, variant };
      const a = exploreProtocol(options);
      const b = exploreProtocol({ ...options });
      assert.deepEqual(a, b);
      assert.equal(JSON.stringify(a), JSON.stringify(b));
      assert.equal(formatCounterexample(a), formatCounterexample(b));
      assert.equal(counterexampleTrace(a), counterexampleTrace(b));
    }
  }
});

Deno.test("determinism: a result survives a JSON round trip for the trace writer", () => {
  const r = exploreProtocol({
    vcpus: 2,
    requesters: 2,
    memoryModel: "tso",
    variant: "irqs-enabled-entry",
  });
  const copy = JSON.parse(JSON.stringify(r));
  assert.equal(counterexampleTrace(copy), counterexampleTrace(r));
  assert.equal(formatCounterexample(copy), formatCounterexample(r));
});

Deno.test("determinism: pinned state counts at the default sizes", () => {
  const counts = (variant: (typeof VARIANT_NAMES)[number], memoryModel: "sc" | "tso") => {
    const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel, variant });
    return [r.statesExplored, r.transitions];
  };
  assert.deepEqual(counts("correct", "sc"), [782, 1629]);
  assert.deepEqual(counts("correct", "tso"), [1079, 2601]);
  assert.deepEqual(counts("no-barrier", "sc"), [672, 1390]);
});
