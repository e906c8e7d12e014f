/**
 * The exit codes and how a run that proves nothing, or a command-line
 * mistake, is reported: one table (src/cli/exit_codes.ts) quoted by the
 * README and the help; exit 3 when no rule could be checked; usage errors in
 * one line and a hint.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EXIT, EXIT_CODES_TEXT } from "../../src/cli/exit_codes.ts";
import { runKvmreq } from "./run_kvmreq.ts";

const words = (s: string) => s.split(/\s+/).filter((w) => w !== "").join(" ");

Deno.test("the exit codes are documented once, and the README and --help quote that text", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assert.ok(words(readme).includes(words(EXIT_CODES_TEXT)), "README quotes EXIT_CODES_TEXT");
  for (const args of [["--help"], ["lint", "--help"]]) {
    const r = await runKvmreq(...args);
    assert.ok(words(r.out).includes(words(EXIT_CODES_TEXT)), args.join(" "));
  }
  for (const [name, code] of Object.entries(EXIT)) {
    assert.ok(EXIT_CODES_TEXT.includes(`${code} `), `${name} (${code}) is documented`);
  }
});

async function schedSwitchOnly(): Promise<string> {
  const lines = Deno.readTextFileSync(new URL("../../traces/record-4vcpu.trace", import.meta.url))
    .split("\n");
  const keep = lines.filter((l) => l.startsWith("#") || / sched_switch: /.test(l)).slice(0, 60);
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  await Deno.writeTextFile(path, keep.join("\n") + "\n");
  return path;
}

Deno.test("lint of a trace on which no rule could be checked exits 3, unless --allow-unchecked", async () => {
  const path = await schedSwitchOnly();
  try {
    const r = await runKvmreq("lint", path);
    assert.equal(r.code, EXIT.unchecked);
    assert.match(r.out, /checked 0 of 15 rules/);
    assert.match(
      r.out,
      /\n⚠ 0 findings \(0 errors, 0 warnings, 0 info\) in 1 file, but no rule could be checked in it\n$/,
    );
    assert.equal(
      r.err,
      `kvmreq: ${path}: no rule could be checked: the trace has none of the events any rule ` +
        "needs (`kvmreq lint -v` says what each needs; --allow-unchecked accepts this)\n",
    );
    const ok = await runKvmreq("lint", "--allow-unchecked", path);
    assert.equal(ok.code, EXIT.ok);
    assert.equal(ok.err, "");
    // With a checkable trace beside it, the unchecked one still fails the run.
    const two = await runKvmreq("lint", "--fail-on", "never", "traces/boot-2vcpu.trace", path);
    assert.equal(two.code, EXIT.unchecked);
    assert.match(two.out, /in 2 files, but no rule could be checked in 1 of them\n/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a usage error is one line and a hint naming the command's help", async () => {
  const r = await runKvmreq("lint", "--bogus", "traces/");
  assert.equal(r.code, EXIT.error);
  assert.equal(r.out, "");
  assert.equal(
    r.err,
    "kvmreq: Unexpected option or subcommand: `--bogus`.\nsee 'kvmreq lint --help'\n",
  );
  const v = await runKvmreq("replay", "--vcpu", "x", "traces/");
  assert.equal(v.code, EXIT.error);
  assert.equal(v.err.split("\n").length, 3, v.err);
  assert.match(v.err, /^kvmreq: `--vcpu`: .*\nsee 'kvmreq replay --help'\n$/);
  const c = await runKvmreq("lnt", "traces/");
  assert.equal(c.code, EXIT.error);
  assert.match(c.err, /\nsee 'kvmreq --help'\n$/);
});
