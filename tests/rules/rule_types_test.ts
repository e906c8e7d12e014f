/**
 * The compiler checks a rule's metadata against its handlers
 * (docs/architecture.md, "What a rule is"). Each definition below is wrong in
 * one way and carries `// @ts-expect-error`: if the compiler ever accepted
 * it, the directive would be unused, which `deno check` (part of `deno task
 * test`) reports as an error. The one correct definition must compile and
 * run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { defineRule } from "../../src/rules/rule.ts";

const meta = {
  id: "example",
  severity: "warning",
  seedSections: ["VCPU Kicks"],
  description: "an example",
  help: "an example",
  notSimulated: "an example",
} as const;

/** A rule that handles only what it declares: compiles. */
export const declared = defineRule({
  meta: { ...meta, needs: [["kvm_vcpu_kick"]], reads: ["kvm_entry", "stock-kick"] },
  create(ctx) {
    return {
      kick(ev) {
        if (ev.body.action === "none") {
          ctx.report({ vm: ev.body.vm, vcpu: ev.body.vcpu, at: ev, message: "x", evidence: [] });
        }
      },
      entry(ev) {
        // The handler's event is typed by its kind.
        const immediate: boolean = ev.body.immediateExit;
        void immediate;
      },
      stock_kick() {},
      lost() {},
      finish() {},
    };
  },
});

// @ts-expect-error: a `mode` handler, but the rule declares no kvm_vcpu_mode
export const readsUndeclared = defineRule({
  meta: { ...meta, needs: [["kvm_vcpu_kick"]] },
  create() {
    return { kick() {}, mode() {} };
  },
});

// @ts-expect-error: the handlers are built apart from the return, still checked
export const readsUndeclaredIndirectly = defineRule({
  meta: { ...meta, needs: [["kvm_make_request", "ns-clock"]] },
  create() {
    const handlers = { make_request() {}, check_request() {} };
    return handlers;
  },
});

export const misspeltNeed = defineRule({
  // @ts-expect-error: no such event
  meta: { ...meta, needs: [["kvm_vcpu_kik"]] },
  create() {
    return {};
  },
});

export const notAHeading = defineRule({
  // @ts-expect-error: seed sections are the document's headings
  meta: { ...meta, seedSections: ["KVM_REQ_VM_DEAD"], needs: [["kvm_entry"]] },
  create() {
    return { entry() {} };
  },
});

export const wrongEventType = defineRule({
  meta: { ...meta, needs: [["kvm_vcpu_kick"]] },
  create() {
    return {
      kick(ev) {
        // @ts-expect-error: a kick has no `old` mode; that is a kvm_vcpu_mode field
        void ev.body.old;
      },
    };
  },
});

Deno.test("rule types: the correctly declared rule compiles and runs", () => {
  assert.equal(declared.meta.id, "example");
  assert.deepEqual(declared.meta.needs, [["kvm_vcpu_kick"]]);
  const handlers = declared.create({
    model: undefined as never,
    options: { latencyThresholdNs: 0n, allowedKickSites: [] },
    timeUnit: "ns",
    report: () => {},
  });
  assert.equal(typeof handlers.kick, "function");
});
