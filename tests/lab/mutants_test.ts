/**
 * The seeded kernel bugs of issue 15 (kernel/mutants/MNN-<rule>.patch): each
 * committed trace traces/lab/mutants/MNN-<rule>.trace, made by `deno task lab
 * --mutant MNN` on a real nested KVM, must make kvmreq report the rule its
 * name gives, and docs/mutants.md's table must be what the traces give.
 * After an intended change: `deno run -A scripts/mutant_table.ts`.
 */
import assert from "node:assert/strict";
import {
  mutantRows,
  mutantTable,
  mutantTraceFiles,
  withMutantTable,
} from "../../kernel/lab/mutant_report.ts";
import { RULES } from "../../src/rules/index.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const rows = await mutantRows(ROOT);
const mutantsDoc = await Deno.readTextFile(`${ROOT}/docs/mutants.md`);
/** The doc's section on mutants the lab could not provoke (each with the reason). */
const notProvoked = mutantsDoc.includes("## Not provoked")
  ? mutantsDoc.slice(mutantsDoc.indexOf("## Not provoked")).split("\n## ")[0]
  : "";

Deno.test("mutants: every mutant patch names a rule and has its trace, or the reason it has none", () => {
  const ruleIds = new Set(RULES.map((r) => r.meta.id));
  const patches = [...Deno.readDirSync(`${ROOT}/kernel/mutants`)]
    .map((e) => e.name).filter((n) => n.endsWith(".patch")).sort();
  assert.ok(patches.length >= 8, "M01-M08");
  assert.ok(rows.length >= 8, "at least M01-M08 have traces");
  for (const p of patches) {
    const m = /^(M\d\d)-([a-z-]+)\.patch$/.exec(p);
    assert.ok(m !== null && ruleIds.has(m[2]), `${p}: MNN-<rule id>.patch`);
    const traced = mutantTraceFiles(ROOT).includes(`traces/lab/mutants/${m[1]}-${m[2]}.trace`);
    assert.ok(
      traced || notProvoked.includes(`**${m[1]}`),
      `${p} has no trace, and docs/mutants.md does not say why under "## Not provoked"`,
    );
  }
});

Deno.test("mutants: kvmreq reports each mutant's rule on its real trace", () => {
  assert.ok(rows.length >= 8);
  for (const r of rows) {
    const n = Object.values(r.ruleFindings).reduce((a, b) => a + b, 0);
    assert.ok(n > 0, `${r.trace}: no ${r.rule} finding (others: ${r.otherFindings.join(", ")})`);
    const head = Deno.readTextFileSync(`${ROOT}/${r.trace}`).slice(0, 8000);
    assert.match(head, new RegExp(`^# remake: deno task lab .*--mutant ${r.id}\\b`, "m"));
    assert.match(head, /^# kernel: 6\.12\.118\+deb12-amd64$/m);
  }
});

Deno.test("mutants: docs/mutants.md's table is what the traces give", () => {
  assert.equal(
    mutantsDoc,
    withMutantTable(mutantsDoc, mutantTable(rows)),
    "docs/mutants.md is stale: deno run -A scripts/mutant_table.ts",
  );
});
