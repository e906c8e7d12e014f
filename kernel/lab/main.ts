/**
 * `deno task lab`: real KVM protocol traces from a nested-KVM lab. See
 * {@link LAB_HELP} (`deno task lab --help`) for what it does.
 *
 * @module
 */

import { type LabCache, labCache, makeCacheDirs } from "./cache.ts";
import { takeLabLock } from "./lock.ts";
import { downloadDebs, unpackDebs } from "./debs.ts";
import { killAll, LabError } from "./exec.ts";
import { buildModules, preparePristine } from "./kernel_tree.ts";
import { LAB_HELP, type LabOptions, parseLabArgs, UsageError } from "./options.ts";
import { ensurePrerequisites } from "./prereqs.ts";
import { fmtSeconds, Steps } from "./progress.ts";
import { describeSeries, loadSeries } from "./series.ts";
import { runGuest } from "./run_guest.ts";
import { bigWorkloads, listWorkloads, selectWorkloads, type Workload } from "./workloads.ts";

/** The repository's root (two levels above this file). */
export const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function lab(opts: LabOptions): Promise<number> {
  const all = await listWorkloads(REPO_ROOT);
  if (opts.list) {
    for (const w of all) console.log(`${w.name.padEnd(14)} ${w.summary}`);
    return 0;
  }
  const chosen = opts.big
    ? bigWorkloads(all, opts.workloads)
    : selectWorkloads(all, opts.workloads);
  const steps = new Steps();
  const c = labCache();
  await makeCacheDirs(c);
  const lock = await takeLabLock(c.root, (l) => steps.info(l));
  try {
    return await labLocked(opts, chosen, steps, c);
  } finally {
    lock.release();
  }
}

async function labLocked(
  opts: LabOptions,
  chosen: Workload[],
  steps: Steps,
  c: LabCache,
): Promise<number> {
  const series = await loadSeries(REPO_ROOT, opts.mutant, opts.stock);
  steps.info(`cache ${c.root}; series ${series.key}: ${describeSeries(series)}`);
  await steps.step("prerequisites", async () => {
    const installed = await ensurePrerequisites(`${c.logs}/apt.log`);
    return installed.length > 0 ? `installed ${installed.join(" ")}` : "all present";
  });
  await steps.step("download", async () => {
    const { fetched, mb } = await downloadDebs(c);
    return `${fetched.length === 0 ? "cached" : `fetched ${fetched.join(" ")}`}, ${
      mb.toFixed(0)
    } MB`;
  });
  await steps.step("unpack", async () => {
    const n = await unpackDebs(c);
    return n === 0 ? "cached" : `${n} packages`;
  });
  await steps.step("prepare", () => preparePristine(c, opts.jobs));
  await steps.step(`build ${series.key}`, () => buildModules(c, series, opts.jobs));
  if (opts.buildOnly) {
    console.error(
      `lab: modules built in ${c.modules}/${series.key} (${fmtSeconds(steps.elapsed)})`,
    );
    return 0;
  }
  const verdict = await runGuest(REPO_ROOT, c, series, chosen, opts, steps);
  console.error(`lab: done in ${fmtSeconds(steps.elapsed)}`);
  return verdict;
}

if (import.meta.main) {
  let opts: LabOptions;
  try {
    opts = parseLabArgs(Deno.args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`lab: ${e.message}`);
    Deno.exit(2);
  }
  if (opts.help) {
    console.log(LAB_HELP);
    Deno.exit(0);
  }
  const stop = () => {
    killAll();
    console.error("lab: interrupted; every process the lab started was stopped");
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    Deno.exit(await lab(opts));
  } catch (e) {
    killAll();
    if (e instanceof LabError || e instanceof UsageError) {
      console.error(`lab: error: ${e.message}`);
      for (const d of e instanceof LabError ? e.detail : []) console.error(`lab:   ${d}`);
      Deno.exit(e instanceof UsageError ? 2 : 1);
    }
    throw e;
  }
}
