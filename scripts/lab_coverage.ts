/**
 * Regenerates the tables of docs/lab-traces.md (the workloads; which rules
 * each committed lab trace let kvmreq check, with its findings; what the
 * patched-kernel traces give the rules to judge) and, with `--goldens`, the
 * goldens of tests/lab/golden/; also the README's lint example (the output of
 * `kvmreq lint` on the demo trace).
 * `deno run -A scripts/lab_coverage.ts [--goldens]`.
 *
 * @module
 */

import {
  demoBlock,
  labTraceFiles,
  labTracesDoc,
  lintSummaries,
  replaceBetween,
} from "../kernel/lab/lab_report.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const summaries = await lintSummaries(root, labTraceFiles(root));
const doc = `${root}/docs/lab-traces.md`;
await Deno.writeTextFile(doc, await labTracesDoc(root, await Deno.readTextFile(doc), summaries));
console.log(`docs/lab-traces.md: ${summaries.length} traces`);
const readme = `${root}/README.md`;
await Deno.writeTextFile(
  readme,
  replaceBetween(await Deno.readTextFile(readme), "demo", await demoBlock(root)),
);
console.log("README.md: the lint example");
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
