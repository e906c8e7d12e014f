import assert from "node:assert/strict";
import { ruleOptionsFrom, selectRules } from "../../src/cli/lint_command.ts";
import { readTrace } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { lintInput } from "../../src/check/lint_input.ts";

async function lintFile(path: string) {
  const reader = await readTrace(path, { keepEvent: (n) => MODEL_EVENT_NAMES.has(n) });
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return await lintInput(
    { path, reader, batches: () => reader.batches() },
    {
      rules,
      severities,
      ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
    },
  );
}

for (const name of ["stacktrace-v6", "stacktrace-v7-zstd"]) {
  Deno.test(`lint on ${name}.dat gives the findings lint gives on its trace-cmd report text`, async () => {
    const dir = new URL("../../fixtures/dat/", import.meta.url).pathname;
    const dat = await lintFile(`${dir}${name}.dat`);
    const text = await lintFile(`${dir}${name}.report.txt`);
    assert.equal(dat.stats.format, "dat");
    assert.equal(text.stats.format, "report");
    // trace-cmd report prints microseconds (rounded); trace.dat holds nanoseconds.
    const key = (
      f: { ruleId: string; at: { ts: bigint; cpu: number; pid: number }; message: string },
    ) => `${f.ruleId} ${(f.at.ts + 500n) / 1000n} ${f.at.cpu} ${f.at.pid} ${f.message}`;
    assert.ok(dat.findings.length > 0);
    assert.deepEqual(dat.findings.map(key), text.findings.map(key));
  });
}
