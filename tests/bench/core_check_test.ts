import { match, ok } from "node:assert/strict";
import { checkCores, formatCoreCheck, spin } from "../../bench/core_check.ts";

Deno.test("core check: the spin loop takes longer for more iterations", () => {
  spin(1_000_000);
  const small = Math.min(spin(1_000_000), spin(1_000_000));
  const large = Math.min(spin(20_000_000), spin(20_000_000));
  ok(large > small, `${large} ms for 20 M iterations, ${small} ms for 1 M`);
});

Deno.test("core check: alone, then this thread and a worker together", async () => {
  const c = await checkCores(2, 2_000_000);
  for (const ms of [c.aloneMs, c.mainMs, c.workerMs]) ok(ms > 0 && Number.isFinite(ms), `${ms}`);
  match(
    formatCoreCheck({ aloneMs: 100, mainMs: 125, workerMs: 200 }),
    /^two threads at once ran at 0\.80 and 0\.50 of one thread's speed \(spin loop: 100 ms alone, 125 and 200 ms together\)$/,
  );
});
