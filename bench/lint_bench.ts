/**
 * `kvmreq lint` end to end (subprocess, run as `deno task kvmreq` runs it) on the 200 MB
 * mixed trace and the dense protocol trace from bench/inputs.ts, parallel
 * and sequential. Deno's table gives the time per run; the throughput and
 * peak RSS of each case are printed as they finish. For the full set
 * (1 GB, real traces, trace-cmd side by side) run `deno run -A bench/run.ts`.
 *
 * @module
 */

import { benchInput } from "./inputs.ts";
import { kvmreqArgs, measure } from "./run.ts";

const mixed = await benchInput("mixed-200");
const dense = await benchInput("dense");

for (const input of [mixed, dense]) {
  for (const [mode, env] of [["parallel", {}], ["sequential", { KVMREQ_WORKERS: "0" }]] as const) {
    Deno.bench({
      name: `lint ${input.name} (${(input.bytes / 1e6).toFixed(0)} MB), ${mode}`,
      group: input.name,
      baseline: mode === "sequential",
      n: 3,
      warmup: 0,
      async fn() {
        const r = await measure(Deno.execPath(), [...kvmreqArgs(), "lint", input.path], env);
        console.log(
          `  ${input.name} ${mode}: ${(input.bytes / 1e6 / r.wall).toFixed(0)} MB/s, ${
            (input.events / r.wall / 1e6).toFixed(2)
          } M events/s, cpu ${r.cpu.toFixed(2)} s, peak RSS ${(r.rssKb / 1024).toFixed(0)} MB`,
        );
      },
    });
  }
}
