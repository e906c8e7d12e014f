import assert from "node:assert/strict";
import { replaceGeneratedSections } from "../../src/report/readme_sections.ts";

Deno.test("README's rule and mode tables are generated from the code", async () => {
  const text = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assert.equal(
    text,
    replaceGeneratedSections(text),
    "README is stale: run `deno run -A scripts/update_readme.ts`",
  );
});
