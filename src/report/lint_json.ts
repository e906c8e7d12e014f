/**
 * The JSON lint report and its zod schema (the contract for tools that read
 * `kvmreq lint --format json`).
 *
 * @module
 */

import { z } from "zod";
import type { LintResult } from "../rules/lint_input.ts";
import type { EventOrigin } from "../model/model_event.ts";
import { evidenceText } from "./evidence.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";

const evidenceSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  timestamp: z.string(),
  text: z.string(),
  stack: z.array(z.string()).optional(),
});

/** One finding in the JSON report. */
export const jsonFindingSchema = z.object({
  ruleId: z.string(),
  severity: z.enum(["error", "warning", "info"]),
  seedSection: z.string(),
  vm: z.string(),
  vcpu: z.number().int().nullable(),
  file: z.string(),
  line: z.number().int(),
  timestamp: z.string(),
  message: z.string(),
  evidence: z.array(evidenceSchema).min(1),
  confidence: z.enum(["normal", "lowered"]),
  confidenceNote: z.string().optional(),
});

/** The JSON report: one entry per input, and totals. */
export const lintReportSchema = z.object({
  tool: z.object({ name: z.literal("kvmreq"), version: z.string() }),
  files: z.array(z.object({
    file: z.string(),
    format: z.string().nullable(),
    timeUnit: z.enum(["ns", "ticks"]),
    events: z.number().int(),
    lines: z.number().int(),
    skippedLines: z.number().int(),
    lostEvents: z.number().int(),
    vcpus: z.number().int(),
    findings: z.array(jsonFindingSchema),
    checkedRules: z.array(z.string()),
    notCheckedRules: z.array(z.object({ id: z.string(), needs: z.array(z.array(z.string())) })),
    undecodedProtocolEvents: z.number().int(),
  })),
  totals: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
});

/** The JSON report's type. */
export type LintReport = z.infer<typeof lintReportSchema>;

function evidence(o: EventOrigin, r: LintResult) {
  return {
    file: o.file,
    line: o.line,
    timestamp: formatTimestamp(o.ts, r.timeUnit),
    text: evidenceText(o, r.timeUnit),
    ...(o.stack === undefined ? {} : { stack: [...o.stack] }),
  };
}

/** Builds the JSON report. */
export function buildLintReport(results: readonly LintResult[], version: string): LintReport {
  const totals = { error: 0, warning: 0, info: 0 };
  const files = results.map((r) => {
    for (const f of r.findings) totals[f.severity]++;
    return {
      file: r.file,
      format: r.stats.format ?? null,
      timeUnit: r.timeUnit,
      events: r.stats.events,
      lines: r.stats.lines,
      skippedLines: r.stats.skippedLines,
      lostEvents: [...r.stats.lostByCpu.values()].reduce((a, b) => a + b, 0),
      vcpus: r.vcpus,
      findings: r.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        seedSection: f.seedSection,
        vm: f.vm,
        vcpu: f.vcpu ?? null,
        file: f.at.file,
        line: f.at.line,
        timestamp: formatTimestamp(f.at.ts, r.timeUnit),
        message: f.message,
        evidence: f.evidence.map((e) => evidence(e, r)),
        confidence: f.confidence,
        ...(f.confidenceNote === undefined ? {} : { confidenceNote: f.confidenceNote }),
      })),
      checkedRules: r.coverage.checked.map((c) => c.id),
      notCheckedRules: r.coverage.notChecked.map((n) => ({
        id: n.id,
        needs: n.needs.map((a) => [...a]),
      })),
      undecodedProtocolEvents: r.decodeProblemCount,
    };
  });
  return { tool: { name: "kvmreq", version }, files, totals };
}
