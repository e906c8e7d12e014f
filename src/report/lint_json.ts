/**
 * The JSON lint report (its zod schema, the contract for tools that read
 * `kvmreq lint --format json`, is in `lint_json_schema.ts`).
 *
 * @module
 */

import type { LintReport } from "./lint_json_schema.ts";

export type { LintReport } from "./lint_json_schema.ts";
import type { LintResult } from "../check/lint_input.ts";
import type { EventOrigin } from "../events/model_event.ts";
import { evidenceText } from "./evidence.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import { countByRule, groupKey } from "../check/finding_groups.ts";

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
      ...(r.stats.damaged.count === 0 ? {} : { damagedParts: r.stats.damaged.count }),
      lostEvents: [...r.stats.lostByCpu.values()].reduce((a, b) => a + b, 0),
      vcpus: r.vcpus,
      kernel: {
        version: r.kernel.version,
        arch: r.kernel.arch,
        release: r.kernel.release ?? null,
        source: r.kernel.source,
        note: r.kernel.note,
      },
      findings: r.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        seedSections: [...f.seedSections],
        vm: f.vm,
        vcpu: f.vcpu ?? null,
        file: f.at.file,
        line: f.at.line,
        timestamp: formatTimestamp(f.at.ts, r.timeUnit),
        message: f.message,
        evidence: f.evidence.map((e) => evidence(e, r)),
        confidence: f.confidence,
        ...(f.confidenceNote === undefined ? {} : { confidenceNote: f.confidenceNote }),
        ...(f.site === undefined ? {} : { site: f.site }),
        group: groupKey(f),
      })),
      checkedRules: r.coverage.checked.map((c) => c.id),
      notCheckedRules: r.coverage.notChecked.map((n) => ({
        id: n.id,
        needs: n.needs.map((a) => [...a]),
      })),
      undecodedProtocolEvents: r.decodeProblemCount,
      ...(r.window === undefined ? {} : { window: { ...r.window } }),
    };
  });
  const byRule = Object.fromEntries(countByRule(results.flatMap((r) => r.findings)));
  return { tool: { name: "kvmreq", version }, files, totals: { ...totals, byRule } };
}
