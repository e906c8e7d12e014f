/**
 * What a rule is: metadata (id, severity, the seed sections it enforces, what
 * it needs from a trace, its documentation) and a `create` function that
 * returns handlers for the event kinds it cares about. Handlers see the model
 * state *before* the event is applied, through a read-only view, and report
 * findings through the context. Rule files hold no I/O and no globals;
 * per-run memory lives in the closure `create` returns. A rule file defines
 * its rule with {@link defineRule}, which types its metadata and checks its
 * handlers against the events it declares (docs/architecture.md).
 *
 * @module
 */

import type { KindOf, Need } from "../events/event_kinds.ts";
import type { TimeUnit } from "../events/types.ts";
import type { ModelEvent, ModelKind } from "../events/model_event.ts";
import type { ModelView } from "../model/view.ts";
import type { SeedSection } from "./seed_sections.ts";

/** How bad a finding is. */
export type Severity = "error" | "warning" | "info";

/** Severities from most to least severe. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** Requirements a rule has on a trace; a rule is checked when any one alternative is met in full. */
export type Needs<N extends Need = Need> = readonly (readonly N[])[];

/** A rule's description; `N` is what it declares of a trace (see {@link defineRule}). */
export interface RuleMeta<N extends Need = Need> {
  /** Stable id (`request-less-kick`). */
  readonly id: string;
  /** Default severity. */
  readonly severity: Severity;
  /**
   * The sections of Documentation/virt/kvm/vcpu-requests.rst it enforces,
   * by their headings, the main one first.
   */
  readonly seedSections: readonly [SeedSection, ...SeedSection[]];
  /** One line: what it catches. */
  readonly description: string;
  /** A paragraph for kernel engineers: why it matters and how it decides. */
  readonly help: string;
  /**
   * What the trace must contain for the rule to be checked: alternatives of
   * event names and capabilities (`irq-flags`: the flag column, `ns-clock`,
   * `stock-kick`, … — see `CAPABILITY_KINDS`), any one met in full.
   */
  readonly needs: Needs<N>;
  /**
   * Events (or capabilities) the rule also handles when the trace has them,
   * without needing them to be checked.
   */
  readonly reads?: readonly N[];
  /**
   * Why `kvmreq simulate` cannot plant this rule's bug, for a rule with no
   * seeded bug in src/sim/bugs.ts (the simulator test requires one or the
   * other).
   */
  readonly notSimulated?: string;
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

/** The event of kind `K` a handler gets. */
export type EventOfKind<K extends ModelKind> = ModelEvent & {
  body: Extract<ModelEvent["body"], { kind: K }>;
};

/**
 * Handlers by event kind, called before the model applies the event;
 * `finish` at the end of input. `K` are the kinds the rule may handle.
 */
export type RuleHandlers<K extends ModelKind = ModelKind> =
  & { readonly [Kind in K]?: (ev: EventOfKind<Kind>) => void }
  & { readonly finish?: () => void };

/** Kinds every rule may handle whatever it declares: lost-events markers. */
export type AlwaysAllowed = "lost";

/** The kinds a rule declaring `N` may handle. */
export type AllowedKinds<N extends Need> = KindOf<N> | AlwaysAllowed;

/** A rule. */
export interface Rule {
  /** Its description. */
  readonly meta: RuleMeta;
  /** Creates the handlers for one run. */
  create(ctx: RuleContext): RuleHandlers;
}

/**
 * Handler keys of `H` that the declared requirements `N` do not allow: a
 * type the rule definition must then also satisfy, which names them.
 */
export type NoUndeclared<H, N extends Need> = Exclude<keyof H, AllowedKinds<N> | "finish"> extends
  never ? unknown
  : {
    readonly "handlers for events the rule does not declare": Exclude<
      keyof H,
      AllowedKinds<N> | "finish"
    >;
  };

/**
 * Defines a rule. Its metadata's `needs` and `reads` are typed as event names
 * and capabilities (a misspelt one does not compile), and its handlers are
 * checked against them: a handler for a kind that nothing the rule declares
 * produces (`EVENT_KINDS`, `CAPABILITY_KINDS`) is a compile error naming it.
 *
 * @example
 * ```ts
 * import { defineRule } from "./rule.ts";
 * export const example = defineRule({
 *   meta: {
 *     id: "example",
 *     severity: "warning",
 *     seedSections: ["VCPU Kicks"],
 *     description: "a kick that sent no IPI",
 *     help: "…",
 *     needs: [["kvm_vcpu_kick"]],
 *     notSimulated: "an example",
 *   },
 *   create(ctx) {
 *     return {
 *       kick(ev) {
 *         if (ev.body.action === "none") {
 *           ctx.report({ vm: ev.body.vm, vcpu: ev.body.vcpu, at: ev, message: "no IPI", evidence: [] });
 *         }
 *       },
 *     };
 *   },
 * });
 * ```
 */
export function defineRule<const N extends Need, H extends RuleHandlers<AllowedKinds<N>>>(
  rule:
    & {
      readonly meta: RuleMeta<N>;
      create(ctx: RuleContext): H & RuleHandlers<AllowedKinds<N>>;
    }
    & NoUndeclared<H, N>,
): Rule {
  return rule as unknown as Rule;
}
