/**
 * SARIF 2.1.0 output for code-scanning UIs and CI: the rule catalog as
 * `tool.driver.rules` (generated from the rules' metadata), one result per
 * finding with the trace file and line as its physical location and the
 * evidence as related locations.
 *
 * @module
 */

import type { LintResult } from "../check/lint_input.ts";
import { RULES } from "../rules/index.ts";
import type { Severity } from "../rules/rule.ts";
import { evidenceText } from "./evidence.ts";
import { groupKey } from "../check/finding_groups.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";

/** The SARIF schema URI written into every log. */
export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
};

/** Where the seed document lives, for rule help links. */
const SEED_URI = "https://docs.kernel.org/virt/kvm/vcpu-requests.html";

/** Builds a SARIF log of `results`. */
export function buildSarif(
  results: readonly LintResult[],
  version: string,
): Record<string, unknown> {
  const ruleIndex = new Map(RULES.map((r, i) => [r.meta.id, i]));
  const sarifResults = results.flatMap((r) =>
    r.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{
        physicalLocation: {
          artifactLocation: { uri: f.at.file },
          region: { startLine: f.at.line, snippet: { text: evidenceText(f.at, r.timeUnit) } },
        },
      }],
      relatedLocations: f.evidence.map((e, id) => ({
        id,
        message: { text: evidenceText(e, r.timeUnit) },
        physicalLocation: { artifactLocation: { uri: e.file }, region: { startLine: e.line } },
      })),
      properties: {
        vm: f.vm,
        vcpu: f.vcpu ?? null,
        timestamp: formatTimestamp(f.at.ts, r.timeUnit),
        seedSections: f.seedSections,
        confidence: f.confidence,
        ...(f.site === undefined ? {} : { site: f.site }),
        group: groupKey(f),
      },
    }))
  );
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "kvmreq",
          version,
          informationUri: SEED_URI,
          rules: RULES.map((rule) => ({
            id: rule.meta.id,
            name: rule.meta.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
            shortDescription: { text: rule.meta.description },
            fullDescription: { text: rule.meta.help },
            help: {
              text: `${rule.meta.help}\n\nSeed section${
                rule.meta.seedSections.length > 1 ? "s" : ""
              }: ${rule.meta.seedSections.map((s) => `"${s}"`).join(", ")}.`,
            },
            helpUri: SEED_URI,
            defaultConfiguration: { level: LEVEL[rule.meta.severity] },
            properties: { seedSections: rule.meta.seedSections },
          })),
        },
      },
      artifacts: results.map((r) => ({ location: { uri: r.file }, length: r.stats.bytes })),
      results: sarifResults,
      columnKind: "unicodeCodePoints",
    }],
  };
}
