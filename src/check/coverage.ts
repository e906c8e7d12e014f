/**
 * Which rules a trace let kvmreq check. A rule needs certain events (or the
 * flag column, or a nanosecond clock); when the trace lacks them the rule is
 * reported as not checked, with what it needs — never as passed.
 *
 * @module
 */

import type { Needs, Rule } from "../rules/rule.ts";

/** The coverage of one input. */
export interface Coverage {
  /** Rules that were checked, with the alternative that made them checkable. */
  readonly checked: readonly { readonly id: string; readonly using: readonly string[] }[];
  /** Rules that were not, with what they need (any one alternative in full). */
  readonly notChecked: readonly { readonly id: string; readonly needs: Needs }[];
}

/** Decides coverage of `rules` given the capabilities (event names, `irq-flags`, `ns-clock`, …) a trace has. */
export function computeCoverage(rules: readonly Rule[], has: ReadonlySet<string>): Coverage {
  const checked: { id: string; using: readonly string[] }[] = [];
  const notChecked: { id: string; needs: Needs }[] = [];
  for (const rule of rules) {
    const alt = rule.meta.needs.find((all) => all.every((n) => has.has(n)));
    if (alt !== undefined) checked.push({ id: rule.meta.id, using: alt });
    else notChecked.push({ id: rule.meta.id, needs: rule.meta.needs });
  }
  return { checked, notChecked };
}

/** `kvm_vcpu_kick + kvm_vcpu_mode, or stock-kick`: a rule's needs in words. */
export function describeNeeds(needs: Needs): string {
  return needs.map((all) => all.join(" + ")).join(", or ");
}
