/**
 * `kvmreq report FILE... -o report.html`: one self-contained HTML page with
 * the summary and coverage, a zoomable timeline per vCPU, the findings with
 * their evidence, and `analyze`'s per-vCPU statistics.
 *
 * @module
 */

import { command, constant, merge, object, option, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { integer } from "@optique/core/valueparser";
import { renderReportPage } from "../report/html/page.ts";
import { DEFAULT_REPORT_LIMITS, ReportBuilder } from "../report/html/report_builder.ts";
import { kernelOptions, readOptions, traceFiles } from "./common_options.ts";
import { EXIT } from "./exit_codes.ts";
import { checkOptions, lintCheckerOptions, outputOption } from "./export_command.ts";
import { isStdout, refuseTerminal, withOutput } from "./output_target.ts";
import { examples } from "./help_text.ts";
import { expandInputs } from "./inputs.ts";
import type { TextSink } from "./output.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";
import { findingWindowOptions, windowOf, windowText } from "./window_options.ts";
import { findingInWindow } from "../analysis/trace_window.ts";
import type { TimeUnit } from "../events/types.ts";

/** The parsed options of `kvmreq report`. */
export const reportCommand = command(
  "report",
  merge(
    object({
      command: constant("report"),
      output: outputOption,
      maxIntervals: withDefault(
        option("--max-intervals", integer({ min: 1000, metavar: "N" }), {
          description: message`Mode intervals drawn exactly (as many kick/IPI events, half as many \
requests); beyond that the page keeps the windows around findings and summarises the rest.`,
        }),
        DEFAULT_REPORT_LIMITS.maxIntervals,
      ),
      maxFindings: withDefault(
        option("--max-findings", integer({ min: 1, metavar: "N" }), {
          description: message`Findings listed with their evidence (the rest are counted by rule).`,
        }),
        DEFAULT_REPORT_LIMITS.maxListedFindings,
      ),
    }),
    checkOptions,
    findingWindowOptions,
    readOptions,
    kernelOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Write a self-contained HTML report: timeline, findings, statistics.`,
    description: message`One HTML file with inline CSS and JavaScript that opens offline: a \
summary (input, format, time span, vCPUs, events, which rules could be checked and what the others \
need), a zoomable and pannable timeline with one row per vCPU (modes, requests, kicks, IPIs, \
findings), the findings list (choosing one zooms to it and shows its evidence lines), and analyze's \
per-vCPU statistics with latency histograms. Large traces stay small: the page keeps the events \
around findings exactly, summarises the rest, and says so. Without -o the HTML goes to standard output, \
which may not be a terminal.`,
    footer: examples(
      ["kvmreq report -o report.html boot.trace", "then open report.html in a browser"],
      [
        "kvmreq report -o w.html --from 2544.06 --until 2544.07 --vcpu 1 boot.trace",
        "one vCPU, 10 ms",
      ],
      ["kvmreq report -o all.html traces/", "every trace of a directory in one page"],
    ),
  },
);

/** Options of {@link runReport}. */
export type ReportOptions = InferValue<typeof reportCommand>;

/** Runs `kvmreq report`; returns the exit code. */
export async function runReport(
  opts: ReportOptions,
  out: TextSink,
  version: string,
): Promise<number> {
  if (isStdout(opts.output)) {
    refuseTerminal("report", "HTML", "kvmreq report -o report.html boot.trace");
  }
  const checker = await lintCheckerOptions(opts);
  const paths = await expandInputs(opts.files);
  const builder = new ReportBuilder(version, paths.length, {
    ...DEFAULT_REPORT_LIMITS,
    maxIntervals: opts.maxIntervals,
    maxListedFindings: opts.maxFindings,
  });
  const { bytes, findings, inputs } = await withOutput(opts.output, out, paths, async (sink) => {
    let findings = 0;
    // Every event is kept: the page shows the whole trace's span and the
    // scheduling and guest exits around findings, not only protocol events.
    const inputs = await forEachInput(opts.files, opts, async (input) => {
      const window = windowText(opts) === ""
        ? undefined
        : { resolve: (unit: TimeUnit) => windowOf(opts, unit), text: windowText(opts) };
      const r = await builder.add(input, checker, window);
      findings += r.findings.filter((f) => findingInWindow(f, windowOf(opts, r.timeUnit))).length;
    });
    const html = await renderReportPage(builder.data());
    await sink.write(html);
    return { bytes: new TextEncoder().encode(html).length, findings, inputs };
  }, (r) => r.inputs.failed === 0);
  if (!isStdout(opts.output) && inputs.failed === 0) {
    console.error(
      `kvmreq: wrote ${opts.output} (${(bytes / 1024).toFixed(0)} KB, ${findings} finding${
        findings === 1 ? "" : "s"
      })`,
    );
  }
  return exitCodeWith(EXIT.ok, inputs);
}
