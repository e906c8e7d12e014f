/**
 * Outputs that cannot destroy what the user had: written beside the target
 * and renamed over it only on success; inputs, links, directories refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir } from "./temp_dir.ts";
import { createOutputFile } from "../../src/cli/output_file.ts";
import { InputError } from "../../src/ingest/errors.ts";

const enc = new TextEncoder();

const inTemp = (fn: (dir: string) => Promise<void>) => inTempDir("kvmreq-out-", fn);

Deno.test("a run that fails leaves the previous output as it was, and no temporary file", async () => {
  await inTemp(async (dir) => {
    const path = join(dir, "report.html");
    await Deno.writeTextFile(path, "the previous report");
    const out = await createOutputFile(path);
    await out.file.write(enc.encode("half a new"));
    await out.discard();
    assert.equal(await Deno.readTextFile(path), "the previous report");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["report.html"]);
  });
});

Deno.test("a run that succeeds replaces the output in one rename", async () => {
  await inTemp(async (dir) => {
    const path = join(dir, "out.json");
    await Deno.writeTextFile(path, "old");
    const out = await createOutputFile(path);
    assert.notEqual(out.writePath, path);
    await out.file.write(enc.encode("new"));
    assert.equal(await Deno.readTextFile(path), "old", "untouched until commit");
    await out.commit();
    assert.equal(await Deno.readTextFile(path), "new");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.json"]);
  });
});

Deno.test("an output that is one of the inputs is refused (also through another name)", async () => {
  await inTemp(async (dir) => {
    const trace = join(dir, "boot.trace");
    await Deno.writeTextFile(trace, "trace");
    await Deno.link(trace, join(dir, "hardlink.trace"));
    for (const output of [trace, join(dir, "hardlink.trace"), join(dir, ".", "boot.trace")]) {
      await assert.rejects(
        () => createOutputFile(output, { inputs: [trace] }),
        (e) => e instanceof InputError && /is also an input \(.*boot\.trace\)/.test(e.message),
      );
    }
    assert.equal(await Deno.readTextFile(trace), "trace");
  });
});

Deno.test("a symbolic link at the output path is not followed", async () => {
  await inTemp(async (dir) => {
    const victim = join(dir, "passwd");
    await Deno.writeTextFile(victim, "root:x:0:0");
    const link = join(dir, "kvmreq.trace");
    await Deno.symlink(victim, link);
    await assert.rejects(
      () => createOutputFile(link),
      (e) => e instanceof InputError && /is a symbolic link to .*passwd/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(victim), "root:x:0:0");
  });
});

Deno.test("a directory or a missing directory: one clear line", async () => {
  await inTemp(async (dir) => {
    await assert.rejects(() => createOutputFile(dir), /is a directory/);
    await assert.rejects(
      () => createOutputFile(join(dir, "no", "x.html")),
      (e) =>
        e instanceof InputError &&
        e.message.endsWith(`cannot write: no such directory: ${join(dir, "no")}`),
    );
  });
});

Deno.test("/dev/null and FIFOs are written in place; mode 0600 when asked", async () => {
  const devnull = await createOutputFile("/dev/null");
  assert.equal(devnull.writePath, "/dev/null");
  await devnull.file.write(enc.encode("x"));
  await devnull.commit();
  await inTemp(async (dir) => {
    const path = join(dir, "private.trace");
    const out = await createOutputFile(path, { mode: 0o600 });
    await out.commit();
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  });
});
