/**
 * The human-readable lint report, in the spirit of ESLint's stylish format:
 * findings grouped by file, each with its evidence lines and seed section,
 * then coverage and a summary line.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import type { LintResult } from "../check/lint_input.ts";
import { describeNeeds } from "../check/coverage.ts";
import type { Finding } from "../rules/finding.ts";
import { countByRule, type FindingGroup, groupFindings } from "../check/finding_groups.ts";
import { ruleById } from "../rules/index.ts";
import type { Severity } from "../rules/rule.ts";
import { evidenceText, stackBelowTracing } from "./evidence.ts";
import { termSafe } from "./term_safe.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import { type Palette, PLAIN } from "./palette.ts";

/** How the text report is written. */
export interface LintTextOptions {
  /** Say what every unchecked rule needs. */
  readonly verbose?: boolean;
  /**
   * Show identical findings (same rule, site and vCPU) once, with their count.
   * @default true
   */
  readonly group?: boolean;
  /**
   * Colours.
   * @default PLAIN
   */
  readonly palette?: Palette;
}

/** Stack frames shown under an evidence line. */
const STACK_FRAMES_SHOWN = 6;

/** Findings per severity. */
export function countBySeverity(results: readonly LintResult[]): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const r of results) for (const f of r.findings) n[f.severity]++;
  return n;
}

/**
 * One finding with its evidence and seed section, as the text report prints
 * it; for a group of identical findings, its first with a line giving their
 * count and the first and last time.
 */
export function findingText(
  f: Finding,
  unit: TimeUnit,
  palette: Palette = PLAIN,
  group?: FindingGroup,
): string {
  const c = palette;
  let text = `  ${c.dim(String(f.at.line).padStart(7))}  ${
    c.severity(f.severity, f.severity.padEnd(7))
  }  ${c.ruleId(f.ruleId)}  ${termSafe(f.message)}\n`;
  for (const e of f.evidence) {
    text += `           ${c.dim(`${String(e.line).padStart(7)} |`)} ${
      termSafe(evidenceText(e, unit))
    }\n`;
    if (e.stack !== undefined) {
      const below = stackBelowTracing(e.stack);
      const shown = below.slice(0, STACK_FRAMES_SHOWN);
      text += `${" ".repeat(21)}${c.dim("stack:")} ${termSafe(shown.join(" <- "))}${
        e.stack.length > shown.length ? " <- …" : ""
      }\n`;
    }
  }
  if (group !== undefined && group.count > 1) text += groupLine(group, unit, c);
  if (f.confidence === "lowered") {
    text += `           confidence lowered: ${termSafe(f.confidenceNote ?? "")}\n`;
  }
  text += `           ${c.dim(`seed: ${f.seedSections.map((s) => `"${s}"`).join(", ")}`)}\n`;
  return text;
}

/** `24 like this (same …): first at line L (T), last at line L (T); --no-group lists each`. */
function groupLine(g: FindingGroup, unit: TimeUnit, c: Palette): string {
  const at = (f: Finding) =>
    `line ${f.at.line}${f.at.ts >= 0n ? ` (${formatTimestamp(f.at.ts, unit)})` : ""}`;
  const same = g.first.site !== undefined
    ? "same rule, site and vCPU"
    : "same rule, vCPU and message";
  return `           ${c.severity(g.first.severity, `${g.count} like this`)} (${same}): first at ${
    at(g.first)
  }, last at ${at(g.last)}; --no-group lists each\n`;
}

/** The report for one input. */
export function formatLintFileText(r: LintResult, options: LintTextOptions = {}): string {
  const palette = options.palette ?? PLAIN;
  let text = `${termSafe(r.file)}\n`;
  if (options.group === false) {
    for (const f of r.findings) text += findingText(f, r.timeUnit, palette);
  } else {
    for (const g of groupFindings(r.findings)) {
      text += findingText(g.first, r.timeUnit, palette, g);
    }
  }
  return text + formatLintFileFooter(r, options.verbose === true);
}

/**
 * What the trace lost, from its lost-events marks: `the trace lost 12
 * event(s)`, or, for marks without a count (a damaged trace.dat page, a
 * `CPU:N [LOST EVENTS]` line), where it lost some; `undefined` when nothing.
 */
