/**
 * Regenerates the coverage table of docs/lab-traces.md (which rules each
 * committed lab trace let kvmreq check, and its findings) and, with
 * `--goldens`, the goldens of tests/lab/golden/.
 * `deno run -A scripts/lab_coverage.ts [--goldens]`.
 *
 * @module
 */

import {
  coverageTable,
  labTraceFiles,
  lintSummaries,
  replaceBetween,
  workloadTable,
} from "../kernel/lab/lab_report.ts";
import { listWorkloads } from "../kernel/lab/workloads.ts";
import { RULES } from "../src/rules/index.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const summaries = await lintSummaries(root, labTraceFiles(root));
const doc = `${root}/docs/lab-traces.md`;
const table = coverageTable(RULES.map((r) => r.meta.id), summaries);
const workloads = workloadTable(await listWorkloads(root));
await Deno.writeTextFile(
  doc,
  replaceBetween(
    replaceBetween(await Deno.readTextFile(doc), "coverage", table),
    "workloads",
    workloads,
  ),
);
console.log(`docs/lab-traces.md: ${summaries.length} traces`);
if (Deno.args.includes("--goldens")) {
  await Deno.mkdir(`${root}/tests/lab/golden`, { recursive: true });
  for (const s of summaries) {
    const name = s.file.replace(/^traces\/lab\//, "").replaceAll("/", "-").replace(
      /\.trace$/,
      ".json",
    );
    await Deno.writeTextFile(`${root}/tests/lab/golden/${name}`, JSON.stringify(s, null, 2) + "\n");
  }
  console.log(`tests/lab/golden: ${summaries.length} goldens`);
}
