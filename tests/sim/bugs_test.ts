import assert from "node:assert/strict";
import { BUG_NAMES, BUGS, DEFAULT_INJECT_RATE, parseInjection } from "../../src/sim/bugs.ts";

const RULES = [
  "request-less-kick",
  "request-unseen-at-entry",
  "kick-without-ipi",
  "redundant-ipi",
  "invalid-mode-transition",
  "guest-mode-irqs-enabled",
  "lost-wakeup",
  "no-wakeup-violated",
  "wait-missed-reader",
  "wait-unacknowledged",
  "outside-guest-mode-not-reached",
  "entry-after-vm-dead",
  "request-consumed-unmade",
  "request-latency",
  "unknown-request",
];

Deno.test("BUGS: every rule of docs/semantics.md has a bug, and every bug a known rule", () => {
  assert.deepEqual(new Set(BUG_NAMES.map((b) => BUGS[b].rule)), new Set(RULES));
  for (const b of BUG_NAMES) {
    assert.match(BUGS[b].event, /^kvm_[a-z_]+$/);
    assert.ok(BUGS[b].description.includes("evidence"), b);
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
