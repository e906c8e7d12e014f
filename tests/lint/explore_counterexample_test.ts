import assert from "node:assert/strict";
import {
  counterexampleTrace,
  EXPECTED_RULE,
  exploreProtocol,
  VARIANT_NAMES,
} from "../../src/explore/explore.ts";
import { lintText } from "./lint_helpers.ts";

for (const memoryModel of ["sc", "tso"] as const) {
  for (const variant of VARIANT_NAMES) {
    const expected = EXPECTED_RULE[variant];
    Deno.test(`lint flags the ${variant} counterexample (${memoryModel}) with ${expected ?? "nothing"}`, async () => {
      const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel, variant });
      if (r.verdict === "safe") {
        assert.ok(
          variant === "correct" || (variant === "no-barrier" && memoryModel === "sc"),
          `${variant} safe`,
        );
        return;
      }
      const result = await lintText(counterexampleTrace(r), `${variant}-${memoryModel}.trace`);
      assert.deepEqual(result.findings.map((f) => f.ruleId), [expected]);
    });
  }
}
