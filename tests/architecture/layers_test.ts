/**
 * The layers of `src/` point one way (docs/architecture.md, "Layers"): a
 * module imports from its own folder and from folders below it, never from
 * one above, and the producers of traces (sim, explore, record) do not import
 * one another. `main.ts` imports only the CLI. Every `import`/`export … from`
 * of every module is read (type-only imports too: a type from a layer above
 * is still a dependency on it).
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Each folder of `src/` with its rank: imports may point to a lower or equal rank only. */
export const LAYERS: Readonly<Record<string, number>> = {
  kernels: 1,
  events: 2,
  ingest: 3,
  model: 4,
  rules: 5,
  check: 6,
  analysis: 7,
  sim: 8,
  explore: 8,
  record: 8,
  report: 9,
  cli: 10,
};

/** Folders of the same rank that must not import each other. */
const PEERS = new Set(["sim", "explore", "record"]);

async function* modules(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* modules(url);
    else if (e.name.endsWith(".ts")) yield url;
  }
}

/** The relative specifiers a module imports or re-exports from (static and dynamic). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

/** The `src/` folder a file URL lies in, `undefined` outside `src/`. */
function layerOf(url: URL): string | undefined {
  const rel = url.pathname.slice(new URL("src/", ROOT).pathname.length);
  if (url.pathname.startsWith(new URL("src/", ROOT).pathname)) return rel.split("/")[0];
  return undefined;
}

Deno.test("layers: every folder of src/ has a rank", async () => {
  for await (const e of Deno.readDir(new URL("src/", ROOT))) {
    if (e.isDirectory) assert.ok(e.name in LAYERS, `src/${e.name}/ has no layer in LAYERS`);
  }
});

Deno.test("layers: no module of src/ imports from a layer above its own, or from a peer", async () => {
  const bad: string[] = [];
  for await (const file of modules(new URL("src/", ROOT))) {
    const from = layerOf(file)!;
    for (const spec of importsOf(await Deno.readTextFile(file))) {
      const target = new URL(spec, file);
      const to = layerOf(target);
      const rel = file.pathname.slice(ROOT.pathname.length);
      if (to === undefined) {
        bad.push(`${rel} imports ${spec}, outside src/`);
        continue;
      }
      if (to === from) continue;
      if (LAYERS[to] > LAYERS[from]) bad.push(`${rel} (${from}) imports ${spec} (${to}, above)`);
      else if (LAYERS[to] === LAYERS[from] && PEERS.has(from)) {
        bad.push(`${rel} (${from}) imports ${spec} (${to}, a peer)`);
      }
    }
  }
  assert.deepEqual(bad, [], `upward imports:\n${bad.join("\n")}`);
});

Deno.test("layers: main.ts imports only src/cli/", async () => {
  const main = new URL("main.ts", ROOT);
  for (const spec of importsOf(await Deno.readTextFile(main))) {
    if (spec === "./deno.json") continue;
    assert.equal(layerOf(new URL(spec, main)), "cli", `main.ts imports ${spec}`);
  }
});

Deno.test("layers: the import reader sees every form of import", () => {
  const src = [
    'import { a } from "../model/x.ts";',
    'import type { B } from "./y.ts";',
    'export { c } from "../events/z.ts";',
    'export * from "./w.ts";',
    'import "./side.ts";',
    'const m = await import("../report/v.ts");',
    'import {\n  d,\n  e,\n} from "../cli/u.ts";',
    'import { z } from "zod";',
  ].join("\n");
  assert.deepEqual(importsOf(src), [
    "../model/x.ts",
    "./y.ts",
    "../events/z.ts",
    "./w.ts",
    "./side.ts",
    "../report/v.ts",
    "../cli/u.ts",
  ]);
});
