/**
 * `kvmreq analyze FILE...`: per-vCPU statistics of the protocol.
 *
 * @module
 */

import { command, constant, merge, object, option, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice } from "@optique/core/valueparser";
import { VcpuStatsCollector } from "../analysis/vcpu_stats.ts";
import { MODEL_EVENT_NAMES } from "../events/normalize.ts";
import { analysisToJson, formatAnalysisText } from "../report/analysis_text.ts";
import type { Checker } from "../check/checker.ts";
import { lintInput } from "../check/lint_input.ts";
import { kernelOptions, modelOptionsOf, readOptions, traceFiles } from "./common_options.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";
import { timeAndVcpuOptions, windowOf, windowText } from "./window_options.ts";

/** The parsed options of `kvmreq analyze`. */
export const analyzeCommand = command(
  "analyze",
  merge(
    object({
      command: constant("analyze"),
      format: withDefault(
        option("-f", "--format", choice(["text", "json"]), {
          description: message`Output format.`,
        }),
        "text" as const,
      ),
    }),
    timeAndVcpuOptions,
    readOptions,
    kernelOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Per-vCPU statistics: requests, kicks, IPIs, time in each mode, latencies.`,
    description: message`For each vCPU: requests made and served by name, kicks by action \
(ipi/wake/none/self), IPIs sent and coalesced, time in each mode and blocked, request service latency \
(made to consumed) and kick-to-exit latency, with p50/p99/max.`,
    footer: examples(
      "kvmreq analyze traces/",
      ["kvmreq analyze --format json sim.trace | jq '.vcpus[0]'", "one vCPU"],
      ["kvmreq analyze --vcpu 1 --from 100.000010 --until 100.000040 sim.trace", "a window"],
    ),
  },
);

/** Options of {@link runAnalyze}. */
export type AnalyzeOptions = InferValue<typeof analyzeCommand>;

/** Runs `kvmreq analyze`. */
export async function runAnalyze(opts: AnalyzeOptions, out: TextSink): Promise<number> {
  const all: unknown[] = [];
  const inputs = await forEachInput(opts.files, {
    ...opts,
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  }, async (input) => {
    let collector: VcpuStatsCollector | undefined;
    const observe = (ev: Parameters<VcpuStatsCollector["observe"]>[0], checker: Checker) => {
      collector ??= new VcpuStatsCollector(checker.model, windowOf(opts, checker.timeUnit));
      collector.observe(ev);
    };
    const result = await lintInput(input, {
      rules: [],
      ruleOptions: { latencyThresholdNs: 0n, allowedKickSites: [] },
      ...modelOptionsOf(opts),
    }, observe);
    const stats = collector?.finish() ?? [];
    const window = windowText(opts);
    if (opts.format === "json") all.push(analysisToJson(result.file, stats, window));
    else await out.write(formatAnalysisText(result.file, stats, result.timeUnit, window));
  });
  if (opts.format === "json") {
    await out.write(JSON.stringify(all.length === 1 ? all[0] : all, null, 2) + "\n");
  }
  return exitCodeWith(EXIT.ok, inputs);
}
