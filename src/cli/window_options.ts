/**
 * `--from`, `--until`, `--vcpu` (and, where a finding's thread or CPU means
 * something, `--cpu` and `--comm`) for the commands that report on a trace:
 * lint, analyze, report and export. They select what is reported; the whole
 * input is still replayed (see `src/analysis/trace_window.ts`).
 *
 * @module
 */

import { multiple, object, option, optional } from "@optique/core";
import { message } from "@optique/core/message";
import { integer, string } from "@optique/core/valueparser";
import { findingInWindow, isWholeTrace, type TraceWindow } from "../analysis/trace_window.ts";
import type { LintResult } from "../check/lint_input.ts";
import type { TimeUnit } from "../events/types.ts";
import { commFilter } from "./name_filter.ts";
import { resolveTimeArg, type TimeArg, timeValue } from "./time_arg.ts";

const from = optional(option("--from", timeValue(), {
  description: message`Report only what happens at or after this time (seconds as the trace \
prints them, or ticks); events before it are still replayed, so state built earlier counts.`,
}));
const until = optional(option("--until", timeValue(), {
  description: message`Report only what happens at or before this time; the rest of the trace is \
still replayed, so nothing looks unfinished at the cut.`,
}));
const vcpu = multiple(option("--vcpu", integer({ min: 0, metavar: "VCPU" }), {
  description: message`Report only on this vCPU (repeatable).`,
}));

/** `--from`, `--until`, `--vcpu`. */
export const timeAndVcpuOptions = object({ from, until, vcpu });

/** `--from`, `--until`, `--vcpu`, `--cpu`, `--comm` (findings located on that CPU or thread). */
export const findingWindowOptions = object({
  from,
  until,
  vcpu,
  cpu: multiple(option("--cpu", integer({ min: 0 }), {
    description: message`Report only findings whose event was recorded on this CPU (repeatable).`,
  })),
  comm: multiple(option("--comm", string({ metavar: "GLOB" }), {
    description: message`Report only findings whose event's thread name matches (repeatable; \
${"*"} globs, e.g. ${"CPU */KVM"}).`,
  })),
});

/** The parsed window options (`cpu` and `comm` only where the command has them). */
export interface WindowArgs {
  /** `--from`: the window's start. */
  readonly from?: TimeArg;
  /** `--until`: the window's end. */
  readonly until?: TimeArg;
  /** `--vcpu`: the vCPUs to report on (empty: all). */
  readonly vcpu: readonly number[];
  /** `--cpu`: the CPUs findings must be located on (empty: all). */
  readonly cpu?: readonly number[];
  /** `--comm`: globs the thread of a finding's event must match (empty: all). */
  readonly comm?: readonly string[];
}

/** The window `args` select, in the trace's time unit. */
export function windowOf(args: WindowArgs, unit: TimeUnit | undefined): TraceWindow {
  return {
    ...(args.from === undefined ? {} : { from: resolveTimeArg(args.from, unit) }),
    ...(args.until === undefined ? {} : { until: resolveTimeArg(args.until, unit) }),
    ...(args.vcpu.length === 0 ? {} : { vcpus: new Set(args.vcpu) }),
    ...(args.cpu === undefined || args.cpu.length === 0 ? {} : { cpus: new Set(args.cpu) }),
    ...(args.comm === undefined || args.comm.length === 0 ? {} : { comm: commFilter(args.comm) }),
  };
}

/** The window in words, for a report's footer: `2544.06 to 2545.0, vCPU 1`; `""` for the whole trace. */
export function windowText(args: WindowArgs): string {
  const parts: string[] = [];
  if (args.from !== undefined || args.until !== undefined) {
    parts.push(`${args.from?.text ?? "start"} to ${args.until?.text ?? "end"}`);
  }
  if (args.vcpu.length > 0) parts.push(`vCPU ${args.vcpu.join(", ")}`);
  if (args.cpu !== undefined && args.cpu.length > 0) parts.push(`CPU ${args.cpu.join(", ")}`);
  if (args.comm !== undefined && args.comm.length > 0) {
    parts.push(`threads ${args.comm.map((c) => JSON.stringify(c)).join(", ")}`);
  }
  return parts.join(", ");
}

/**
 * `result` with only the findings inside the window `args` select (the
 * whole input was replayed), and the window noted; `result` itself when
 * there is no window.
 */
export function inWindow(result: LintResult, args: WindowArgs): LintResult {
  const w = windowOf(args, result.timeUnit);
  if (isWholeTrace(w)) return result;
  return {
    ...result,
    findings: result.findings.filter((f) => findingInWindow(f, w)),
    window: { text: windowText(args), findingsInInput: result.findings.length },
  };
}
