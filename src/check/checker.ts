/**
 * Runs the reference model and the enabled rules over a stream of model
 * events: each event goes to the rules' handlers (which see the state before
 * it), then to the model. Pure apart from the `onFinding` callback.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import type { KernelChoice } from "../kernels/kernel_version.ts";
import {
  KIND,
  MODEL_KINDS,
  type ModelEvent,
  type ModelKind,
  originOf,
} from "../events/model_event.ts";
import { ProtocolModel } from "../model/protocol_model.ts";
import type { ModelView } from "../model/view.ts";
import type { Finding } from "../rules/finding.ts";
import type {
  FindingInput,
  Rule,
  RuleContext,
  RuleHandlers,
  RuleOptions,
  Severity,
} from "../rules/rule.ts";

/** How far before a finding's first evidence a lost-events marker still lowers confidence (1 s). */
export const LOST_EVENTS_WINDOW_NS = 1_000_000_000n;

/** Settings of a {@link Checker}. */
export interface CheckerOptions {
  /** The rules to run. */
  readonly rules: readonly Rule[];
  /** Severity overrides by rule id. */
  readonly severities?: ReadonlyMap<string, Severity>;
  /** Rule options. */
  readonly ruleOptions: RuleOptions;
  /** Called for each finding as soon as it is reported (live output). */
  readonly onFinding?: (f: Finding) => void;
  /**
   * `--kernel VERSION` / `--arch ARCH`: the tables to use whatever the trace
   * says (see chooseKernel).
   */
  readonly kernelOption?: { readonly version?: string; readonly arch?: string };
  /**
   * `--stock-only`: ignore the protocol events (the patch series'
   * tracepoints) and judge the input from its stock events alone, as if the
   * kernel were unpatched.
   */
  readonly stockOnly?: boolean;
}

type Handler = (ev: ModelEvent) => void;

const MODE = KIND.mode;
const EXIT = KIND.exit;
const LOST = KIND.lost;

/** The model plus the rules, for one input. */
export class Checker {
  /** The model, read-only (for rules, replay, analysis and reports). */
  readonly model: ModelView;
  /** The model itself: only the checker applies events to it. */
  readonly #model: ProtocolModel;
  /** Findings so far, in report order (sort with `compareFindings` for output). */
  readonly findings: Finding[] = [];
  /** Event kinds seen. */
  readonly kindsSeen = new Set<ModelKind>();
  /** Whether any `kvm_vcpu_mode` event carried a flag column. */
  sawIrqFlags = false;
  /** Whether any `kvm_exit` printed `requests 0x…` (6.18 and later). */
  sawExitRequests = false;
  #timeUnit: TimeUnit = "ns";
  readonly #handlers = new Map<string, Handler[]>();
  /** Handlers of each kind seen so far (empty when none), by the kind's code. */
  readonly #byKind: (Handler[] | undefined)[] = MODEL_KINDS.map(() => undefined);
  readonly #finishers: (() => void)[] = [];
  /** What the trace offers so far (see {@link Checker.setCapabilities}). */
  #capabilities: (() => ReadonlySet<string>) | undefined;
  /** Findings withheld because their rule's needs were not met (see `setCapabilities`). */
  withheld = 0;
  readonly #lost: ModelEvent[] = [];

  /**
   * Creates the model and the rules' handlers.
   *
   * @param options rules and their settings
   * @param kernel the kernel whose tables apply (default: the newest known)
   */
  constructor(readonly options: CheckerOptions, kernel?: KernelChoice) {
    this.#model = new ProtocolModel({ kernel });
    this.model = this.#model;
    for (const rule of options.rules) {
      const severity = options.severities?.get(rule.meta.id) ?? rule.meta.severity;
      const unit = () => this.#timeUnit;
      const ctx: RuleContext = {
        model: this.model,
        options: options.ruleOptions,
        get timeUnit() {
          return unit();
        },
        report: (f) => this.#report(rule, severity, f),
      };
      const handlers = rule.create(ctx) as RuleHandlers & Record<string, Handler | undefined>;
      for (const [kind, fn] of Object.entries(handlers)) {
        if (fn === undefined) continue;
        if (kind === "finish") this.#finishers.push(fn as () => void);
        else {
          let list = this.#handlers.get(kind);
          if (list === undefined) this.#handlers.set(kind, list = []);
          list.push(fn as Handler);
        }
      }
    }
  }

