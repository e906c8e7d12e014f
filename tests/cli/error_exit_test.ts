/** A command that throws: one line on stderr, the exit code of the error's kind, no stack. */
import assert from "node:assert/strict";
import { describeError } from "../../src/cli/error_exit.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { InputError, SystemError } from "../../src/ingest/errors.ts";

Deno.test("each kind of error has its exit code and a one-line message", () => {
  assert.deepEqual(describeError(new InputError("x.trace", 3, "bad line")), {
    message: "kvmreq: x.trace:3: bad line",
    code: EXIT.error,
  });
  assert.deepEqual(describeError(new SystemError("tracing_on: write failed: busy\nmore")), {
    message: "kvmreq: tracing_on: write failed: busy",
    code: EXIT.internal,
  });
  const bug = describeError(new TypeError("x is undefined\n  at somewhere"));
  assert.equal(bug.code, EXIT.internal);
  assert.match(bug.message, /^kvmreq: internal error: TypeError: x is undefined \(a bug in kvmreq/);
  assert.ok(!bug.message.includes("\n"));
  assert.notEqual(EXIT.internal, EXIT.error, "internal errors are not usage errors");
});

Deno.test("a missing Deno permission (simulate -o without --allow-write): one line, exit 4", async () => {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const out = await Deno.makeTempFile();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", main, "simulate", "--events", "10", "-o", out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  await Deno.remove(out);
  assert.equal(r.code, EXIT.internal, err);
  assert.equal(err.trim().split("\n").length, 1, err);
  assert.match(err, /^kvmreq: .*write access.* — this Deno was not given that permission/);
});
