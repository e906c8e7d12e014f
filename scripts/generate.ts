/**
 * Regenerates what comes from code: the rule catalog src/rules/index.ts
 * (from the rule files), then the documentation sections (the README's rule
 * table, seed-section index and mode table; docs/semantics.md's mode
 * table): `deno task generate`, then review the diff. The documentation runs
 * in a second process so that it sees the catalog just written.
 *
 * @module
 */

import { GENERATED_DOCS, replaceGeneratedSections } from "../src/report/generated_docs.ts";
import { currentRuleIndex } from "./rule_index.ts";

const root = new URL("../", import.meta.url);
if (!Deno.args.includes("--docs-only")) {
  const index = await currentRuleIndex(root);
  if (index.want !== index.text) {
    await Deno.writeTextFile(index.path, index.want);
    console.log("updated src/rules/index.ts");
  }
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", import.meta.filename!, "--docs-only"],
  }).spawn().status;
  Deno.exit(code);
}
for (const doc of GENERATED_DOCS) {
  const url = new URL(doc.path, root);
  const text = await Deno.readTextFile(url);
  const next = replaceGeneratedSections(text, doc.sections);
  if (next !== text) {
    await Deno.writeTextFile(url, next);
    console.log(`updated ${doc.path}`);
  }
}
