/**
 * Sections of the documentation generated from code, so documentation and
 * checker cannot drift: between `<!-- NAME:begin -->` and `<!-- NAME:end -->`
 * the README holds the rule table (`rules`), the seed-section → rules index
 * (`seeds`) and the mode automaton (`modes`, from `MODE_TRANSITIONS`), and
 * docs/semantics.md the same mode table. `deno task generate` rewrites them;
 * tests/docs/readme_test.ts fails when one is stale.
 *
 * @module
 */

import { modelToMarkdown } from "./model_render.ts";
import { formatRuleCatalog, formatSeedIndex } from "./rule_catalog.ts";

/** A generated section's name (its marker). */
export type SectionName = "rules" | "seeds" | "modes";

/** Every document with generated sections: its path from the repository root and their names. */
export const GENERATED_DOCS: readonly {
  readonly path: string;
  readonly sections: readonly SectionName[];
}[] = [
  { path: "README.md", sections: ["rules", "seeds", "modes"] },
  { path: "docs/semantics.md", sections: ["modes"] },
];

/** The generated sections by marker name. */
export function generatedSections(): Record<SectionName, string> {
  return { rules: formatRuleCatalog(), seeds: formatSeedIndex(), modes: modelToMarkdown() };
}

/**
 * `text` with each of the sections `names` replaced by its current content;
 * throws when `text` lacks the markers of one of them.
 */
export function replaceGeneratedSections(
  text: string,
  names: readonly SectionName[] = ["rules", "seeds", "modes"],
): string {
  const sections = generatedSections();
  let out = text;
  for (const name of names) {
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`no ${begin} … ${end} section`);
    out = out.slice(0, i + begin.length) + "\n" + sections[name] + out.slice(j);
  }
  return out;
}
