import assert from "node:assert/strict";
import { GENERATED_DOCS, replaceGeneratedSections } from "../../src/report/generated_docs.ts";
import { currentRuleIndex, ruleFiles, ruleIndexSource } from "../../scripts/rule_index.ts";

Deno.test("src/rules/index.ts lists every rule file, as deno task generate writes it", async () => {
  const index = await currentRuleIndex(new URL("../../", import.meta.url));
  assert.equal(index.text, index.want, "src/rules/index.ts is stale: run `deno task generate`");
});

Deno.test("ruleIndexSource: keeps the listed order, appends new rules, drops gone ones", () => {
  const files = new Map([
    ["b_rule.ts", "export const bRule: Rule = defineRule({"],
    ["a_rule.ts", "export const aRule: Rule = defineRule({"],
    ["new_rule.ts", "export const newRule: Rule = defineRule({"],
    ["rule.ts", "export function defineRule() {}"],
  ]);
  const current = "export const RULES: readonly Rule[] = [\n  bRule,\n  goneRule,\n  aRule,\n];\n";
  const text = ruleIndexSource(ruleFiles(files), current);
  assert.ok(text.includes("= [\n  bRule,\n  aRule,\n  newRule,\n];"), text);
  assert.match(text, /import \{ newRule \} from "\.\/new_rule\.ts";/);
  assert.doesNotMatch(text, /goneRule/);
});

for (const doc of GENERATED_DOCS) {
  Deno.test(`${doc.path}: its ${doc.sections.join(", ")} sections are generated from the code`, async () => {
    const text = await Deno.readTextFile(new URL(`../../${doc.path}`, import.meta.url));
    assert.equal(
      text,
      replaceGeneratedSections(text, doc.sections),
      `${doc.path} is stale: run \`deno task generate\``,
    );
  });
}

/** The README's `## Layout` code block. */
async function layoutBlock(): Promise<string> {
  const text = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const at = text.indexOf("## Layout");
  assert.ok(at >= 0, "README has a ## Layout section");
  const open = text.indexOf("```\n", at);
  return text.slice(open + 4, text.indexOf("```\n", open + 4));
}

async function* folders(dir: URL, rel: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (!e.isDirectory) continue;
    yield `${rel}${e.name}/`;
    yield* folders(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
  }
}

Deno.test("README's layout lists every folder of src/ and every top-level folder", async () => {
  const block = await layoutBlock();
  const listed = new Set(block.split("\n").map((l) => l.split(/\s+/)[0]).filter((w) => w !== ""));
  const root = new URL("../../", import.meta.url);
  const missing: string[] = [];
  for await (const f of folders(new URL("src/", root), "src/")) {
    if (!listed.has(f)) missing.push(f);
  }
  for await (const e of Deno.readDir(root)) {
    if (!e.isDirectory || e.name.startsWith(".") || e.name === "node_modules") continue;
    if (e.name === "src" || e.name === "kernel") continue;
    if (!listed.has(`${e.name}/`)) missing.push(`${e.name}/`);
  }
  for await (const e of Deno.readDir(new URL("kernel/", root))) {
    if (e.isDirectory && !listed.has(`kernel/${e.name}/`)) missing.push(`kernel/${e.name}/`);
  }
  assert.deepEqual(missing, [], `README ## Layout does not list: ${missing.join(", ")}`);
});
