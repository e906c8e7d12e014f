import assert from "node:assert/strict";
import { modelToDot, modelToMarkdown } from "../../src/report/model_render.ts";
import { MODE_TRANSITIONS } from "../../src/model/mode_automaton.ts";

Deno.test("model DOT has one edge label per transition and Graphviz renders it", async () => {
  const dot = modelToDot();
  for (const t of MODE_TRANSITIONS) assert.ok(dot.includes(t.event), t.event);
  let out: Deno.CommandOutput;
  try {
    const child = new Deno.Command("dot", {
      args: ["-Tsvg"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(dot));
    await w.close();
    out = await child.output();
  } catch {
    console.log(
      "SKIPPED the rendering check: Graphviz `dot` is not installed (apt-get install graphviz)",
    );
    return;
  }
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const svg = new TextDecoder().decode(out.stdout);
  assert.match(svg, /<svg/);
  for (
    const state of [
      "OUTSIDE_GUEST_MODE",
      "IN_GUEST_MODE",
      "EXITING_GUEST_MODE",
      "READING_SHADOW_PAGE_TABLES",
    ]
  ) {
    assert.ok(svg.includes(state), state);
  }
});

Deno.test("model Markdown lists every transition", () => {
  const md = modelToMarkdown();
  assert.equal(
    md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| from")).length,
    MODE_TRANSITIONS.length,
  );
});
