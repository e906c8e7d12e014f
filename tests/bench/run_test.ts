import { match, ok } from "node:assert/strict";
import { loadAverage, machineLine } from "../../bench/run.ts";

Deno.test("bench: the machine line names cores and the load average", () => {
  const load = loadAverage();
  const line = machineLine("before");
  match(line, /^before: \d+ cores, load average /);
  if (load !== undefined) {
    ok(load >= 0);
    ok(line.includes(load.toFixed(2)), line);
    const cores = navigator.hardwareConcurrency ?? 1;
    // Busy means at least half a core's worth of other work per core.
    ok(line.includes("other work is running") === (load >= 0.5 * cores), line);
    const after = machineLine("after");
    ok(!after.includes("other work is running"), after);
    match(after, /^after: \d+ cores, load average [\d.]+ \(1 min\) \(the runs above included\)$/);
  }
});
