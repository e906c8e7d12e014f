/**
 * The rule catalog as a Markdown table, generated from the rules' metadata
 * (the README's rule list comes from here, never written twice).
 *
 * @module
 */

import { describeNeeds } from "../check/coverage.ts";
import { RULES } from "../rules/index.ts";

/** Markdown: one row per rule. */
export function formatRuleCatalog(): string {
  let text = "| id | severity | seed section | catches | needs |\n|---|---|---|---|---|\n";
  for (const r of RULES) {
    const m = r.meta;
    text += `| \`${m.id}\` | ${m.severity} | ${m.seedSection} | ${m.description} | ${
      describeNeeds(m.needs)
    } |\n`;
  }
  return text;
}
