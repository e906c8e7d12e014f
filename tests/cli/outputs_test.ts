/**
 * `-o` in every command: one meaning (an output file), never destroying an
 * input or the previous output, never written through a link; HTML and JSON
 * refused on a terminal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir } from "./temp_dir.ts";
import { runKvmreq } from "./run_kvmreq.ts";

const TRACE = "traces/boot-2vcpu-debug-threads.trace";

const inTemp = (fn: (dir: string) => Promise<void>) => inTempDir("kvmreq-o-", fn);

Deno.test("report X -o X is refused and X stays a trace (it was replaced by an empty report, exit 0)", async () => {
  await inTemp(async (dir) => {
    const trace = join(dir, "boot.trace");
    await Deno.copyFile(TRACE, trace);
    const before = await Deno.readTextFile(trace);
    for (const cmd of ["report", "export", "events"]) {
      const r = await runKvmreq(cmd, trace, "-o", trace);
      assert.equal(r.code, 2, `${cmd}: ${r.err}`);
      assert.match(r.err, /boot\.trace: is also an input/);
    }
    const viaDir = await runKvmreq("report", dir, "-o", trace);
    assert.equal(viaDir.code, 2, "an input found through its directory is an input too");
    assert.equal(await Deno.readTextFile(trace), before);
  });
});

Deno.test("a failing run leaves the previous output as it was (it was truncated to 0 bytes)", async () => {
  await inTemp(async (dir) => {
    const bad = join(dir, "bad.trace");
    await Deno.writeTextFile(bad, "this is not a trace line\n".repeat(3));
    for (const [cmd, name] of [["report", "r.html"], ["export", "e.json"], ["events", "e.txt"]]) {
      const out = join(dir, name);
      await Deno.writeTextFile(out, "the previous output");
      const r = await runKvmreq(cmd, "--strict", bad, "-o", out);
      assert.equal(r.code, 2, `${cmd}: ${r.err}`);
      assert.equal(await Deno.readTextFile(out), "the previous output", cmd);
    }
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["bad.trace", "e.json", "e.txt", "r.html"],
      "no temporary file left",
    );
  });
});

Deno.test("an input that cannot be read keeps the previous output (it was replaced by an empty report, exit 2)", async () => {
  await inTemp(async (dir) => {
    const notATrace = join(dir, "passwd");
    await Deno.writeTextFile(notATrace, "root:x:0:0:root:/root:/bin/bash\n");
    const missing = join(dir, "missing.trace");
    const cases: [string, string, string[]][] = [
      ["report", "r.html", [notATrace]],
      ["export", "e.json", [missing]],
      ["events", "e.jsonl", [notATrace]],
      ["report", "r2.html", [TRACE, missing]],
      ["export", "e2.json", [TRACE, notATrace]],
      ["events", "e2.jsonl", [TRACE, missing]],
    ];
    for (const [cmd, name, inputs] of cases) {
      const out = join(dir, name);
      await Deno.writeTextFile(out, "the previous output");
      const r = await runKvmreq(cmd, ...inputs, "-o", out);
      const what = `${cmd} ${inputs.join(" ")}`;
      assert.equal(r.code, 2, `${what}: ${r.err}`);
      assert.equal(await Deno.readTextFile(out), "the previous output", what);
      assert.match(r.err, new RegExp(`${name} not written: an input could not be read`), what);
      assert.doesNotMatch(r.err, /wrote /, what);
    }
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["e.json", "e.jsonl", "e2.json", "e2.jsonl", "passwd", "r.html", "r2.html"],
      "no temporary file left",
    );
  });
});

Deno.test("-o through a symbolic link is refused; the link's target is untouched", async () => {
  await inTemp(async (dir) => {
    const victim = join(dir, "important");
    await Deno.writeTextFile(victim, "keep me");
    await Deno.symlink(victim, join(dir, "out.html"));
    const r = await runKvmreq("report", TRACE, "-o", join(dir, "out.html"));
    assert.equal(r.code, 2);
    assert.match(r.err, /out\.html: is a symbolic link to .*important/);
    assert.equal(await Deno.readTextFile(victim), "keep me");
  });
});

Deno.test("events: -o is the output file and --format the format; -o jsonl says so", async () => {
  await inTemp(async (dir) => {
    const out = join(dir, "ev.jsonl");
    const r = await runKvmreq(
      "events",
      "--format",
      "jsonl",
      "-e",
      "sched_waking",
      "-o",
      out,
      TRACE,
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "");
    const first = (await Deno.readTextFile(out)).split("\n")[0];
    assert.match(first, /^\{"type":"meta","source":".*boot-2vcpu-debug-threads\.trace"/);
    const old = await runKvmreq("events", "-o", "jsonl", TRACE);
    assert.equal(old.code, 2);
    assert.match(old.err, /-o names the output file .* the format is --format jsonl/);
  });
});

Deno.test("report and export without -o refuse a terminal (HTML was written to it)", async (t) => {
  const script = await new Deno.Command("sh", { args: ["-c", "command -v script"], stdout: "null" })
    .output().catch(() => undefined);
  if (script === undefined || !script.success) {
    console.log("  (skipped: no script(1) to give kvmreq a terminal)");
    return;
  }
  const main = new URL("../../main.ts", import.meta.url).pathname;
  for (const cmd of ["report", "export"]) {
    await t.step(cmd, async () => {
      const r = await new Deno.Command("script", {
        args: ["-qec", `${Deno.execPath()} run -A ${main} ${cmd} ${TRACE}`, "/dev/null"],
        cwd: new URL("../../", import.meta.url).pathname,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(r.stdout);
      assert.equal(r.code, 2, text);
      assert.match(
        text,
        new RegExp(
          `^kvmreq: standard output: is a terminal; kvmreq ${cmd} writes .*, which a terminal ` +
            "cannot show: give -o FILE",
        ),
      );
      assert.doesNotMatch(text, /kvmreq: kvmreq/, "one prefix");
      assert.doesNotMatch(text, /<html|traceEvents/);
    });
  }
});

Deno.test("a full disk is said as such, not as a kvmreq bug; a directory that exists is not 'no such directory'", async () => {
  for (
    const args of [["simulate", "--events", "100", "-o", "/dev/full"], [
      "report",
      TRACE,
      "-o",
      "/dev/full",
    ]]
  ) {
    const r = await runKvmreq(...args);
    assert.equal(r.code, 4, `${args[0]}: ${r.err}`);
    assert.equal(
      r.err,
      "kvmreq: /dev/full: cannot write: No space left on device (os error 28)\n",
      args[0],
    );
  }
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const shell = await new Deno.Command("sh", {
    args: ["-c", `"$0" run -A "$1" lint "$2" > /dev/full`, Deno.execPath(), main, TRACE],
    cwd: new URL("../../", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(shell.stderr);
  assert.equal(shell.code, 4, err);
  assert.equal(
    err,
    "kvmreq: standard output: cannot write: No space left on device (os error 28)\n",
  );
  const proc = await runKvmreq("report", TRACE, "-o", "/proc/kvmreq-report.html");
  assert.equal(proc.code, 2);
  assert.doesNotMatch(proc.err, /no such directory/, proc.err);
  assert.match(proc.err, /^kvmreq: \/proc\/kvmreq-report\.html: cannot write: /);
});
