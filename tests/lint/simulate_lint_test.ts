/**
 * Ground truth: `kvmreq simulate` plants named bugs and says where; lint must
 * find exactly those (recall and precision 100%), and nothing on a correct
 * execution of a million events. One test per rule of `RULES`: a new rule
 * needs a seeded bug in src/sim/bugs.ts or a `notSimulated` reason.
 */
import assert from "node:assert/strict";
import { BUG_NAMES, type BugName, BUGS } from "../../src/sim/bugs.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { RULES } from "../../src/rules/index.ts";
import { lintText } from "./lint_helpers.ts";

function run(
  vcpus: number,
  requesters: number,
  events: number,
  seed: number,
  inject: { bug: BugName; rate: number }[],
) {
  const parts: string[] = [];
  const result = simulate({ vcpus, requesters, events, seed, inject }, (c) => parts.push(c));
  return { text: parts.join(""), result };
}

async function assertExactlyLabels(
  text: string,
  labels: readonly { rule: string; line: number }[],
  what: string,
) {
  const r = await lintText(text, `${what}.trace`);
  const found = r.findings.map((f) => `${f.ruleId}@${f.at.line}`).sort();
  const want = labels.map((l) => `${l.rule}@${l.line}`).sort();
  assert.deepEqual(found, want, what);
  return r;
}

/** Bugs so rare at 5% per opportunity in a short run that they are planted at every one. */
const RARE: ReadonlySet<BugName> = new Set([
  "wait-reader-skipped",
  "entry-after-dead",
  "wait-not-waited",
]);

// Driven by the rule catalog: a rule with no seeded bug (src/sim/bugs.ts) fails here unless
// its metadata says why the simulator cannot plant it (`notSimulated`).
for (const rule of RULES) {
  const id = rule.meta.id;
  const bugs = BUG_NAMES.filter((b) => BUGS[b].rule === id);
  Deno.test(`simulate: lint finds exactly the planted ${id} bugs over several seeds`, async () => {
    if (bugs.length === 0) {
      assert.ok(
        (rule.meta.notSimulated ?? "").trim() !== "",
        `${id}: no bug of src/sim/bugs.ts plants it and its meta gives no notSimulated reason`,
      );
      return;
    }
    for (const bug of bugs) {
      let planted = 0;
      for (const seed of [1, 2, 3, 4]) {
        const { text, result } = run(3, 2, 6000, seed, [{ bug, rate: RARE.has(bug) ? 1 : 0.05 }]);
        planted += result.labels.length;
        assert.ok(result.labels.every((l) => l.rule === id), `${bug} labels another rule`);
        await assertExactlyLabels(text, result.labels, `${bug}-seed${seed}`);
      }
      assert.ok(planted > 0, `${bug} was planted at least once`);
    }
  });
}

Deno.test("simulate: every seeded bug names a rule of the catalog", () => {
  const ids = new Set(RULES.map((r) => r.meta.id));
  assert.deepEqual(BUG_NAMES.filter((b) => !ids.has(BUGS[b].rule)), []);
});

Deno.test("simulate with every bug at once: lint finds exactly the labels", async () => {
  for (const seed of [11, 12, 13]) {
    const { text, result } = run(4, 3, 20000, seed, BUG_NAMES.map((bug) => ({ bug, rate: 0.02 })));
    assert.ok(result.labels.length > 5);
    await assertExactlyLabels(text, result.labels, `all-seed${seed}`);
  }
});

Deno.test("simulate without bugs: a million events, no finding, every rule checked", async () => {
  const { text, result } = run(4, 2, 1_000_000, 99, []);
  assert.equal(result.labels.length, 0);
  const r = await assertExactlyLabels(text, [], "clean-1e6");
  assert.equal(r.coverage.notChecked.length, 0, JSON.stringify(r.coverage.notChecked));
  assert.equal(r.stats.skippedLines, 0);
  assert.ok(r.stats.events >= 1_000_000);
});

Deno.test("simulate: the same seed gives the same bytes, another seed other bytes", () => {
  const a = run(2, 2, 5000, 5, [{ bug: "lost-wakeup", rate: 0.1 }]).text;
  const b = run(2, 2, 5000, 5, [{ bug: "lost-wakeup", rate: 0.1 }]).text;
  const c = run(2, 2, 5000, 6, [{ bug: "lost-wakeup", rate: 0.1 }]).text;
  assert.equal(a, b);
  assert.notEqual(a, c);
});
