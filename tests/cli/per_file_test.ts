/**
 * No all-or-nothing: results per input. A file of a directory that is not a
 * trace is skipped with a note; a named input that cannot be read is an
 * error for itself only; a stray NUL byte does not make a trace "binary"; a
 * damaged trace.dat page is skipped and counted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readMeta } from "../../src/ingest/dat/meta_read.ts";
import { memoryRandomAccess } from "../../src/ingest/dat/random_access.ts";
import { runKvmreq } from "./run_kvmreq.ts";
import { inTempDir } from "./temp_dir.ts";

const TRACE = "traces/boot-2vcpu-debug-threads.trace";

/** A directory with a trace, a picture, and kvmreq's own report and JSON of it. */
async function mixedDirectory(dir: string): Promise<string> {
  const trace = join(dir, "a.trace");
  await Deno.copyFile(TRACE, trace);
  await Deno.copyFile("docs/report-screenshot.png", join(dir, "shot.png"));
  assert.equal((await runKvmreq("report", "-o", join(dir, "report.html"), trace)).code, 0);
  const json = await runKvmreq("lint", "--format", "json", trace);
  await Deno.writeTextFile(join(dir, "out.json"), json.out);
  return trace;
}

Deno.test("a directory: what is not a trace (a .png, kvmreq's own report.html and out.json) is skipped with a note", async () => {
  await inTempDir("kvmreq-dir-", async (dir) => {
    await mixedDirectory(dir);
    const r = await runKvmreq("lint", dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /24 findings \(0 errors, 0 warnings, 24 info\) in 1 file\n/);
    for (const name of ["out.json", "report.html", "shot.png"]) {
      assert.match(r.err, new RegExp(`kvmreq: note: .*/${name.replace(".", "\\.")}: skipped, `));
    }
    assert.match(r.err, /report\.html: skipped, not a trace: an HTML document/);
    for (const cmd of ["stats", "events", "analyze", "replay"]) {
      const c = await runKvmreq(cmd, dir);
      assert.equal(c.code, 0, `${cmd}: ${c.err}`);
      assert.match(c.err, /shot\.png: skipped/, cmd);
    }
  });
});

Deno.test("named inputs: one that cannot be read is an error for itself, the others are reported", async () => {
  await inTempDir("kvmreq-named-", async (dir) => {
    await Deno.copyFile("docs/report-screenshot.png", join(dir, "shot.png"));
    const r = await runKvmreq("lint", TRACE, join(dir, "shot.png"), join(dir, "missing.trace"));
    assert.equal(r.code, 2, "an unreadable named input is exit 2");
    assert.match(r.out, /24 findings .* in 1 file\n/, "the readable one is reported");
    assert.match(r.err, /shot\.png: this is binary data \(a PNG image\)/);
    assert.match(r.err, /missing\.trace: cannot open/);
    const only = await runKvmreq("lint", join(dir, "shot.png"));
    assert.equal(only.code, 2);
    assert.equal(only.out, "", "nothing read: no '✔ 0 findings'");
    const empty = await runKvmreq("lint", dir);
    assert.equal(empty.code, 2, "a directory without a trace does not pass");
    assert.match(empty.err, /no trace among its 1 file/);
  });
});

Deno.test("one NUL byte in the first 4 KB does not make a 780 KB trace binary; real binary says how to force text", async () => {
  await inTempDir("kvmreq-nul-", async (dir) => {
    const bytes = await Deno.readFile(TRACE);
    bytes[bytes.indexOf(0x0a) + 20] = 0; // inside the second line
    await Deno.writeFile(join(dir, "nul.trace"), bytes);
    const r = await runKvmreq("lint", join(dir, "nul.trace"));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /24 findings/);
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    await Deno.writeFile(join(dir, "noise.bin"), noise);
    const b = await runKvmreq("lint", join(dir, "noise.bin"));
    assert.equal(b.code, 2);
    assert.match(b.err, /binary data .* read it as text with --input-format/);
  });
});

Deno.test("a trace.dat with a damaged page: the page is skipped and counted, the rest is linted (lint printed nothing, exit 2)", async () => {
  await inTempDir("kvmreq-dat-", async (dir) => {
    const data = await Deno.readFile("fixtures/dat/stacktrace-v6.dat");
    const meta = await readMeta(memoryRandomAccess("x", data));
    const cpu0 = meta.buffers[0].cpus[0];
    const page = cpu0.offset + meta.pageSize;
    // Three bits of cpu 0's second page's commit size flipped.
    const view = new DataView(data.buffer);
    view.setUint32(page + 8, view.getUint32(page + 8, true) ^ 0x07000000, true);
    const bad = join(dir, "bad.dat");
    await Deno.writeFile(bad, data);
    const r = await runKvmreq("lint", "--fail-on", "info", bad);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /request-less-kick/);
    assert.match(
      r.out,
      new RegExp(
        `1 damaged part\\(s\\) of the trace.dat skipped, their events missing \\(first: trace\\.dat: ` +
          `bad commit size \\d+ in flyrecord page at offset 0x${page.toString(16)} \\(cpu 0\\)\\)`,
      ),
    );
    const stats = await runKvmreq("stats", bad);
    assert.match(stats.out, /damaged: {2}1 page\(s\) or compressed chunk\(s\) skipped/);
    const strict = await runKvmreq("lint", "--strict", bad);
    assert.equal(strict.code, 2);
    assert.match(strict.err, /bad commit size/);
  });
});

Deno.test("a directory's subdirectory is named in a note and a link to a trace is read (both were passed over in silence)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-dirs-" });
  try {
    await Deno.mkdir(`${dir}/runs`);
    await Deno.copyFile("traces/boot-2vcpu-debug-threads.trace", `${dir}/runs/run-42.trace`);
    await Deno.symlink("runs/run-42.trace", `${dir}/latest.trace`);
    const r = await runKvmreq("lint", dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /latest\.trace\n/);
    assert.match(r.out, /24 findings/);
    assert.equal(
      r.err,
      `kvmreq: note: ${dir}/runs: skipped, a directory (directories are not read recursively: ` +
        "name it to read it)\n",
    );
    await Deno.remove(`${dir}/latest.trace`);
    const only = await runKvmreq("lint", dir);
    assert.equal(only.code, 2);
    assert.match(only.err, /holds no trace files, only directories \(runs\), which are not read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
