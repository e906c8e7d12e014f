import assert from "node:assert/strict";
import { lintFile } from "./lint_file.ts";

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
