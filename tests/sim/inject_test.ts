import assert from "node:assert/strict";
import { BUG_NAMES, type BugName, BUGS } from "../../src/sim/bugs.ts";
import type { Label } from "../../src/sim/simulate.ts";
import { checkTrace, type Finding } from "./trace_checker.ts";
import { runSim } from "./sim_run.ts";
import type { SimLine } from "./trace_lines.ts";

const key = (x: { rule: string; line: number }) => `${x.rule}@${x.line}`;

/** Each label names its bug's rule and evidence event, and its line's timestamp. */
function assertLabelsPoint(labels: readonly Label[], events: readonly SimLine[]): void {
  const byLine = new Map(events.map((e) => [e.line, e]));
  for (const l of labels) {
    const e = byLine.get(l.line);
    assert.ok(e !== undefined, `label line ${l.line} is not an event`);
    assert.equal(l.rule, BUGS[l.bug].rule);
    assert.equal(e.name, BUGS[l.bug].event, `${l.bug} at line ${l.line}`);
    assert.equal(l.event, e.name);
    assert.equal(l.ts, `${Math.floor(e.us / 1e6)}.${String(e.us % 1e6).padStart(6, "0")}`);
    if (e.f.vcpu !== undefined) assert.equal(String(l.vcpu), e.f.vcpu);
  }
}

/** The independent checker finds exactly the labels: no miss, no cascade. */
function assertExactly(labels: readonly Label[], findings: readonly Finding[]): void {
  assert.deepEqual(findings.map(key).sort(), labels.map(key).sort());
}

for (const bug of BUG_NAMES) {
  Deno.test(`inject ${bug}: exactly one ${BUGS[bug].rule} per label, on the labelled line`, () => {
    let total = 0;
    for (const [seed, rate] of [[31, 1], [32, 0.2]] as const) {
      const { events, result } = runSim({
        vcpus: 6,
        requesters: 3,
        events: 30_000,
        seed,
        inject: [{ bug, rate }],
      });
      assert.ok(result.labels.every((l) => l.bug === bug));
      assertLabelsPoint(result.labels, events);
      assertExactly(result.labels, checkTrace(events));
      total += result.labels.length;
    }
    assert.ok(total > 0, `${bug} never injected`);
  });
}

Deno.test("inject: every bug at once stays self-contained", () => {
  const inject = BUG_NAMES.map((bug: BugName) => ({ bug, rate: 0.05 }));
  for (
    const config of [{ vcpus: 2, requesters: 1, seed: 41 }, { vcpus: 12, requesters: 5, seed: 42 }]
  ) {
    const { events, result } = runSim({ ...config, events: 40_000, inject });
    assert.ok(Object.keys(result.injected).length >= 10, JSON.stringify(result.injected));
    assertLabelsPoint(result.labels, events);
    assertExactly(result.labels, checkTrace(events));
  }
});

Deno.test("inject: labels carry the story's other lines", () => {
  const { events, result } = runSim({
    seed: 51,
    events: 30_000,
    inject: [{ bug: "lost-wakeup", rate: 1 }, { bug: "slow-service", rate: 0.05 }],
  });
  const name = (line: number) => events.find((e) => e.line === line)?.name;
  for (const l of result.labels) {
    assert.ok(l.related.length >= 1);
    assert.equal(name(l.related[0]), "kvm_make_request");
    if (l.bug === "lost-wakeup") assert.ok(l.related.length === 2 && l.related[1] > l.line);
  }
});
