/**
 * Builds the report's data, one input at a time: lints it while collecting
 * its timeline and `analyze` statistics, then keeps its share of the page
 * budget (halving the series budget until the input's data fits its share of
 * the size limit). Memory is released input by input.
 *
 * @module
 */

import { findingInWindow, type TraceWindow, WHOLE_TRACE } from "../../analysis/trace_window.ts";
import { VcpuStatsCollector } from "../../analysis/vcpu_stats.ts";
import type { TimeUnit } from "../../events/types.ts";
import type { VcpuIdentity } from "../../events/identity.ts";
import type { ModelEvent } from "../../events/model_event.ts";
import type { EventNormalizer } from "../../events/normalize.ts";
import type { ModelView } from "../../model/view.ts";
import type { Finding } from "../../rules/finding.ts";
import type { Checker, CheckerOptions } from "../../check/checker.ts";
import { ruleById } from "../../rules/index.ts";
import { lintInput, type LintResult, type LintSource } from "../../check/lint_input.ts";
import type { Limits } from "./budget.ts";
import { FileCollector } from "./file_collector.ts";
import type { FileData, FindingData, ReportData } from "./report_model.ts";
import { THREAD_STATES } from "./host_context.ts";
import { TimelineScanner, TRACK_STATES } from "../../analysis/timeline_scan.ts";

/** Sizes the page must respect. */
export interface ReportLimits {
  /**
   * Mode intervals kept exactly over all inputs (kick/IPI events as many,
   * requests half as many).
   * @default 150_000
   */
  readonly maxIntervals: number;
  /**
   * Bytes of embedded data over all inputs (the page adds ~60 KB).
   * @default 9_000_000
   */
  readonly maxBytes: number;
  /**
   * Findings listed with their evidence; the rest are counted by rule.
   * @default 1000
   */
  readonly maxListedFindings: number;
}

/** The defaults of {@link ReportLimits}: a page under 10 MB for any input. */
export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  maxIntervals: 150_000,
  maxBytes: 9_000_000,
  maxListedFindings: 1000,
};

/** Smallest interval budget the size loop goes down to. */
const MIN_INTERVALS = 500;

/** Collects {@link ReportData} over the inputs of one report. */
export class ReportBuilder {
  readonly #files: FileData[] = [];
  readonly #findings: FindingData[] = [];
  readonly #unlisted: Record<string, number> = {};

  /**
   * Builds one report page.
   *
   * @param version kvmreq's version, shown in the page
   * @param inputs how many inputs the report will hold (each gets an equal share of the limits)
   * @param limits page limits
   */
  constructor(
    readonly version: string,
    readonly inputs: number,
    readonly limits: ReportLimits = DEFAULT_REPORT_LIMITS,
  ) {}

  /**
   * Lints `input` with `options` and adds it to the report; returns lint's
   * result. With `window`, the page shows that window of the input (resolved
   * in the input's time unit; `text` says it in words): its findings, its
   * statistics, its time range; the whole input is still replayed.
   */
  async add(
    input: LintSource,
    options: CheckerOptions,
    window?: { readonly resolve: (unit: TimeUnit) => TraceWindow; readonly text: string },
  ): Promise<LintResult> {
    const unit = () => input.reader.stats.timeUnit ?? "ns";
    let resolved: TraceWindow | undefined;
    const win = () => (resolved ??= window?.resolve(unit()) ?? WHOLE_TRACE);
    const collector = new FileCollector(input.path, () => input.reader.stats.timeUnit ?? "ns");
    let scanner: TimelineScanner | undefined;
    let stats: VcpuStatsCollector | undefined;
    let identity: VcpuIdentity | undefined;
    let model: ModelView | undefined;
    const observe = (ev: ModelEvent, checker: Checker, normalizer: EventNormalizer) => {
      scanner ??= new TimelineScanner(checker.model, (item) => collector.item(item));
      stats ??= new VcpuStatsCollector(checker.model, win());
      identity = normalizer.identity;
      model = checker.model;
      collector.advance(ev);
      stats.observe(ev);
      scanner.observe(ev);
    };
    // Context is captured for the findings the page can list.
    let room = Math.max(0, this.limits.maxListedFindings - this.#findings.length);
    const onFinding = (f: Finding) => {
      options.onFinding?.(f);
      if (room <= 0 || !findingInWindow(f, win())) return;
      room--;
      const pid = f.vcpu === undefined ? undefined : threadOf(identity, model, f.vm, f.vcpu);
      collector.host.capture(f, pid);
    };
    const result = await lintInput(
      input,
      { ...options, onFinding },
      observe,
      undefined,
      (r) => collector.record(r),
    );
    scanner?.finish();
    const vcpuStats = stats?.finish() ?? [];
    const share = Math.max(1, this.inputs);
    let max = Math.max(MIN_INTERVALS, Math.floor(this.limits.maxIntervals / share));
    const bytes = this.limits.maxBytes / share;
    for (;;) {
      const limits: Limits = { intervals: max, points: max, requests: Math.floor(max / 2) };
      room = Math.max(0, this.limits.maxListedFindings - this.#findings.length);
      const built = collector.finish(
        result,
        vcpuStats,
        this.#files.length,
        limits,
        room,
        identity?.threads() ?? [],
        win(),
        window?.text ?? "",
      );
      const size = JSON.stringify(built.file).length + JSON.stringify(built.findings).length;
      if (size <= bytes || max <= MIN_INTERVALS) {
        this.#files.push(built.file);
        this.#findings.push(...built.findings);
        const shown = result.findings.filter((f) => findingInWindow(f, win()));
        for (const f of shown.slice(built.findings.length)) {
          this.#unlisted[f.ruleId] = (this.#unlisted[f.ruleId] ?? 0) + 1;
        }
        return result;
      }
      max = Math.max(MIN_INTERVALS, Math.floor(max / 2));
    }
  }

  /** The report's data. */
  data(): ReportData {
    const ids = new Set([...this.#findings.map((f) => f.rule), ...Object.keys(this.#unlisted)]);
    return {
      tool: { name: "kvmreq", version: this.version },
      states: TRACK_STATES,
      threadStates: THREAD_STATES,
      files: this.#files,
      findings: this.#findings,
      unlisted: this.#unlisted,
      rules: Object.fromEntries(
        [...ids].sort().map((id) => [id, ruleById(id)?.meta.description ?? ""]),
      ),
    };
  }
}

/** The thread id of vCPU `vcpu` of VM `vm`: from the identity (names, kvm_entry) or the model. */
function threadOf(
  identity: VcpuIdentity | undefined,
  model: ModelView | undefined,
  vm: string,
  vcpu: number,
): number | undefined {
  for (const [pid, t] of identity?.threads() ?? []) if (t.vcpu === vcpu && vm === "0") return pid;
  const v = model?.knownVcpu(vm, vcpu);
  return v?.thread;
}
