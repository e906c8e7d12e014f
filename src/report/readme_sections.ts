/**
 * README sections generated from code, so documentation and checker cannot
 * drift: `<!-- rules:begin -->…<!-- rules:end -->` and the same for `seeds`
 * and `modes`.
 *
 * @module
 */

import { modelToMarkdown } from "./model_render.ts";
import { formatRuleCatalog, formatSeedIndex } from "./rule_catalog.ts";

/** The generated sections by marker name. */
export function generatedSections(): Record<string, string> {
  return { rules: formatRuleCatalog(), seeds: formatSeedIndex(), modes: modelToMarkdown() };
}

/** `text` with every generated section replaced by its current content. */
export function replaceGeneratedSections(text: string): string {
  let out = text;
  for (const [name, body] of Object.entries(generatedSections())) {
    const begin = `<!-- ${name}:begin -->`;
    const end = `<!-- ${name}:end -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README has no ${begin} … ${end} section`);
    out = out.slice(0, i + begin.length) + "\n" + body + out.slice(j);
  }
  return out;
}
