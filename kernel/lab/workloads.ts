/**
 * The workloads: `kernel/lab/workloads/*.c`, each a static program that
 * drives a real guest through /dev/kvm, built with
 * `gcc -O2 -static -pthread` together with the shared `lab_vm.c`.
 *
 * @module
 */

import { exists, LabError, run } from "./exec.ts";
import { UsageError } from "./options.ts";

/** One workload. */
export interface Workload {
  /** Name (the file name without `.c`). */
  readonly name: string;
  /** Its source file. */
  readonly source: string;
  /** The first line of its header comment. */
  readonly summary: string;
  /** vCPUs of the QEMU machine it needs at least. */
  readonly minSmp: number;
  /** Parameters kvm_amd is reloaded with for this workload (`npt=0`), or "". */
  readonly kvmAmdParams: string;
}

/** Files every workload is linked with. */
const SHARED = ["lab_vm.c", "lab_guest.S"];

/** Reads the workloads in `root/kernel/lab/workloads`, sorted by name. */
export async function listWorkloads(root: string): Promise<Workload[]> {
  const dir = `${root}/kernel/lab/workloads`;
  const out: Workload[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".c") || SHARED.includes(e.name)) continue;
    const source = `${dir}/${e.name}`;
    const text = await Deno.readTextFile(source);
    out.push({ name: e.name.slice(0, -2), source, ...headerFacts(text) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * What a workload's header comment says: its summary (` * name.c - …`),
 * `smp: N` (QEMU CPUs it needs) and `kvm_amd: PARAMS` (module parameters).
 */
export function headerFacts(
  text: string,
): { summary: string; minSmp: number; kvmAmdParams: string } {
  const m = /^ \* [\w-]+\.c - (.*)$/m.exec(text);
  const smp = /^ \* smp: (\d+)$/m.exec(text);
  const amd = /^ \* kvm_amd: ([\w= ]+)$/m.exec(text);
  return {
    summary: m?.[1] ?? "(no summary)",
    minSmp: smp !== null ? Number(smp[1]) : 2,
    kvmAmdParams: amd?.[1].trim() ?? "",
  };
}

/** The workloads named in `names` (all when empty); an unknown name is a usage error. */
export function selectWorkloads(all: readonly Workload[], names: readonly string[]): Workload[] {
  if (names.length === 0) return [...all];
  return names.map((n) => {
    const w = all.find((x) => x.name === n);
    if (w === undefined) {
      throw new UsageError(`no workload ${n} (known: ${all.map((x) => x.name).join(", ")})`);
    }
    return w;
  });
}

/**
 * The workloads of a `--big` recording: those named (all that need no
 * kvm_amd reload when none is), since one `trace-cmd record` spans them all
 * and kvm_amd is not reloaded under it.
 */
export function bigWorkloads(all: readonly Workload[], names: readonly string[]): Workload[] {
  if (names.length === 0) return all.filter((w) => w.kvmAmdParams === "");
  const chosen = selectWorkloads(all, names);
  const reload = chosen.filter((w) => w.kvmAmdParams !== "");
  if (reload.length > 0) {
    throw new UsageError(
      `--big cannot run ${
        reload.map((w) => `${w.name} (kvm_amd ${w.kvmAmdParams})`).join(", ")
      }: ` +
        "kvm_amd is not reloaded under one recording",
    );
  }
  return chosen;
}

/** Builds each workload into `outDir/<name>`; returns the paths. */
export async function buildWorkloads(
  root: string,
  ws: readonly Workload[],
  outDir: string,
  log: string,
): Promise<string[]> {
  const dir = `${root}/kernel/lab/workloads`;
  await Deno.mkdir(outDir, { recursive: true });
  const out: string[] = [];
  for (const w of ws) {
    const bin = `${outDir}/${w.name}`;
    try {
      await run("gcc", [
        "-O2",
        "-static",
        "-pthread",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-o",
        bin,
        w.source,
        ...SHARED.map((s) => `${dir}/${s}`),
      ], { log });
    } catch (e) {
      throw new LabError(
        `workload ${w.name} does not build`,
        e instanceof LabError ? e.detail : [],
      );
    }
    if (!(await exists(bin))) throw new LabError(`gcc wrote no ${bin}`);
    out.push(bin);
  }
  return out;
}
