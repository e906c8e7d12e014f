/**
 * The guest half of the lab: build the workloads and the initramfs, boot the
 * Debian kernel under QEMU, bring the traces out and lint them.
 *
 * @module
 */

import type { LabCache } from "./cache.ts";
import { unpackedDir } from "./debs.ts";
import { LabError, run } from "./exec.ts";
import { initScript } from "./guest_init.ts";
import { buildInitramfs, type GuestFile } from "./initramfs.ts";
import { KVM_MODULES, modulesDir } from "./kernel_tree.ts";
import { DISK_MODULE, loadOrder, moduleName } from "./modules.ts";
import { defaultTimeout, type LabOptions } from "./options.ts";
import { DEBIAN_VERSION, KERNEL_RELEASE } from "./pins.ts";
import type { Steps } from "./progress.ts";
import { boot, qemuArgs } from "./qemu.ts";
import { describeSeries, type Series } from "./series.ts";
import { fetchTraceCmd, traceCmdDirs, traceCmdGuestFiles } from "./trace_cmd.ts";
import { writeBig } from "./lab_big.ts";
import { writeDats } from "./lab_dat.ts";
import { extractGuestFiles, lostInStats, type TraceHeader, writeTrace } from "./traces.ts";
import { buildWorkloads, type Workload } from "./workloads.ts";

/** Where traces go: `--out`, else traces/lab (traces/lab/mutants with a mutant). */
export function traceDir(root: string, opts: LabOptions): string {
  if (opts.out !== undefined) return opts.out;
  if (opts.stock) return `${root}/traces/lab/stock`;
  return opts.mutant !== undefined ? `${root}/traces/lab/mutants` : `${root}/traces/lab`;
}

/**
 * The trace file of workload `w`: `<w>.trace`; with a mutant, the mutant
 * patch's name (`M04-kick-without-ipi.trace`) when it is the only workload
 * of the run, else `M04-kick-without-ipi-<w>.trace`.
 */
export function traceName(
  w: string,
  mutantPatch: string | undefined,
  onlyWorkload: boolean,
): string {
  if (mutantPatch === undefined) return `${w}.trace`;
  const base = mutantPatch.replace(/\.patch$/, "");
  return onlyWorkload ? `${base}.trace` : `${base}-${w}.trace`;
}

/** The command that remakes one trace. */
export function remakeCommand(w: string, opts: LabOptions): string {
  return [
    "deno task lab",
    `--workload ${w}`,
    ...(opts.mutant !== undefined ? [`--mutant ${opts.mutant}`] : []),
    ...(opts.stock ? ["--stock"] : []),
    ...(opts.smp !== 2 ? [`--smp ${opts.smp}`] : []),
    ...(opts.rounds !== undefined ? [`--rounds ${opts.rounds}`] : []),
  ].join(" ");
}

/** What a finished guest run left for the output step. */
export interface GuestRun {
  /** The run directory (removed afterwards unless --keep). */
  readonly runDir: string;
  /** Its log of host commands. */
  readonly log: string;
  /** The guest's files, checksums verified. */
  readonly got: string;
  /** How QEMU was started (for the files' notes). */
  readonly qemu: string;
  /** Seconds the guest ran (boot to power-off). */
  readonly bootSeconds: number;
}