function lossText(stats: LintResult["stats"]): string | undefined {
  const counted = [...stats.lostByCpu.values()].reduce((a, b) => a + b, 0);
  const uncounted = [...stats.lostMarkersWithoutCount.values()].reduce((a, b) => a + b, 0);
  if (uncounted === 0) return counted > 0 ? `the trace lost ${counted} event(s)` : undefined;
  const cpus = [...stats.lostMarkersWithoutCount.keys()].sort((a, b) => a - b).join(", ");
  return `the trace lost events at ${uncounted} place(s) that do not say how many (CPU ${cpus})` +
    (counted > 0 ? `, and ${counted} counted event(s)` : "");
}

/** What follows one input's findings: undecodable events, skipped lines, losses, coverage. */
export function formatLintFileFooter(r: LintResult, verbose: boolean): string {
  let text = "";
  if (r.decodeProblemCount > 0) {
    text +=
      `  ${r.decodeProblemCount} protocol event(s) could not be decoded and were not checked:\n`;
    for (const p of r.decodeProblems) {
      text += `    ${termSafe(`${r.file}:${p.line}: ${p.reason}`)}\n`;
    }
  }
  if (r.stats.skippedLines > 0) {
    const reasons = [...r.stats.skipped.entries()].map(([k, v]) => `${k} ${v.count}`).join(", ");
    text += `  ${r.stats.skippedLines} line(s) skipped (${reasons}); \`kvmreq stats\` lists them\n`;
  }
  if (r.stats.damaged.count > 0) {
    text += `  ${r.stats.damaged.count} damaged part(s) of the trace.dat skipped, their events ` +
      `missing (first: ${termSafe(r.stats.damaged.examples[0])})\n`;
  }
  const losses = lossText(r.stats);
  if (losses !== undefined) {
    text += `  ${losses}; findings near the losses have lowered confidence\n`;
  }
  if (r.stats.outOfOrder > 0) {
    text += `  ${r.stats.outOfOrder} event(s) earlier than one before them (first at line ` +
      `${r.stats.firstOutOfOrderLine}): the model took them in the order of the lines, and ` +
      "latencies across them may be wrong\n";
  }
  if (r.unidentifiedKicks > 0) {
    text +=
      `  ${r.unidentifiedKicks} kick(s) targeted a thread not identified as a vCPU (reported without a vCPU id)\n`;
  }
  if (r.window !== undefined) {
    text +=
      `  window ${r.window.text}: ${r.findings.length} of the input's ${r.window.findingsInInput} finding(s) are inside it (the whole input was replayed)\n`;
  }
  const c = r.coverage;
  text += `  ${r.kernel.note}\n`;
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
export function formatLintText(
  results: readonly LintResult[],
  options: LintTextOptions = {},
): string {
  return results.map((r) => formatLintFileText(r, options)).join("\n") +
    formatLintTotals(results, options.palette);
}

/** The closing summary line, and each rule that fired with its count and description. */
export function formatLintTotals(results: readonly LintResult[], palette: Palette = PLAIN): string {
  let text = "";
  const n = countBySeverity(results);
  const total = n.error + n.warning + n.info;
  const unchecked = results.filter((r) => r.coverage.checked.length === 0).length;
  const mark = total > 0 ? "✖" : unchecked > 0 ? "⚠" : "✔";
  let line = `${mark} ${total} finding${total === 1 ? "" : "s"} ` +
    `(${n.error} error${n.error === 1 ? "" : "s"}, ${n.warning} warning${
      n.warning === 1 ? "" : "s"
    }, ` +
    `${n.info} info) in ${results.length} file${results.length === 1 ? "" : "s"}`;
  line += unchecked === 0
    ? ""
    : unchecked < results.length
    ? `, but no rule could be checked in ${unchecked} of them`
    : `, but no rule could be checked in ${results.length === 1 ? "it" : "any of them"}`;
  const kind = n.error > 0 ? "bad" : total > 0 || unchecked > 0 ? "warn" : "good";
  text += `\n${palette.summary(kind, line)}\n`;
  if (total > 0) {
    const counts = countByRule(results.flatMap((r) => r.findings));
    const width = Math.max(...counts.map(([, k]) => String(k).length));
    for (const [id, k] of counts.sort((a, b) => a[0].localeCompare(b[0]))) {
      text += `  ${String(k).padStart(width)} ${palette.ruleId(id)}: ${
        ruleById(id)?.meta.description ?? ""
      }\n`;
    }
  }
  return text;
}
