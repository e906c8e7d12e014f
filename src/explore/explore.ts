/**
 * `kvmreq explore`: an explicit-state model checker for the vCPU-request
 * protocol of the seed document (Documentation/virt/kvm/vcpu-requests.rst).
 * It enumerates every interleaving of a small instance — one VM, 1–2 vCPU
 * threads, 1–2 requesters, sequentially consistent or x86-TSO memory — and
 * reports whether a request can be left unseen while a vCPU runs in guest
 * mode with no IPI coming (P1), whether KVM_REQ_OUTSIDE_GUEST_MODE can return
 * with a vCPU still in the guest (P2), or whether the threads can deadlock
 * (P3). The search is breadth-first, so a counterexample is a shortest one.
 *
 * The instance and its assumptions are described in `model.ts` (programs),
 * `machine.ts` (memory), `step_vcpu.ts` (IPIs) and `step_requester.ts`
 * (kicks). Defaults: vcpus=1, requesters=2 (R2's KVM_REQ_OUTSIDE_GUEST_MODE
 * is what makes no-exiting-mode observable), 2 guest entries per vCPU.
 *
 * @module
 */

import { buildModel, DEFAULT_GUEST_ENTRIES } from "./model.ts";
import { violatedProperty } from "./properties.ts";
import { replayPath } from "./replay.ts";
import { searchModel } from "./search.ts";
import type { Action } from "./transitions.ts";
import type { ExploreOptions, ExploreResult, PropertyId, Step } from "./types.ts";

export type {
  ActionKind,
  ExploreOptions,
  ExploreResult,
  MemoryModel,
  PropertyId,
  Step,
  TraceEvent,
  VariantName,
} from "./types.ts";
export { EXPECTED_RULE, isVariantName, VARIANT_NAMES, VARIANTS } from "./variants.ts";
export { PROPERTIES } from "./properties.ts";
export { formatCounterexample } from "./format.ts";
export { counterexampleTrace, type TraceOptions } from "./trace.ts";

/** The sizes `kvmreq explore` uses when the user gives none. */
export const EXPLORE_DEFAULTS = {
  vcpus: 1,
  requesters: 2,
  maxStates: 1_000_000,
  guestEntries: DEFAULT_GUEST_ENTRIES,
} as const;

/**
 * Explores every interleaving of the instance `options` describes.
 *
 * @example
 * ```ts
 * import { exploreProtocol } from "./explore.ts";
 * const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" });
 * if (r.verdict !== "violation" || r.property !== "request-unseen") throw new Error();
 * ```
 */
export function exploreProtocol(options: ExploreOptions): ExploreResult {
  const model = buildModel(options);
  const outcome = searchModel(model, options.maxStates ?? EXPLORE_DEFAULTS.maxStates);
  const base = {
    variant: options.variant,
    memoryModel: options.memoryModel,
    vcpus: model.vcpus,
    requesters: model.requesters,
    guestEntries: model.guestEntries,
    statesExplored: outcome.statesExplored,
    transitions: outcome.transitions,
    truncated: outcome.truncated,
  };
  if (outcome.property === undefined || outcome.path === undefined) {
    return { ...base, verdict: "safe" };
  }
  const { steps } = replayPath(model, outcome.path);
  return { ...base, verdict: "violation", property: outcome.property, counterexample: steps };
}

/**
 * Re-executes `steps` (by thread and kind) from the initial state of
 * `options`' instance, checking that each step's action and events come out
 * the same, and returns the property the final state violates.
 *
 * @example
 * ```ts
 * import { exploreProtocol, replayCounterexample } from "./explore.ts";
 * const options = { vcpus: 1, requesters: 1, memoryModel: "sc", variant: "no-final-check" } as const;
 * const r = exploreProtocol(options);
 * if (replayCounterexample(options, r.counterexample ?? []) !== r.property) throw new Error();
 * ```
 */
export function replayCounterexample(
  options: ExploreOptions,
  steps: readonly Step[],
): PropertyId | undefined {
  const model = buildModel(options);
  const path: Action[] = steps.map((s) => ({ thread: s.thread, kind: s.kind }));
  const replay = replayPath(model, path);
  replay.steps.forEach((s, i) => {
    const want = steps[i];
    if (s.action !== want.action || JSON.stringify(s.events) !== JSON.stringify(want.events)) {
      throw new Error(`step ${i + 1} replays as "${s.action}", not "${want.action}"`);
    }
  });
  return violatedProperty(model, replay.final);
}
