/**
 * Test helpers for `kvmreq export` and `kvmreq report`: sample traces (the
 * hand-written protocol fixture, an explorer counterexample, a simulated
 * 4-vCPU trace with planted bugs, the hostile trace) written to a temporary
 * directory, and the commands run on them with default options.
 *
 * @module
 */

import { type ExportOptions, runExport } from "../../src/cli/export_command.ts";
import { memorySink } from "../../src/cli/output.ts";
import { type ReportOptions, runReport } from "../../src/cli/report_command.ts";
import { counterexampleTrace, exploreProtocol } from "../../src/explore/explore.ts";
import { lintText } from "../lint/lint_helpers.ts";
import type { LintResult } from "../../src/check/lint_input.ts";
import { parseTimeArg, type TimeArg } from "../../src/cli/time_arg.ts";

/** The repository's `fixtures/report/` directory. */
export const FIXTURES = new URL("../../fixtures/report/", import.meta.url);

/** A sample trace: a name and its text. */
export interface Sample {
  readonly name: string;
  readonly text: string;
}

/** The hand-written protocol trace (one vCPU, three findings). */
export function protocolSample(): Sample {
  return {
    name: "protocol.trace",
    text: Deno.readTextFileSync(new URL("protocol.trace", FIXTURES)),
  };
}

/** The hostile trace: comm `<svg onload=a>`, fields holding `</script>`. */
export function hostileSample(): Sample {
  return { name: "hostile.trace", text: Deno.readTextFileSync(new URL("hostile.trace", FIXTURES)) };
}

/** The explorer's shortest counterexample for the no-barrier variant under x86-TSO. */
export function counterexampleSample(): Sample {
  const r = exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" });
  return { name: "no-barrier-tso.trace", text: counterexampleTrace(r) };
}

/**
 * A simulated trace (fixtures/report/sim4.trace: `kvmreq`'s simulator, 4 vCPUs,
 * 3 requesters, every bug planted at rate 0.01, seed 11; blocked vCPUs,
 * kvm_make_all_cpus_request, READING_SHADOW_PAGE_TABLES, posted interrupts).
 */
export function simulatedSample(): Sample {
  return { name: "sim4.trace", text: Deno.readTextFileSync(new URL("sim4.trace", FIXTURES)) };
}

/** The real kernel traces under `traces/`, when that directory holds any. */
export function realSamples(): Sample[] {
  const dir = new URL("../../traces/", import.meta.url);
  const out: Sample[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile || !e.name.endsWith(".trace")) continue;
      out.push({ name: e.name, text: Deno.readTextFileSync(new URL(e.name, dir)) });
    }
  } catch {
    // No traces/ directory: nothing to add.
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * `sample` repeated `times` times, each copy shifted later by the trace's
 * span plus 1 ms (a long trace with the same content).
 */
export function repeatedSample(sample: Sample, times: number): Sample {
  const lines = sample.text.split("\n");
  const header = lines.filter((l) => l.startsWith("#"));
  const events = lines.filter((l) => l !== "" && !l.startsWith("#"));
  const ts = (l: string) => Number(/ (\d+)\.(\d{6}): /.exec(l)?.slice(1).join("") ?? "0");
  const span = ts(events[events.length - 1]) - ts(events[0]) + 1000;
  const out = [...header];
  for (let k = 0; k < times; k++) {
    for (const l of events) {
      out.push(l.replace(/ (\d+)\.(\d{6}): /, (_, s, us) => {
        const t = Number(s) * 1_000_000 + Number(us) + k * span;
        return ` ${Math.floor(t / 1_000_000)}.${String(t % 1_000_000).padStart(6, "0")}: `;
      }));
    }
  }
  return { name: `${times}x-${sample.name}`, text: out.join("\n") + "\n" };
}

/** Writes `sample` into `dir` and returns its path. */
export async function writeSample(dir: string, sample: Sample): Promise<string> {
  const path = `${dir}/${sample.name}`;
  await Deno.writeTextFile(path, sample.text);
  return path;
}

/** Lints a sample as `kvmreq lint` would (default rules). */
export function lintSample(sample: Sample): Promise<LintResult> {
  return lintText(sample.text, sample.name);
}

/** `kvmreq export --format perfetto FILE...` into memory; returns the JSON text. */
export async function exportFiles(
  files: string[],
  window: Partial<Pick<ExportOptions, "from" | "until" | "vcpu">> = {},
): Promise<string> {
  const out = memorySink();
  const opts: ExportOptions = {
    command: "export",
    format: "perfetto",
    output: undefined,
    from: undefined,
    until: undefined,
    vcpu: [],
    ...window,
    config: undefined,
    latencyThresholdMs: undefined,
    inputFormat: undefined,
    strict: undefined,
    buffer: undefined,
    kernel: undefined,
    arch: undefined,
    stockOnly: undefined,
    files,
  };
  await runExport(opts, out, "test");
  return out.text();
}

/** `kvmreq report -o OUT --max-intervals N --max-findings M FILE...`; returns the HTML. */
export async function reportFiles(
  files: string[],
  output: string,
  maxIntervals = 150_000,
  maxFindings = 1000,
  window: Partial<Pick<ReportOptions, "from" | "until" | "vcpu" | "cpu" | "comm">> = {},
): Promise<string> {
  const opts: ReportOptions = {
    command: "report",
    output,
    maxIntervals,
    maxFindings,
    from: undefined,
    until: undefined,
    vcpu: [],
    cpu: [],
    comm: [],
    ...window,
    config: undefined,
    latencyThresholdMs: undefined,
    inputFormat: undefined,
    strict: undefined,
    buffer: undefined,
    kernel: undefined,
    arch: undefined,
    stockOnly: undefined,
    files,
  };
  const quiet = console.error;
  console.error = () => {};
  try {
    await runReport(opts, memorySink(), "test");
  } finally {
    console.error = quiet;
  }
  return await Deno.readTextFile(output);
}

/** The JSON embedded in a report page. */
export function embeddedData(html: string): unknown {
  const open = '<script type="application/json" id="kvmreq-data">';
  const start = html.indexOf(open);
  if (start < 0) throw new Error("no embedded data");
  const end = html.indexOf("</script>", start);
  return JSON.parse(html.slice(start + open.length, end));
}

/** `ns` as a `--from`/`--until` argument (seconds with all nine decimals). */
export function timeArgOf(ns: bigint): TimeArg {
  return parseTimeArg(`${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`)!;
}

/**
 * A time window over `lint`'s findings that leaves the first and last `k`
 * outside: `[from, until]` in ns and as arguments.
 */
export function windowInside(
  lint: LintResult,
  k: number,
): { from: bigint; until: bigint; fromArg: TimeArg; untilArg: TimeArg } {
  const stamps = lint.findings.map((f) => f.at.ts).sort((a, b) => (a < b ? -1 : 1));
  const from = stamps[k];
  const until = stamps[stamps.length - k];
  return { from, until, fromArg: timeArgOf(from), untilArg: timeArgOf(until) };
}
