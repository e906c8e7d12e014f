/**
 * The human-readable lint report, in the spirit of ESLint's stylish format:
 * findings grouped by file, each with its evidence lines and seed section,
 * then coverage and a summary line.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import type { LintResult } from "../rules/lint_input.ts";
import { describeNeeds } from "../rules/coverage.ts";
import type { Finding } from "../rules/finding.ts";
import { ruleById } from "../rules/index.ts";
import type { Severity } from "../rules/rule.ts";
import { evidenceText } from "./evidence.ts";

/** Stack frames shown under an evidence line. */
const STACK_FRAMES_SHOWN = 6;

/** Findings per severity. */
export function countBySeverity(results: readonly LintResult[]): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const r of results) for (const f of r.findings) n[f.severity]++;
  return n;
}

/** One finding with its evidence and seed section, as the text report prints it. */
export function findingText(f: Finding, unit: TimeUnit): string {
  let text = `  ${String(f.at.line).padStart(7)}  ${
    f.severity.padEnd(7)
  }  ${f.ruleId}  ${f.message}\n`;
  for (const e of f.evidence) {
    text += `           ${String(e.line).padStart(7)} | ${evidenceText(e, unit)}\n`;
    if (e.stack !== undefined) {
      // Skip the tracing machinery's own frames at the top.
      const from = e.stack.findIndex((f) =>
        !/^(trace_|__traceiter_|perf_trace_|event_triggers_)/.test(f)
      );
      const shown = e.stack.slice(Math.max(0, from), Math.max(0, from) + STACK_FRAMES_SHOWN);
      text += `${" ".repeat(21)}stack: ${shown.join(" <- ")}${
        e.stack.length > shown.length ? " <- …" : ""
      }\n`;
    }
  }
  if (f.confidence === "lowered") text += `           confidence lowered: ${f.confidenceNote}\n`;
  text += `           seed: "${f.seedSection}"\n`;
  return text;
}

/** The report for one input. */
export function formatLintFileText(r: LintResult, verbose: boolean): string {
  let text = `${r.file}\n`;
  for (const f of r.findings) text += findingText(f, r.timeUnit);
  return text + formatLintFileFooter(r, verbose);
}

/** What follows one input's findings: undecodable events, skipped lines, losses, coverage. */
export function formatLintFileFooter(r: LintResult, verbose: boolean): string {
  let text = "";
  if (r.decodeProblemCount > 0) {
    text +=
      `  ${r.decodeProblemCount} protocol event(s) could not be decoded and were not checked:\n`;
    for (const p of r.decodeProblems) text += `    ${r.file}:${p.line}: ${p.reason}\n`;
  }
  if (r.stats.skippedLines > 0) {
    const reasons = [...r.stats.skipped.entries()].map(([k, v]) => `${k} ${v.count}`).join(", ");
    text += `  ${r.stats.skippedLines} line(s) skipped (${reasons}); \`kvmreq stats\` lists them\n`;
  }
  const lost = [...r.stats.lostByCpu.values()].reduce((a, b) => a + b, 0);
  if (lost > 0 || r.stats.lostMarkersWithoutCount.size > 0) {
    text += `  the trace lost ${lost} event(s); findings near the losses have lowered confidence\n`;
  }
  if (r.unidentifiedKicks > 0) {
    text +=
      `  ${r.unidentifiedKicks} kick(s) targeted a thread not identified as a vCPU (reported without a vCPU id)\n`;
  }
  const c = r.coverage;
  text += `  checked ${c.checked.length} of ${c.checked.length + c.notChecked.length} rules` +
    ` (${r.stats.events} events, ${r.vcpus} vCPU${r.vcpus === 1 ? "" : "s"})\n`;
  if (verbose) {
    for (const n of c.notChecked) {
      text += `    not checked: ${n.id} (needs ${describeNeeds(n.needs)})\n`;
    }
  } else if (c.notChecked.length > 0) {
    text += `    not checked: ${
      c.notChecked.map((n) => n.id).join(", ")
    } (--verbose says what each needs)\n`;
  }
  return text;
}

/** The whole text report. */
export function formatLintText(results: readonly LintResult[], verbose: boolean): string {
  return results.map((r) => formatLintFileText(r, verbose)).join("\n") + formatLintTotals(results);
}

/** The closing summary line and the ids of the rules that fired. */
export function formatLintTotals(results: readonly LintResult[]): string {
  let text = "";
  const n = countBySeverity(results);
  const total = n.error + n.warning + n.info;
  const unchecked = results.filter((r) => r.coverage.checked.length === 0).length;
  const mark = total > 0 ? "✖" : unchecked > 0 ? "⚠" : "✔";
  text += `\n${mark} ${total} finding${total === 1 ? "" : "s"} ` +
    `(${n.error} error${n.error === 1 ? "" : "s"}, ${n.warning} warning${
      n.warning === 1 ? "" : "s"
    }, ` +
    `${n.info} info) in ${results.length} file${results.length === 1 ? "" : "s"}`;
  text += unchecked === 0
    ? "\n"
    : unchecked < results.length
    ? `, but no rule could be checked in ${unchecked} of them\n`
    : `, but no rule could be checked in ${results.length === 1 ? "it" : "any of them"}\n`;
  if (total > 0) {
    const ids = [...new Set(results.flatMap((r) => r.findings.map((f) => f.ruleId)))].sort();
    for (const id of ids) text += `  ${id}: ${ruleById(id)?.meta.description ?? ""}\n`;
  }
  return text;
}
