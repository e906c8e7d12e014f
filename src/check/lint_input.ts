/**
 * Lints one opened input: reads it, normalizes its records into model
 * events, runs the checker, and gathers what the report needs.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import type { ReadStats } from "../ingest/read_stats.ts";
import type { TraceRecord } from "../events/types.ts";
import { chooseKernel, type KernelChoice } from "../kernels/kernel_version.ts";
import type { ModelEvent } from "../events/model_event.ts";
import { type DecodeProblem, EventNormalizer } from "../events/normalize.ts";
import { PROTOCOL_EVENT_NAMES } from "../events/protocol.ts";
import { Checker, type CheckerOptions } from "./checker.ts";
import { computeCoverage, type Coverage } from "./coverage.ts";
import { compareFindings, type Finding } from "../rules/finding.ts";

/** An input being read: its name, counters, and records. */
export interface LintSource {
  /** Input name. */
  readonly path: string;
  /** The reader's counters (final once `batches` ends). */
  readonly reader: { readonly stats: ReadStats };
  /** The records, in batches. */
  batches(): AsyncIterable<TraceRecord[]>;
}

/** Everything lint learned about one input. */
export interface LintResult {
  /** Input path. */
  readonly file: string;
  /** Reader counters. */
  readonly stats: ReadStats;
  /** Timestamp unit. */
  readonly timeUnit: TimeUnit;
  /** Findings, ordered. */
  readonly findings: readonly Finding[];
  /** Which rules could be checked. */
  readonly coverage: Coverage;
  /** Protocol events that could not be decoded. */
  readonly decodeProblems: readonly DecodeProblem[];
  /** Their count. */
  readonly decodeProblemCount: number;
  /** Stock kicks whose target vCPU could not be identified. */
  readonly unidentifiedKicks: number;
  /** vCPUs seen. */
  readonly vcpus: number;
  /** The kernel tables used, and why (what the trace said, `--kernel`, or the default). */
  readonly kernel: KernelChoice;
  /** The checker, for callers that want the final model state. */
  readonly checker: Checker;
  /**
   * When the findings were cut to a window (`--from`, `--vcpu`, …): the
   * window in words and how many findings the whole input has.
   */
  readonly window?: { readonly text: string; readonly findingsInInput: number };
}

/** Capabilities a trace offers beyond its event names. */
function capabilities(stats: ReadStats, checker: Checker, stockOnly: boolean): Set<string> {
  const has = new Set<string>(stats.eventsByName.keys());
  // --stock-only: the protocol events are in the file but were not read.
  if (stockOnly) { for (const name of PROTOCOL_EVENT_NAMES) has.delete(name); }
  if (checker.sawExitRequests) has.add("kvm_exit-requests");
  if (checker.kindsSeen.has("stock_kick")) has.add("stock-kick");
  if (checker.kindsSeen.has("stock_ack")) has.add("stock-ack");
  if (checker.sawIrqFlags) has.add("irq-flags");
  if (checker.timeUnit === "ns") has.add("ns-clock");
  return has;
}

/**
 * Lints `input` with `options`. `observe`, when given, sees every model event
 * before the model applies it (statistics, replay), with the checker and the
 * normalizer (whose `identity` says which thread is which vCPU);
 * `observeRecord` sees every record read, before it is normalized (the
 * report's host context: scheduling, guest exits, the whole time span).
 */
export async function lintInput(
  input: LintSource,
  options: CheckerOptions,
  observe?: (ev: ModelEvent, checker: Checker, normalizer: EventNormalizer) => void,
  afterBatch?: () => Promise<void>,
  observeRecord?: (r: TraceRecord) => void,
): Promise<LintResult> {
  // The trace says its kernel (trace.dat uname, `# kernel:` header) before
  // its first batch of records: the model and normalizer are made then.
  let run: Run | undefined;
  let unitSet = false;
  for await (const batch of input.batches()) {
    run ??= startRun(input, options);
    const { checker, normalizer } = run;
    if (!unitSet && input.reader.stats.timeUnit !== undefined) {
      checker.setTimeUnit(input.reader.stats.timeUnit);
      unitSet = true;
    }
    for (let i = 0; i < batch.length; i++) {
      if (observeRecord !== undefined) observeRecord(batch[i]);
      const ev = normalizer.toModel(batch[i]);
      // The batch is ours: let each record go as soon as it is used, so a
      // young-generation GC during the batch finds few survivors (survivors
      // are what makes V8 grow the young generation on long inputs).
      (batch as (TraceRecord | undefined)[])[i] = undefined;
      if (ev === undefined) continue;
      observe?.(ev, checker, normalizer);
      checker.push(ev);
    }
    await afterBatch?.();
  }
  run ??= startRun(input, options);
  run.checker.finish();
  return finishResult(input, options, run);
}

/** The model, rules and normalizer of one input, for the kernel it ran. */
interface Run {
  readonly kernel: KernelChoice;
  readonly checker: Checker;
  readonly normalizer: EventNormalizer;
}

function startRun(input: LintSource, options: CheckerOptions): Run {
  const kernel = chooseKernel(input.reader.stats.kernel, options.kernelOption);
  const checker = new Checker(options, kernel);
  checker.setCapabilities(() =>
    capabilities(input.reader.stats, checker, options.stockOnly === true)
  );
  return {
    kernel,
    checker,
    normalizer: new EventNormalizer(input.path, kernel.version, {
      stockOnly: options.stockOnly,
    }),
  };
}

function finishResult(input: LintSource, options: CheckerOptions, run: Run): LintResult {
  const { checker, normalizer, kernel } = run;
  return {
    file: input.path,
    stats: input.reader.stats,
    timeUnit: checker.timeUnit,
    findings: [...checker.findings].sort(compareFindings),
    coverage: computeCoverage(
      options.rules,
      capabilities(input.reader.stats, checker, options.stockOnly === true),
    ),
    decodeProblems: normalizer.problems,
    decodeProblemCount: normalizer.problemCount,
    unidentifiedKicks: normalizer.unidentifiedKicks,
    vcpus: checker.model.allVcpus().length,
    kernel,
    checker,
  };
}
