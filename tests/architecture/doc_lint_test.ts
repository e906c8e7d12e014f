/**
 * `deno task test` runs `deno doc --lint` over main.ts and every folder of
 * src/ but src/cli/: every exported symbol there has JSDoc and an explicit
 * type. src/cli/ is left out because its exports are optique parsers and
 * zod configuration types, and deno doc counts every type of an npm
 * package as private (it cannot see the packages' re-exports), so they
 * cannot pass whatever is written. This test fails when a folder added to
 * src/ is missing from the task's list.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

Deno.test("deno task test runs deno doc --lint on main.ts and every src/ folder but cli", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const step = String(config.tasks.test).split("&&").map((s) => s.trim()).find((s) =>
    s.startsWith("deno doc --lint ")
  );
  assert.ok(step, "the test task has no `deno doc --lint` step");
  const linted = new Set(step.slice("deno doc --lint ".length).split(/\s+/));
  const want = ["main.ts"];
  for await (const e of Deno.readDir(new URL("src/", ROOT))) {
    if (e.isDirectory && e.name !== "cli") want.push(`src/${e.name}/`);
    if (e.isFile) want.push(`src/${e.name}`);
  }
  assert.deepEqual([...linted].sort(), want.sort());
});