  /**
   * Coverage is a promise (issue 16.13): a rule reported as not checked never
   * fires. `capabilities` says what the input has offered so far (event
   * names, `irq-flags`, `ns-clock`, …); a finding is only kept when one of
   * its rule's `needs` alternatives is met by it. What an input offers only
   * grows, so a kept finding's rule is checked at the end too.
   */
  setCapabilities(capabilities: () => ReadonlySet<string>): void {
    this.#capabilities = capabilities;
  }

  /** Sets the unit of timestamps (known once the reader has seen the first event). */
  setTimeUnit(unit: TimeUnit): void {
    this.#timeUnit = unit;
  }

  /** The unit of timestamps. */
  get timeUnit(): TimeUnit {
    return this.#timeUnit;
  }

  /** Feeds one event. */
  push(ev: ModelEvent): void {
    const k = ev.kindId;
    // One array read per event: the kind's handlers, and whether it was seen.
    let entry = this.#byKind[k];
    if (entry === undefined) {
      const kind = MODEL_KINDS[k];
      entry = this.#handlers.get(kind) ?? [];
      this.#byKind[k] = entry;
      this.kindsSeen.add(kind);
    }
    if (k === MODE) {
      if (ev.irqsOff !== undefined) this.sawIrqFlags = true;
    } else if (k === EXIT) {
      if (!this.sawExitRequests && ev.body.kind === "exit") {
        this.sawExitRequests = ev.body.requests !== undefined;
      }
    } else if (k === LOST) this.#lost.push(ev);
    for (let i = 0; i < entry.length; i++) entry[i](ev);
    this.#model.apply(ev);
  }

  /** Ends the input: rules report what only the end can decide. */
  finish(): void {
    for (const fn of this.#finishers) fn();
  }

  #report(rule: Rule, severity: Severity, f: FindingInput): void {
    if (this.#capabilities !== undefined) {
      const has = this.#capabilities();
      if (!rule.meta.needs.some((all) => all.every((n) => has.has(n)))) {
        this.withheld++;
        return;
      }
    }
    const evidence = f.evidence.includes(f.at) ? [...f.evidence] : [...f.evidence, f.at];
    evidence.sort((a, b) => a.seq - b.seq);
    const first = evidence[0];
    const lost = this.#lost.find((l) =>
      l.seq <= f.at.seq && l.origin.ts + LOST_EVENTS_WINDOW_NS >= first.origin.ts
    );
    // Objects only for what is cited: plain copies of the cited events' origins.
    const at = originOf(f.at);
    const finding: Finding = {
      ruleId: rule.meta.id,
      severity: f.severity ?? severity,
      seedSections: rule.meta.seedSections,
      vm: f.vm,
      vcpu: f.vcpu,
      at,
      seq: f.at.seq,
      message: f.message,
      evidence: evidence.map((e) => e === f.at ? at : originOf(e)),
      ...siteOf(f.at),
      confidence: lost === undefined ? "normal" : "lowered",
      confidenceNote: lost === undefined
        ? undefined
        : `CPU ${
          lost.body.kind === "lost" ? lost.body.cpu : "?"
        } lost events at line ${lost.origin.line}, near this finding's evidence`,
    };
    this.findings.push(finding);
    this.options.onFinding?.(finding);
  }
}

/** `{ site }` of an event that names its call site, `{}` otherwise. */
function siteOf(ev: ModelEvent): { site?: string } {
  const b = ev.body;
  return "site" in b && typeof b.site === "string" ? { site: b.site } : {};
}
