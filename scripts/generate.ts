/**
 * Regenerates the documentation sections that come from code (the README's
 * rule table, seed-section index and mode table; docs/semantics.md's mode
 * table): `deno task generate`, then review the diff.
 *
 * @module
 */

import { GENERATED_DOCS, replaceGeneratedSections } from "../src/report/generated_docs.ts";

const root = new URL("../", import.meta.url);
for (const doc of GENERATED_DOCS) {
  const url = new URL(doc.path, root);
  const text = await Deno.readTextFile(url);
  const next = replaceGeneratedSections(text, doc.sections);
  if (next !== text) {
    await Deno.writeTextFile(url, next);
    console.log(`updated ${doc.path}`);
  }
}