/** Runs `ws` in the guest; returns the lab's exit code (1 when a workload failed). */
export async function runGuest(
  root: string,
  c: LabCache,
  series: Series,
  ws: readonly Workload[],
  opts: LabOptions,
  steps: Steps,
): Promise<number> {
  const runDir = `${c.runs}/${new Date().toISOString().replace(/[:.]/g, "-")}`;
  await Deno.mkdir(runDir, { recursive: true });
  const log = `${runDir}/lab.log`;
  const smp = Math.max(opts.smp, ...ws.map((w) => w.minSmp));
  let bins: string[] = [];
  await steps.step("workloads", async () => {
    bins = await buildWorkloads(root, ws, `${runDir}/w`, log);
    return `${bins.length} built`;
  });
  const useTraceCmd = opts.dat || opts.big;
  let files: GuestFile[] = [];
  if (useTraceCmd) {
    await steps.step("trace-cmd", async () => {
      const debs = await fetchTraceCmd(c);
      files = await traceCmdGuestFiles(traceCmdDirs(c).root);
      steps.info(`packages: ${debs.join(" ")}`);
      return `${files.length} files for the guest`;
    });
  }
  const image = unpackedDir(c, `linux-image-${KERNEL_RELEASE}-unsigned`);
  const stockDir = `${image}/lib/modules/${KERNEL_RELEASE}/kernel`;
  const built = KVM_MODULES.map((m) => {
    const file = m.split("/").pop() ?? m;
    return { name: moduleName(file), path: `${modulesDir(c, series)}/${file}` };
  });
  await steps.step("initramfs", async () => {
    const order = await loadOrder(built, stockDir);
    const diskMods = await loadOrder([], stockDir, [DISK_MODULE]);
    const all = [...order, ...diskMods];
    const init = initScript({
      modules: order.map((m) => `${m.name}.ko`),
      workloads: ws,
      bufferSizeKb: 32768,
      diskModules: diskMods.map((m) => `${m.name}.ko`),
      rounds: opts.rounds,
      recorder: opts.big
        ? { kind: "big", seconds: opts.seconds }
        : opts.dat
        ? { kind: "trace-cmd" }
        : { kind: "tracefs" },
    });
    const size = await buildInitramfs(
      { init, workloads: bins, modules: all, files },
      `${runDir}/root`,
      `${runDir}/initrd.gz`,
      log,
    );
    steps.info(`modules: ${order.map((m) => m.name).join(" → ")}`);
    return `${(size / 1e6).toFixed(1)} MB`;
  });
  const disk = `${runDir}/out.img`;
  // --big brings out the trace.dat and its report text (~0.5 GB): room on the
  // disk, and in the guest's memory, where the files wait in the initramfs.
  await run("truncate", ["-s", opts.big ? "4G" : "512M", disk]);
  const bootPlan = {
    kernel: `${image}/boot/vmlinuz-${KERNEL_RELEASE}`,
    initrd: `${runDir}/initrd.gz`,
    disk,
    smp,
    memMb: opts.big ? 6144 : 2048,
    consoleLog: `${runDir}/console.log`,
    timeoutSec: defaultTimeout(opts),
    tcgThreads: opts.big ? "single" as const : "multi" as const,
  };
  const t0 = performance.now();
  await steps.step(`boot (QEMU TCG, ${smp} CPUs)`, async () => {
    await boot(bootPlan, (l) => steps.info(l));
    return undefined;
  });
  const bootSeconds = (performance.now() - t0) / 1000;
  const got = `${runDir}/guest-out`;
  await steps.step("out of the guest", async () => {
    const files = await extractGuestFiles(disk, got, log);
    return `${files.length} files, checksums verified`;
  });
  const qemuVersion =
    (await run("qemu-system-x86_64", ["--version"], { capture: true })).split("\n")[0];
  const guest: GuestRun = {
    runDir,
    log,
    got,
    qemu: `${qemuVersion}; qemu-system-x86_64 ${
      qemuArgs({ ...bootPlan, kernel: "vmlinuz", initrd: "initrd.gz", disk: "out.img" }).join(" ")
    }`,
    bootSeconds,
  };
  const verdict = opts.big
    ? await writeBig(root, series, opts, steps, guest)
    : opts.dat
    ? await writeDats(root, c, series, ws, opts, steps, guest)
    : await writeTraces(root, series, ws, opts, steps, guest);
  if (!opts.keep) await Deno.remove(runDir, { recursive: true });
  else steps.info(`kept ${runDir}`);
  return verdict;
}

