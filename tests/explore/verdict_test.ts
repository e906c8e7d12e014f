import assert from "node:assert/strict";
import {
  EXPECTED_RULE,
  EXPLORE_DEFAULTS,
  exploreProtocol,
  type MemoryModel,
  PROPERTIES,
  VARIANT_NAMES,
  type VariantName,
  VARIANTS,
} from "../../src/explore/explore.ts";

type Expect = { property: string; length: number } | "safe";

/** The pinned verdicts at the default sizes (vcpus=1, requesters=2, 2 guest entries). */
const TABLE: Record<VariantName, Record<MemoryModel, Expect>> = {
  "correct": { sc: "safe", tso: "safe" },
  "no-barrier": { sc: "safe", tso: { property: "request-unseen", length: 6 } },
  "no-final-check": {
    sc: { property: "request-unseen", length: 6 },
    tso: { property: "request-unseen", length: 6 },
  },
  "request-less-kick": {
    sc: { property: "request-unseen", length: 7 },
    tso: { property: "request-unseen", length: 7 },
  },
  "irqs-enabled-entry": {
    sc: { property: "request-unseen", length: 9 },
    tso: { property: "request-unseen", length: 9 },
  },
  "no-exiting-mode": {
    sc: { property: "outside-guest-mode-not-reached", length: 11 },
    tso: { property: "outside-guest-mode-not-reached", length: 11 },
  },
};

const DEFAULTS = { vcpus: EXPLORE_DEFAULTS.vcpus, requesters: EXPLORE_DEFAULTS.requesters };

for (const variant of VARIANT_NAMES) {
  for (const memoryModel of ["sc", "tso"] as const) {
    Deno.test(`explore: ${variant} under ${memoryModel} at the default sizes`, () => {
      const r = exploreProtocol({ ...DEFAULTS, memoryModel, variant });
      const want = TABLE[variant][memoryModel];
      assert.ok(r.statesExplored > 0);
      assert.ok(r.transitions > 0);
      assert.equal(r.truncated, false);
      assert.equal(r.variant, variant);
      assert.equal(r.memoryModel, memoryModel);
      if (want === "safe") {
        assert.equal(r.verdict, "safe");
        assert.equal(r.property, undefined);
        assert.equal(r.counterexample, undefined);
      } else {
        assert.equal(r.verdict, "violation");
        assert.equal(r.property, want.property);
        assert.equal(r.counterexample?.length, want.length);
      }
    });
  }
}

Deno.test("explore: the defaults are vcpus=1, requesters=2", () => {
  assert.equal(EXPLORE_DEFAULTS.vcpus, 1);
  assert.equal(EXPLORE_DEFAULTS.requesters, 2);
});

Deno.test("explore: no-exiting-mode needs the KVM_REQ_OUTSIDE_GUEST_MODE requester", () => {
  for (const memoryModel of ["sc", "tso"] as const) {
    const r = exploreProtocol({ vcpus: 1, requesters: 1, memoryModel, variant: "no-exiting-mode" });
    assert.equal(r.verdict, "safe");
  }
});

Deno.test("explore: every verdict also holds at vcpus=2 requesters=2", () => {
  for (const variant of VARIANT_NAMES) {
    for (const memoryModel of ["sc", "tso"] as const) {
      if (variant === "correct" && memoryModel === "sc") continue; // covered by tso, the larger one
      const r = exploreProtocol({ vcpus: 2, requesters: 2, memoryModel, variant });
      const want = TABLE[variant][memoryModel];
      assert.equal(r.verdict, want === "safe" ? "safe" : "violation", `${variant} ${memoryModel}`);
      if (want !== "safe") assert.equal(r.property, want.property);
    }
  }
});

Deno.test("explore: maxStates truncates the search", () => {
  const r = exploreProtocol({
    vcpus: 1,
    requesters: 2,
    memoryModel: "tso",
    variant: "correct",
    maxStates: 50,
  });
  assert.equal(r.truncated, true);
  assert.equal(r.verdict, "safe");
  assert.equal(r.statesExplored, 50);
});

Deno.test("explore: more guest entries only grow the state space", () => {
  const base = { vcpus: 1, requesters: 2, memoryModel: "tso", variant: "correct" } as const;
  const one = exploreProtocol({ ...base, guestEntries: 1 });
  const three = exploreProtocol({ ...base, guestEntries: 3 });
  assert.equal(one.verdict, "safe");
  assert.equal(three.verdict, "safe");
  assert.ok(one.statesExplored < three.statesExplored);
});

Deno.test("explore: bad options are rejected", () => {
  const base = { vcpus: 1, requesters: 2, memoryModel: "sc", variant: "correct" } as const;
  assert.throws(() => exploreProtocol({ ...base, vcpus: 3 as 1 }), RangeError);
  assert.throws(() => exploreProtocol({ ...base, requesters: 0 as 1 }), RangeError);
  assert.throws(() => exploreProtocol({ ...base, memoryModel: "arm" as "sc" }), RangeError);
  assert.throws(() => exploreProtocol({ ...base, variant: "nope" as "correct" }), RangeError);
  assert.throws(() => exploreProtocol({ ...base, guestEntries: 0 }), RangeError);
});

Deno.test("explore: VARIANTS, EXPECTED_RULE and PROPERTIES are complete data", () => {
  assert.deepEqual(Object.keys(EXPECTED_RULE).sort(), [...VARIANT_NAMES].sort());
  assert.equal(VARIANT_NAMES.length, 6);
  for (const name of VARIANT_NAMES) {
    assert.ok(VARIANTS[name].length > 0 && !VARIANTS[name].includes("\n"));
    assert.equal(EXPECTED_RULE[name] === undefined, name === "correct");
  }
  assert.deepEqual(Object.keys(PROPERTIES).sort(), [
    "deadlock",
    "outside-guest-mode-not-reached",
    "request-unseen",
  ]);
});
