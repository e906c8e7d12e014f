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
import { MODEL_EVENT_NAMES } from "../model/normalize.ts";
import { TimelineScanner } from "../report/html/timeline_scan.ts";
import { PerfettoWriter } from "../report/perfetto.ts";
import type { Checker, CheckerOptions } from "../rules/checker.ts";
import { lintInput } from "../rules/lint_input.ts";
import type { ModelEvent } from "../model/model_event.ts";
import { kernelOptionOf, kernelOptions, readOptions, traceFiles } from "./common_options.ts";
import { loadConfig } from "./config.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import { expandInputs } from "./inputs.ts";
import type { TextSink } from "./output.ts";
import { isStdout, refuseTerminal, withOutput } from "./output_target.ts";
import { openInputs } from "./trace_input.ts";

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
    readOptions,
    kernelOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Export the protocol timeline and findings for ui.perfetto.dev.`,
    description: message`Writes Trace Event Format JSON: a process per VM, a track per vCPU whose \
slices are its modes (OUTSIDE, IN_GUEST, EXITING, READING_SHADOW_PAGE_TABLES) and blocked; requests as \
flow arrows from the requesting thread to the vCPU, from made to served; kicks, IPI acknowledgements and \
posted interrupts as instant events with action and call site; every lint finding as an instant event \
on its vCPU with rule id, message and evidence in its arguments. Timestamps are exact to the \
nanosecond. Output is streamed, so memory stays flat on large traces. Without -o the JSON goes to \
standard output, which may not be a terminal.`,
    footer: examples(
      [
        "kvmreq export --format perfetto -o boot.json boot.trace",
        "open boot.json in ui.perfetto.dev",
      ],
      ["kvmreq export traces/ | gzip > traces.json.gz", "every trace of a directory"],
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
    kernelOption: kernelOptionOf(opts),
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
    const inputs: unknown[] = [];
    for await (
      const input of openInputs(paths, {
        ...opts,
        keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
      })
    ) {
      const track = writer.input(input.path, () => input.reader.stats.timeUnit ?? "ns");
      let scanner: TimelineScanner | undefined;
      const observe = (ev: ModelEvent, checker: Checker) => {
        scanner ??= new TimelineScanner(checker.model, (item) => track.item(item));
        scanner.observe(ev);
        track.advance(ev.origin.ts);
      };
      const result = await lintInput(
        input,
        { ...base, onFinding: (f) => track.finding(f) },
        observe,
        () => writer.drain(),
      );
      scanner?.finish();
      track.finish();
      await writer.drain();
      inputs.push({
        file: result.file,
        format: result.stats.format ?? null,
        timeUnit: result.timeUnit,
        events: result.stats.events,
        vcpus: result.vcpus,
        findings: result.findings.length,
      });
    }
    await writer.end({ tool: "kvmreq", version, inputs });
    return EXIT.ok;
  });
}