/** Writes each workload's text trace with its header, and lints it; returns the exit code. */
async function writeTraces(
  root: string,
  series: Series,
  ws: readonly Workload[],
  opts: LabOptions,
  steps: Steps,
  guest: GuestRun,
): Promise<number> {
  const { got } = guest;
  const outDir = traceDir(root, opts);
  const written: string[] = [];
  let failed = 0;
  await steps.step("traces", async () => {
    await Deno.mkdir(outDir, { recursive: true });
    for (const w of ws) {
      const body = await Deno.readFile(`${got}/${w.name}.trace`).catch(() => undefined);
      if (body === undefined) throw new LabError(`the guest wrote no trace of ${w.name}`);
      const { rc, verdict } = await workloadResult(got, w.name, steps);
      if (rc !== 0) failed++;
      const stats = await Deno.readTextFile(`${got}/${w.name}.stats`).catch(() => "");
      const lost = lostInStats(stats);
      if (lost > 0) {
        steps.info(`warning: the ring buffer lost ${lost} events of ${w.name} (tracefs stats)`);
      }
      const path = `${outDir}/${traceName(w.name, series.mutant?.name, ws.length === 1)}`;
      await writeTrace(
        path,
        labHeader(w, series, guest, { rc, verdict }, remakeCommand(w.name, opts)),
        body,
      );
      written.push(path);
      steps.info(`${path}: ${(body.length / 1e6).toFixed(2)} MB, workload exit ${rc}`);
    }
    return `${written.length} traces`;
  });
  if (opts.lint) {
    await steps.step("lint", async () => {
      for (const p of written) {
        steps.info(`${p.split("/").pop()}: ${await lintSummary(root, p)}`);
      }
      return undefined;
    });
  }
  return failed > 0 ? 1 : 0;
}

/** The `#` header of a lab recording of workload `w`: kernel, series, verdict, QEMU, remake. */
export function labHeader(
  w: Workload,
  series: Series,
  guest: GuestRun,
  result: { rc: number; verdict: string },
  command: string,
): TraceHeader {
  return {
    workload: w.name,
    summary: w.summary,
    kernel: KERNEL_RELEASE,
    debianVersion: DEBIAN_VERSION,
    seriesKey: series.key,
    series: seriesText(series),
    exitCode: result.rc,
    verdict: result.verdict,
    qemu: guest.qemu,
    command,
  };
}

/** What the series holds, with its patch names. */
export function seriesText(series: Series): string {
  return describeSeries(series) +
    (series.patches.length > 0 ? `: ${series.patches.map((p) => p.name).join(", ")}` : "");
}

/**
 * The exit code and last output line of workload `w` (files `<w>.rc` and
 * `<w>.out` the guest wrote); a failure is shown with its FAIL lines.
 */
export async function workloadResult(
  got: string,
  w: string,
  steps: Steps,
): Promise<{ rc: number; verdict: string }> {
  const rc = Number((await Deno.readTextFile(`${got}/${w}.rc`)).trim());
  const out = await Deno.readTextFile(`${got}/${w}.out`);
  const verdict = out.trim().split("\n").pop() ?? "";
  if (rc !== 0) {
    steps.info(`workload ${w} FAILED (exit ${rc}):`);
    for (const l of out.trim().split("\n").filter((l) => l.startsWith("FAIL")).slice(0, 10)) {
      steps.info(`  ${l}`);
    }
  }
  return { rc, verdict };
}

/** `kvmreq lint --fail-on never FILE…`'s summary lines (checked, totals), joined with ` | `. */
export async function lintSummary(
  root: string,
  path: string,
  extra: string[] = [],
): Promise<string> {
  const out = await run("deno", [
    "run",
    "--allow-read",
    `${root}/main.ts`,
    "lint",
    "--fail-on",
    "never",
    ...extra,
    path,
  ], { capture: true });
  const lines = out.trimEnd().split("\n");
  const summary = lines.filter((l) =>
    /^\s*(checked|✖|✔|not checked)/.test(l) || /findings?/.test(l)
  );
  return summary.slice(-4).join(" | ");
}
