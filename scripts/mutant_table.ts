/**
 * Regenerates the table of docs/mutants.md from the committed mutant traces
 * (traces/lab/mutants/MNN-<rule>.trace) and kernel/mutants/*.patch.
 * `deno run -A scripts/mutant_table.ts`.
 *
 * @module
 */

import { mutantRows, mutantTable, withMutantTable } from "../kernel/lab/mutant_report.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const rows = await mutantRows(root);
const doc = `${root}/docs/mutants.md`;
await Deno.writeTextFile(doc, withMutantTable(await Deno.readTextFile(doc), mutantTable(rows)));
console.log(`docs/mutants.md: ${rows.length} mutants`);
