/** `set_event` selectors matched as the kernel matches them, and checked before any write. */
import assert from "node:assert/strict";
import { enabledBy, unknownSelectors } from "../../src/record/event_select.ts";

const catalog = new Map([
  ["sched", new Set(["sched_waking", "sched_wakeup", "sched_switch"])],
  ["kvm", new Set(["kvm_exit", "kvm_entry"])],
]);

Deno.test("selectors: system:event, system:*, a bare word (event or system), negation, in order", () => {
  assert.ok(enabledBy(["sched:sched_waking"], "sched", "sched_waking"));
  assert.ok(!enabledBy(["sched:sched_waking"], "sched", "sched_switch"));
  assert.ok(enabledBy(["sched:*"], "sched", "sched_switch"));
  assert.ok(enabledBy(["sched"], "sched", "sched_switch"), "a bare word matches a system");
  assert.ok(enabledBy(["sched_switch"], "sched", "sched_switch"), "…or an event");
  assert.ok(enabledBy(["*:sched_switch"], "sched", "sched_switch"));
  assert.ok(!enabledBy(["sched:*", "!sched:sched_switch"], "sched", "sched_switch"));
  assert.ok(enabledBy(["!sched:sched_switch", "sched:*"], "sched", "sched_switch"));
});

Deno.test("unknown selectors are named before anything is written", () => {
  assert.deepEqual(unknownSelectors(["sched:*", "kvm:kvm_exit", "!kvm:kvm_entry"], catalog), []);
  assert.deepEqual(unknownSelectors(["bogus:nope", "kvm:nope", "nope"], catalog), [
    "bogus:nope: no event system 'bogus'",
    "kvm:nope: no such event",
    "nope: no such event",
  ]);
});
