/**
 * Regenerates the README sections that come from code (the rule table and
 * the mode automaton table). `deno run -A scripts/update_readme.ts`.
 *
 * @module
 */

import { replaceGeneratedSections } from "../src/report/readme_sections.ts";

const text = await Deno.readTextFile("README.md");
await Deno.writeTextFile("README.md", replaceGeneratedSections(text));
