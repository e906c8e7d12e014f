/**
 * The rule catalog as a Markdown table, generated from the rules' metadata
 * (the README's rule list comes from here, never written twice).
 *
 * @module
 */

import { describeNeeds } from "../check/coverage.ts";
import { RULES } from "../rules/index.ts";
import { SEED_SECTIONS } from "../rules/seed_sections.ts";

/** Markdown: one row per rule. */
export function formatRuleCatalog(): string {
  let text = "| id | severity | seed sections | catches | needs |\n|---|---|---|---|---|\n";
  for (const r of RULES) {
    const m = r.meta;
    text += `| \`${m.id}\` | ${m.severity} | ${m.seedSections.join(", ")} | ${m.description} | ${
      describeNeeds(m.needs)
    } |\n`;
  }
  return text;
}

/**
 * Markdown: the seed document's sections in its order, each with the rules
 * that enforce it (main section first in a rule's list, marked when not).
 */
export function formatSeedIndex(): string {
  let text = "| seed section | rules |\n|---|---|\n";
  for (const section of SEED_SECTIONS) {
    const rules = RULES.filter((r) => r.meta.seedSections.includes(section)).map((r) =>
      r.meta.seedSections[0] === section ? `\`${r.meta.id}\`` : `\`${r.meta.id}\` (also)`
    );
    if (rules.length > 0) text += `| ${section} | ${rules.join(", ")} |\n`;
  }
  return text;
}
