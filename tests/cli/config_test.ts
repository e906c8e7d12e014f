/**
 * `kvmreq.json`: the README's own example works (a `rules` map takes any
 * subset of rule ids), and every configuration error names the file and the
 * line of the bad key as `kvmreq.json:LINE:`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lineOfPath, parseConfig } from "../../src/cli/config_schema.ts";
import { InputError } from "../../src/ingest/errors.ts";
import { runKvmreqWith } from "./run_kvmreq.ts";

const SIM = new URL("../../fixtures/report/sim4.trace", import.meta.url).pathname;

/** The README's `kvmreq.json` example: the first JSON block after "Configuration:". */
function readmeExample(): string {
  const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const from = readme.indexOf("Configuration: `kvmreq.json`");
  assert.ok(from >= 0, "README has its configuration paragraph");
  const m = /```json\n([^]*?)```/.exec(readme.slice(from));
  assert.ok(m !== null, "README has a kvmreq.json example");
  return m[1];
}

async function lintJsonIn(dir: string): Promise<{ ruleId: string; severity: string }[]> {
  const r = await runKvmreqWith(
    { cwd: dir },
    "lint",
    "--format",
    "json",
    "--fail-on",
    "never",
    SIM,
  );
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as {
    files: { findings: { ruleId: string; severity: string }[] }[];
  };
  return report.files.flatMap((f) => f.findings);
}

Deno.test("the README's kvmreq.json example is accepted and applied", async () => {
  const example = readmeExample();
  const config = JSON.parse(example);
  assert.ok(Object.keys(config.rules).length < 15, "the example names a subset of the rules");
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-config-" });
  try {
    const without = await lintJsonIn(dir);
    await Deno.writeTextFile(`${dir}/kvmreq.json`, example);
    const withConfig = await lintJsonIn(dir);
    for (const [id, level] of Object.entries(config.rules as Record<string, string>)) {
      const before = without.filter((f) => f.ruleId === id);
      const after = withConfig.filter((f) => f.ruleId === id);
      assert.ok(before.length > 0, `the sample trace has ${id} findings`);
      if (level === "off") assert.equal(after.length, 0, `${id} is off`);
      else assert.deepEqual(after.map((f) => f.severity), before.map(() => level), id);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function errorOf(text: string): string {
  try {
    parseConfig("kvmreq.json", text);
  } catch (err) {
    assert.ok(err instanceof InputError);
    return err.message;
  }
  throw new Error("accepted");
}

Deno.test("configuration errors say kvmreq.json:LINE: and the key", () => {
  assert.match(
    errorOf('{\n  "latencyThresholdMs": 5,\n  "rules": {\n    "redundant-ipi": "of"\n  }\n}\n'),
    /^kvmreq\.json:4: rules\.redundant-ipi: Invalid option/,
  );
  assert.match(
    errorOf('{\n  "rules": {\n    "redundant-ipi": "off",\n    "no-such-rule": "off"\n  }\n}\n'),
    /^kvmreq\.json:4: rules\.no-such-rule: .*\(rule ids: request-less-kick, /,
  );
  assert.match(
    errorOf('{\n  "latencyThresholdMs": 5,\n  "extra": true\n}\n'),
    /^kvmreq\.json:3: extra: Unrecognized key/,
  );
  assert.match(
    errorOf('{\n  "latencyThresholdMs": 5,\n}\n'),
    /^kvmreq\.json:3: not valid JSON: /,
  );
  assert.match(
    errorOf('{\n  "note": "latencyThresholdMs",\n  "latencyThresholdMs": -1\n}\n'),
    /^kvmreq\.json:3: latencyThresholdMs: /,
    "a key's name inside an earlier value does not fool the line",
  );
  assert.match(errorOf("[1]"), /^kvmreq\.json:1: \(top level\): /);
});

Deno.test("lineOfPath walks nested keys in order", () => {
  const text = '{\n  "a": {\n    "b": 1\n  },\n  "b": {\n    "a": 2\n  }\n}';
  assert.equal(lineOfPath(text, ["b", "a"]), 6);
  assert.equal(lineOfPath(text, ["a", "b"]), 3);
  assert.equal(lineOfPath(text, ["c"]), 0);
  assert.equal(lineOfPath(text, []), 1);
});

Deno.test("kvmreq lint prints the configuration error with its line and exits 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-config-" });
  try {
    await Deno.writeTextFile(
      `${dir}/kvmreq.json`,
      '{\n  "rules": {\n    "redundant-ipi": 1\n  }\n}\n',
    );
    const r = await runKvmreqWith({ cwd: dir }, "lint", SIM);
    assert.equal(r.code, 2);
    assert.match(r.err, /^kvmreq: kvmreq\.json:3: rules\.redundant-ipi: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
