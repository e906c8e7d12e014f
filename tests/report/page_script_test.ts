/**
 * The report page's script is assembled from the TypeScript modules in
 * `src/report/html/page/` (checked and linted like the rest of the tree):
 * these tests pin what makes the assembly sound — each module exports one
 * factory that the page declares, and imports nothing but types and other
 * factories — and that the script parses without a browser.
 *
 * @module
 */

import assert from "node:assert/strict";
import { declarationOf, PAGE_MODULES, PAGE_SCRIPT } from "../../src/report/html/page_script.ts";

const PAGE_DIR = new URL("../../src/report/html/page/", import.meta.url);

function pageModules(): { name: string; text: string }[] {
  return [...Deno.readDirSync(PAGE_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => ({ name: e.name, text: Deno.readTextFileSync(new URL(e.name, PAGE_DIR)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("page modules: each exports one factory, and the page declares every one", () => {
  const declared = new Set(PAGE_MODULES.map((f) => f.name));
  const exported: string[] = [];
  for (const m of pageModules()) {
    const fns = [...m.text.matchAll(/^export function (\w+)\(/gm)].map((x) => x[1]);
    assert.equal(fns.length, 1, `${m.name} exports ${fns.length} functions`);
    assert.doesNotMatch(m.text, /^export (const|let|var|class) /m, `${m.name} exports a value`);
    exported.push(fns[0]);
  }
  assert.deepEqual(exported.sort(), [...declared].sort());
  assert.equal(PAGE_MODULES[PAGE_MODULES.length - 1].name, "pageMain");
});

Deno.test("page modules import only types, and other page factories", () => {
  const factories = new Set(PAGE_MODULES.map((f) => f.name));
  for (const m of pageModules()) {
    for (const imp of m.text.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+"([^"]+)";/gm)) {
      if (imp[1] !== undefined) continue;
      const names = imp[2].split(",").map((s) => s.trim()).filter((s) => s !== "");
      for (const n of names) {
        if (n.startsWith("type ")) continue;
        assert.ok(factories.has(n), `${m.name} imports the value ${n} from ${imp[3]}`);
        assert.match(imp[3], /^\.\/page_\w+\.ts$/, `${m.name} imports ${n} from outside page/`);
      }
    }
    assert.doesNotMatch(m.text, /^import\s+(?!type\b)[^{]/m, `${m.name}: a default or * import`);
  }
});

Deno.test("the page script parses, declares each factory once and starts with pageMain()", () => {
  new Function(PAGE_SCRIPT); // a syntax error throws here, with no browser needed
  for (const f of PAGE_MODULES) {
    assert.equal(PAGE_SCRIPT.split(`\nfunction ${f.name}(`).length, 2, f.name);
  }
  assert.ok(PAGE_SCRIPT.trimEnd().endsWith("pageMain();\n})();"));
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(/.test(PAGE_SCRIPT));
});

Deno.test("declarationOf refuses a function whose source is not its declaration", () => {
  const arrow = () => 1;
  assert.throws(() => declarationOf(arrow), /not a function declaration/);
});
