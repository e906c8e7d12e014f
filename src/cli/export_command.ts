/**
 * `kvmreq export --format perfetto -o OUT.json FILE...`: the protocol
 * timeline and the findings as Trace Event Format JSON for ui.perfetto.dev
 * and chrome://tracing, written as the traces are read.
 *
 * @module
 */

import { command, constant, merge, object, option, optional, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice, float, string } from "@optique/core/valueparser";
import { MODEL_EVENT_NAMES } from "../events/normalize.ts";
import { TimelineScanner } from "../analysis/timeline_scan.ts";
import { PerfettoWriter, type VcpuThread } from "../report/perfetto.ts";
import type { Checker, CheckerOptions } from "../check/checker.ts";
import { lintInput } from "../check/lint_input.ts";
import type { ModelEvent } from "../events/model_event.ts";
import { kernelOptions, modelOptionsOf, readOptions, traceFiles } from "./common_options.ts";
import { loadConfig } from "./config.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import { expandInputs } from "./inputs.ts";
import type { TextSink } from "./output.ts";
import { isStdout, refuseTerminal, withOutput } from "./output_target.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";
import { timeAndVcpuOptions, windowOf } from "./window_options.ts";
import type { TraceWindow } from "../analysis/trace_window.ts";
import type { VcpuIdentity } from "../events/identity.ts";
import type { EventNormalizer } from "../events/normalize.ts";
import type { ModelView } from "../model/view.ts";

/** `-o FILE`: where the output goes (standard output when absent or `-`). */
export const outputOption = optional(option("-o", "--output", string({ metavar: "FILE" }), {
  description: message`Write to this file instead of standard output (it is replaced only when \
the command succeeds, and may not be one of the inputs).`,
}));

/** `--config` and `--latency-threshold`, as `kvmreq lint` takes them (the findings are lint's). */
export const checkOptions = object({
  config: optional(option("--config", string({ metavar: "FILE" }), {
    description:
      message`Configuration file (default: ${"kvmreq.json"} in the current directory, if present).`,
  })),
  latencyThresholdMs: optional(option("--latency-threshold", float({ min: 0, metavar: "MS" }), {
    description:
      message`Milliseconds a request may stay pending before request-latency reports it (default 10).`,
  })),
});

/** The parsed options of `kvmreq export`. */
export const exportCommand = command(
  "export",
  merge(
    object({
      command: constant("export"),
      format: withDefault(
        option("-f", "--format", choice(["perfetto"]), {
          description:
            message`Output format: Trace Event Format JSON (Perfetto, chrome://tracing).`,
        }),
        "perfetto" as const,
      ),
      output: outputOption,
    }),
    checkOptions,
    timeAndVcpuOptions,
    readOptions,
    kernelOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Export the protocol timeline and findings for ui.perfetto.dev.`,
    description: message`Writes Trace Event Format JSON on the trace's own process and thread ids \
(so it lines up with a systrace of the same recording): each vCPU's thread track holds its modes \
(OUTSIDE, IN_GUEST, EXITING, READING_SHADOW_PAGE_TABLES, blocked; on a stock kernel, guest entry and \
exit) as slices and its guest exits with their kvm_exit reason; beside it a scheduling track shows when \
the thread ran, was runnable and slept (sched_switch, wakeups); requests are flow arrows from the \
requesting thread to the vCPU, from made to served; kicks, IPI acknowledgements and posted interrupts \
are instant events with action and call site (a host thread's kicks also on its own track); every lint \
finding is an instant on its vCPU with rule id, message and evidence. --from/--until/--vcpu keep a \
window (slices clipped to it; the whole input is replayed). Timestamps are exact to the nanosecond; \
output is streamed. Without -o the JSON goes to standard output, which may not be a terminal.`,
    footer: examples(
      [
        "kvmreq export --format perfetto -o boot.json boot.trace",
        "open boot.json in ui.perfetto.dev",
      ],
      ["kvmreq export traces/ | gzip > traces.json.gz", "every trace of a directory"],
      ["kvmreq export --from 2544.06 --until 2544.08 -o w.json boot.trace", "20 ms of it"],
    ),
  },
);

/** Options of {@link runExport}. */
export type ExportOptions = InferValue<typeof exportCommand>;

/** The checker settings lint would use with these options (every rule the configuration enables). */
export async function lintCheckerOptions(
  opts: {
    readonly config: string | undefined;
    readonly latencyThresholdMs: number | undefined;
    readonly kernel?: string;
    readonly arch?: string;
  },
): Promise<CheckerOptions> {
  const config = await loadConfig(opts.config);
  const { rules, severities } = selectRules({ rule: [], disable: [] }, config);
  return {
    rules,
    severities,
    ruleOptions: ruleOptionsFrom(opts, config),
    ...modelOptionsOf(opts),
  };
}

/** Runs `kvmreq export`; returns the exit code. */
export async function runExport(
  opts: ExportOptions,
  out: TextSink,
  version: string,
): Promise<number> {
  if (isStdout(opts.output)) {
    refuseTerminal("export", "Trace Event JSON", "kvmreq export -o boot.json boot.trace");
  }
  const base = await lintCheckerOptions(opts);
  const paths = await expandInputs(opts.files);
  return await withOutput(opts.output, out, paths, async (sink) => {
    const writer = new PerfettoWriter(sink);
    await writer.begin();
    const summaries: unknown[] = [];
    const inputs = await forEachInput(opts.files, {
      ...opts,
      // sched_wakeup too: the scheduling tracks.
      keepEvent: (n) => MODEL_EVENT_NAMES.has(n) || n === "sched_wakeup",
    }, async (input) => {
      const unit = () => input.reader.stats.timeUnit ?? "ns";
      let identity: VcpuIdentity | undefined;
      let model: ModelView | undefined;
      let window: TraceWindow | undefined;
      const track = writer.input(
        input.path,
        unit,
        (vm, vcpu) => vcpuThread(identity, model, vm, vcpu),
        () => (window ??= windowOf(opts, unit())),
      );
      let scanner: TimelineScanner | undefined;
      const observe = (ev: ModelEvent, checker: Checker, normalizer: EventNormalizer) => {
        identity = normalizer.identity;
        model = checker.model;
        scanner ??= new TimelineScanner(checker.model, (item) => track.item(item));
        scanner.observe(ev);
        track.advance(ev.origin.ts);
      };
      const result = await lintInput(
        input,
        { ...base, onFinding: (f) => track.finding(f) },
        observe,
        () => writer.drain(),
        (r) => track.record(r),
      );
      scanner?.finish();
      track.finish();
      await writer.drain();
      summaries.push({
        file: result.file,
        format: result.stats.format ?? null,
        timeUnit: result.timeUnit,
        events: result.stats.events,
        vcpus: result.vcpus,
        findings: result.findings.length,
      });
    });
    await writer.end({ tool: "kvmreq", version, inputs: summaries });
    return exitCodeWith(EXIT.ok, inputs);
  }, (code) => code !== EXIT.error);
}

/** vCPU `vcpu`'s thread, from the identity (names, kvm_entry) or the model (its own events). */
function vcpuThread(
  identity: VcpuIdentity | undefined,
  model: ModelView | undefined,
  vm: string,
  vcpu: number,
): VcpuThread | undefined {
  if (vm === "0") {
    for (const [tid, t] of identity?.threads() ?? []) {
      if (t.vcpu === vcpu) return { tid, comm: `CPU ${vcpu}/KVM` };
    }
  }
  const tid = model?.knownVcpu(vm, vcpu)?.thread;
  return tid === undefined ? undefined : { tid, comm: `CPU ${vcpu}/KVM` };
}
