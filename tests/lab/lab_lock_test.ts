/** The lab's cache lock: a second run waits until the first releases it. */
import assert from "node:assert/strict";
import { takeLabLock } from "../../kernel/lab/lock.ts";

Deno.test("lab lock: a second taker waits for the first to release", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await takeLabLock(dir, () => {});
    assert.equal((await Deno.readTextFile(`${dir}/lock`)).trim(), String(Deno.pid));
    let got = false;
    const second = takeLabLock(dir, () => {}).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got, false, "the second taker must wait");
    first.release();
    const l2 = await second;
    assert.equal(got, true);
    l2.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lab lock: another live process holding it is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = new Deno.Command("sleep", { args: ["5"] }).spawn();
    await Deno.writeTextFile(`${dir}/lock`, `${child.pid}\n`);
    const said: string[] = [];
    const l = await takeLabLock(dir, (s) => said.push(s));
    assert.deepEqual(said, [
      `waiting for another lab run (pid ${child.pid}) to finish with ${dir}`,
    ]);
    l.release();
    child.kill();
    await child.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
