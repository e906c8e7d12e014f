import assert from "node:assert/strict";
import { BUG_NAMES, BUGS, DEFAULT_INJECT_RATE, parseInjection } from "../../src/sim/bugs.ts";
import { RULES } from "../../src/rules/index.ts";

Deno.test("BUGS: every rule of RULES has a seeded bug or says why it cannot, every bug a rule", () => {
  const ids = new Set(RULES.map((r) => r.meta.id));
  for (const b of BUG_NAMES) {
    assert.ok(ids.has(BUGS[b].rule), `bug ${b} names ${BUGS[b].rule}, which is not in RULES`);
    assert.match(BUGS[b].event, /^kvm_[a-z_]+$/);
    assert.ok(BUGS[b].description.includes("evidence"), b);
  }
  const seeded = new Set(BUG_NAMES.map((b) => BUGS[b].rule));
  for (const rule of RULES) {
    const { id, notSimulated } = rule.meta;
    if (seeded.has(id)) {
      assert.equal(notSimulated, undefined, `${id} has a seeded bug and says notSimulated`);
    } else {
      assert.ok(
        (notSimulated ?? "").trim() !== "",
        `${id} has no seeded bug in src/sim/bugs.ts and its meta gives no notSimulated reason`,
      );
    }
  }
});

Deno.test("parseInjection: BUG and BUG:RATE", () => {
  assert.deepEqual(parseInjection("redundant-ipi"), {
    bug: "redundant-ipi",
    rate: DEFAULT_INJECT_RATE,
  });
  assert.deepEqual(parseInjection("slow-service:0.25"), { bug: "slow-service", rate: 0.25 });
  assert.deepEqual(parseInjection("lost-wakeup:1"), { bug: "lost-wakeup", rate: 1 });
});

Deno.test("parseInjection: unknown bugs and bad rates are RangeErrors naming the problem", () => {
  assert.throws(() => parseInjection("nope"), /unknown bug `nope`/);
  assert.throws(() => parseInjection("lost-wakeup:"), /rate `` of `lost-wakeup`/);
  assert.throws(() => parseInjection("lost-wakeup:1.5"), RangeError);
  assert.throws(() => parseInjection("lost-wakeup:-0.1"), RangeError);
  assert.throws(() => parseInjection("lost-wakeup:abc"), RangeError);
});
