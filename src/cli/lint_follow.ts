/**
 * `kvmreq lint --follow`: lints a live input (a FIFO such as trace_pipe, or
 * a file still being written), printing each finding as soon as the events
 * that prove it have arrived, and a summary with what is still open on EOF
 * or SIGINT.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import { openFollowSource } from "../ingest/follow_source.ts";
import { readTraceFrom } from "../ingest/read_trace.ts";
import { MODEL_EVENT_NAMES, STACK_EVENTS_USED } from "../events/normalize.ts";
import { findingText, formatLintFileFooter, formatLintTotals } from "../report/lint_text.ts";
import { type Palette, PLAIN } from "../report/palette.ts";
import type { CheckerOptions } from "../check/checker.ts";
import type { Finding } from "../rules/finding.ts";
import { lintInput, type LintResult } from "../check/lint_input.ts";
import type { TextSink } from "./output.ts";
import { termSafe } from "../report/term_safe.ts";
import { inWindow, type WindowArgs, windowOf } from "./window_options.ts";
import { findingInWindow } from "../analysis/trace_window.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import { groupKey } from "../check/finding_groups.ts";

/** Reading options of a followed input, and the colours of its output. */
export interface FollowReadOptions {
  /** `--input-format`: the format to read, instead of detecting it. */
  readonly inputFormat?: import("../events/types.ts").InputFormat;
  /** `--strict`: stop at the first unreadable line. */
  readonly strict?: boolean;
  /** The name the input is shown and reported under (default: its path). */
  readonly name?: string;
  /**
   * The colours of the output.
   *
   * @default PLAIN
   */
  readonly palette?: Palette;
  /** Print only the findings inside this window (the whole input is replayed). */
  readonly window?: WindowArgs;
  /**
   * Print a finding identical to one already printed (same rule, site and
   * vCPU) only as a count at the end.
   * @default true
   */
  readonly group?: boolean;
}

/** What is still undecided when a followed input ends. */
export function openItems(result: LintResult, unit: TimeUnit): string[] {
  const lines: string[] = [];
  const last = result.checker.model.lastEvent?.origin.ts;
  for (const v of result.checker.model.allVcpus()) {
    const label = v.vm === "0" ? `vCPU ${v.vcpu}` : `VM ${v.vm} vCPU ${v.vcpu}`;
    for (const p of v.pending.values()) {
      const age = last === undefined || unit !== "ns"
        ? ""
        : ` for ${(Number(last - p.made.origin.ts) / 1e6).toFixed(3)} ms`;
      lines.push(
        `${label}: ${
          p.request.name ?? p.request.text
        } pending${age} (made at line ${p.made.origin.line})`,
      );
    }
    if (v.blockedSince !== undefined) {
      lines.push(`${label}: blocked since line ${v.blockedSince.origin.line}`);
    }
  }
  return lines;
}

/** Follows `path` until EOF or `signal`; returns the result. */
export async function followLint(
  path: string,
  read: FollowReadOptions,
  checker: Omit<CheckerOptions, "onFinding">,
  out: TextSink,
  signal: AbortSignal,
  writerDone?: AbortSignal,
): Promise<LintResult> {
  const source = await openFollowSource(path, { signal, writerDone, name: read.name });
  const shown = read.name ?? path;
  const reader = readTraceFrom(source, {
    format: read.inputFormat,
    strict: read.strict,
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
    stackEvents: STACK_EVENTS_USED,
  });
  const queue: Finding[] = [];
  const palette = read.palette ?? PLAIN;
  /** Groups of identical findings: the first printed, the rest counted. */
  const groups = new Map<string, { first: Finding; last: Finding; count: number }>();
  const flush = async () => {
    const unit = reader.stats.timeUnit ?? "ns";
    const w = windowOf(read.window ?? { vcpu: [] }, reader.stats.timeUnit);
    for (const f of queue.splice(0)) {
      if (!findingInWindow(f, w)) continue;
      if (read.group !== false) {
        const key = groupKey(f);
        const g = groups.get(key);
        if (g !== undefined) {
          g.count++;
          g.last = f;
          continue;
        }
        groups.set(key, { first: f, last: f, count: 1 });
      }
      await out.write(findingText(f, unit, palette));
    }
    await out.flush();
  };
  await out.write(`following ${termSafe(shown)} (Ctrl-C to stop)\n`);
  await out.flush();
  const result = await lintInput(
    { path: shown, reader, batches: () => reader.batches() },
    { ...checker, onFinding: (f) => queue.push(f) },
    undefined,
    flush,
  );
  await flush();
  const repeated = [...groups.values()].filter((g) => g.count > 1);
  if (repeated.length > 0) {
    await out.write(`\nrepeated (printed once above; --no-group prints each):\n`);
    for (const g of repeated) {
      await out.write(
        `  ${g.count} like line ${g.first.at.line} (${g.first.ruleId}): last at line ${g.last.at.line} (${
          formatTimestamp(g.last.at.ts, result.timeUnit)
        })\n`,
      );
    }
  }
  const reported = read.window === undefined ? result : inWindow(result, read.window);
  await out.write(
    `\n${termSafe(shown)}: end of input\n${formatLintFileFooter(reported, false)}${
      formatLintTotals([reported], palette)
    }`,
  );
  const open = openItems(result, result.timeUnit);
  if (open.length > 0) {
    await out.write(
      `still open at the end:\n${open.map((l) => `  ${termSafe(l)}\n`).join("")}`,
    );
  }
  return reported;
}
