/**
 * What a rule is: metadata (id, severity, the seed section it enforces, what
 * it needs from a trace, its documentation) and a `create` function that
 * returns handlers for the event kinds it cares about. Handlers see the model
 * state *before* the event is applied and report findings through the
 * context. Rule files hold no I/O and no globals; per-run memory lives in the
 * closure `create` returns.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import type { ModelEvent, ModelKind } from "../events/model_event.ts";
import type { ModelView } from "../model/view.ts";

/** How bad a finding is. */
export type Severity = "error" | "warning" | "info";

/** Severities from most to least severe. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Requirements a rule has on a trace; a rule is checked when any one alternative is met in full. */
export type Needs = readonly (readonly string[])[];

/** A rule's description. */
export interface RuleMeta {
  /** Stable id (`request-less-kick`). */
  readonly id: string;
  /** Default severity. */
  readonly severity: Severity;
  /** The section of Documentation/virt/kvm/vcpu-requests.rst it enforces. */
  readonly seedSection: string;
  /** One line: what it catches. */
  readonly description: string;
  /** A paragraph for kernel engineers: why it matters and how it decides. */
  readonly help: string;
  /**
   * What the trace must contain for the rule to be checked: alternatives of
   * event names, or capabilities `irq-flags` (the flag column) and `ns-clock`.
   */
  readonly needs: Needs;
}

/** A finding before the engine adds location and ordering. */
export interface FindingInput {
  /** The vCPU concerned. */
  readonly vm: string;
  /** vCPU id, `undefined` when unknown. */
  readonly vcpu: number | undefined;
  /** The event the finding is about (its time and line locate the finding). */
  readonly at: ModelEvent;
  /** What is wrong, in a kernel engineer's words. */
  readonly message: string;
  /** The events that prove it, in trace order (the engine adds `at` if missing). */
  readonly evidence: readonly ModelEvent[];
  /** Overrides the rule's severity for this finding (e.g. `info` for unclassified kick sites). */
  readonly severity?: Severity;
}

/** What a rule's handlers can use. */
export interface RuleContext {
  /**
   * The model, in its state before the current event: a read-only view
   * (nothing a rule calls changes or creates state).
   */
  readonly model: ModelView;
  /** Rule options from the configuration. */
  readonly options: RuleOptions;
  /** Unit of timestamps: latency rules only run on nanosecond clocks. */
  readonly timeUnit: TimeUnit;
  /** Reports a finding. */
  report(finding: FindingInput): void;
}

/** Options some rules take (from `kvmreq.json`). */
export interface RuleOptions {
  /** `request-latency`: nanoseconds a request may stay pending. */
  readonly latencyThresholdNs: bigint;
  /** `request-less-kick`: call sites accepted as request-less kicks. */
  readonly allowedKickSites: readonly string[];
}

/** Handlers by event kind, called before the model applies the event; `finish` at the end of input. */
export type RuleHandlers =
  & {
    readonly [K in ModelKind]?: (
      ev: ModelEvent & { body: Extract<ModelEvent["body"], { kind: K }> },
    ) => void;
  }
  & { readonly finish?: () => void };

/** A rule. */
export interface Rule {
  /** Its description. */
  readonly meta: RuleMeta;
  /** Creates the handlers for one run. */
  create(ctx: RuleContext): RuleHandlers;
}
