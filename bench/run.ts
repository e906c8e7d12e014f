/**
 * End-to-end benchmark of `kvmreq lint`: builds the inputs (bench/inputs.ts,
 * fixed seeds, cached outside the repository), runs `kvmreq lint FILE` as a
 * subprocess several times on each, and prints MB/s,
 * events/s, CPU time and peak RSS, in parallel (default) and sequential
 * (`KVMREQ_WORKERS=0`) mode, the way `deno task kvmreq` runs it (same
 * runtime flags). With a large real recording in `$KVMREQ_BIG_DIR` (default
 * /work/big) and `trace-cmd` present, it also times `trace-cmd report` of
 * that recording against `kvmreq lint` of the trace.dat itself and of its
 * text: `big.dat` and its `trace-cmd report` text `big.trace` (made in the
 * nested guest by `deno task lab --big`), else `boot.dat` and `boot.trace`
 * (`scripts/record-samples.sh --big DIR` on a host with /dev/kvm).
 *
 * ```
 * deno run -A bench/run.ts                 # mixed-200, mixed-1g, dense, real traces
 * deno run -A bench/run.ts --quick         # mixed-200 and a small dense trace
 * deno run -A bench/run.ts --runs 5 mixed-100 mixed-1g
 * ```
 *
 * Timing on a shared machine is noisy: the best wall time of the runs is
 * reported, next to the CPU time (user + sys) of the same run.
 *
 * @module
 */

import { type BenchInput, benchInput, countEvents } from "./inputs.ts";
import { checkCores, formatCoreCheck } from "./core_check.ts";
import { statusLine } from "./status.ts";

/** Progress of the runs on stderr (a terminal only). */
const runStatus = statusLine();

const ROOT = new URL("..", import.meta.url).pathname;

/** One measured run. */
export interface RunResult {
  /** Wall seconds. */
  readonly wall: number;
  /** User + system CPU seconds. */
  readonly cpu: number;
  /** Peak resident set, KiB. */
  readonly rssKb: number;
  /** Exit code. */
  readonly code: number;
}

async function haveTimeBinary(): Promise<boolean> {
  try {
    await Deno.stat("/usr/bin/time");
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `cmd` with `args` (stdout to /dev/null), measuring wall time, CPU time
 * and peak RSS (`/usr/bin/time` when present, else polling /proc/PID/status).
 */
export async function measure(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  if (await haveTimeBinary()) {
    const out = await Deno.makeTempFile();
    try {
      const t0 = performance.now();
      const r = await new Deno.Command("/usr/bin/time", {
        args: ["-f", "%e %U %S %M %x", "-o", out, cmd, ...args],
        env,
        stdout: "null",
        stderr: "null",
      }).output();
      const wall = (performance.now() - t0) / 1000;
      const text = (await Deno.readTextFile(out)).trim().split("\n").pop()!;
      const [, user, sys, rss, code] = text.split(" ").map(Number);
      return { wall, cpu: user + sys, rssKb: rss, code: Number.isFinite(code) ? code : r.code };
    } finally {
      await Deno.remove(out);
    }
  }
  const t0 = performance.now();
  const child = new Deno.Command(cmd, { args, env, stdout: "null", stderr: "null" }).spawn();
  let rssKb = 0;
  let cpu = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const m = /VmHWM:\s+(\d+)/.exec(status);
      if (m) rssKb = Math.max(rssKb, Number(m[1]));
      const st = Deno.readTextFileSync(`/proc/${child.pid}/stat`);
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      cpu = (Number(f[11]) + Number(f[12])) / 100;
    } catch { /* exited */ }
  }, 20);
  const status = await child.status;
  clearInterval(poll);
  return { wall: (performance.now() - t0) / 1000, cpu, rssKb, code: status.code };
}

/**
 * The `deno` arguments that run kvmreq as `deno task kvmreq` does (its
 * runtime flags included), read from deno.json so the benchmark measures
 * what users run.
 */
export function kvmreqArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));
  const words = String(config.tasks.kvmreq).split(/\s+/).filter((w) => w !== "");
  if (words[0] !== "deno") throw new Error(`deno.json tasks.kvmreq does not start with deno`);
  return words.slice(1).map((w) => (w === "main.ts" ? `${ROOT}main.ts` : w));
}

/**
 * The `deno` arguments that run bench/stages.ts on `path` with kvmreq's
 * runtime flags (see {@link kvmreqArgs}).
 */
export function stagesArgs(path: string, runs: number): string[] {
  const main = `${ROOT}main.ts`;
  const args = kvmreqArgs().map((a) => (a === main ? `${ROOT}bench/stages.ts` : a));
  if (!args.includes(`${ROOT}bench/stages.ts`)) {
    throw new Error("tasks.kvmreq does not run main.ts");
  }
  return [...args, path, "--runs", String(runs)];
}

/** The 1-minute load average (`/proc/loadavg`), `undefined` where there is none. */
export function loadAverage(): number | undefined {
  try {
    const v = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line on how busy the machine is: timings are only comparable on a
 * quiet one. `before` the runs, a load of half the cores or more gets a
 * warning; after them the load includes the benchmark's own runs.
 */
export function machineLine(when: "before" | "after"): string {
  const cores = navigator.hardwareConcurrency ?? 1;
  const load = loadAverage();
  if (load === undefined) return `${when}: ${cores} cores, load average unknown`;
  const note = when === "after"
    ? " (the runs above included)"
    : load >= 0.5 * cores
    ? " — other work is running: expect lower numbers than on a quiet machine"
    : "";
  return `${when}: ${cores} cores, load average ${load.toFixed(2)} (1 min)${note}`;
}

/** Runs `kvmreq lint` on `path` `runs` times; the run with the best wall time, and the worst RSS. */
export async function benchLint(
  path: string,
  runs: number,
  env: Record<string, string> = {},
): Promise<RunResult & { rssMaxKb: number }> {
  let best: RunResult | undefined;
  let rssMaxKb = 0;
  const mode = env.KVMREQ_WORKERS === "0" ? "sequential" : "parallel";
  for (let i = 0; i < runs; i++) {
    runStatus.show(`kvmreq lint ${path.split("/").pop()} (${mode}): run ${i + 1} of ${runs}`);
    const r = await measure(Deno.execPath(), [...kvmreqArgs(), "lint", path], env);
    runStatus.clear();
    if (r.code !== 0 && r.code !== 1) throw new Error(`kvmreq lint ${path} exited with ${r.code}`);
    rssMaxKb = Math.max(rssMaxKb, r.rssKb);
    if (best === undefined || r.wall < best.wall) best = r;
  }
  return { ...best!, rssMaxKb };
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))
    .join("  ");
}

const WIDTHS = [30, 8, 9, 9, 11, 8, 10];

function report(label: string, input: BenchInput, r: RunResult & { rssMaxKb: number }): string {
  return row([
    label,
    (input.bytes / 1e6).toFixed(0),
    r.wall.toFixed(2),
    (input.bytes / 1e6 / r.wall).toFixed(0),
    (input.events / r.wall / 1e6).toFixed(2) + " M",
    r.cpu.toFixed(2),
    (r.rssMaxKb / 1024).toFixed(0) + " MB",
  ], WIDTHS);
}

async function which(cmd: string): Promise<boolean> {
  try {
    const r = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** A real recording as trace.dat and as its `trace-cmd report` text. */
interface BigRecording {
  readonly dat: string;
  readonly text: string;
}

/** The big recording in `dir`: big.dat + big.trace, else boot.dat + boot.trace, else none. */
async function bigRecording(dir: string): Promise<BigRecording | undefined> {
  for (const stem of ["big", "boot"]) {
    const pair = { dat: `${dir}/${stem}.dat`, text: `${dir}/${stem}.trace` };
    try {
      await Deno.stat(pair.dat);
      await Deno.stat(pair.text);
      return pair;
    } catch { /* absent */ }
  }
  return undefined;
}

if (import.meta.main) {
  const args = [...Deno.args];
  let runs = 3;
  const quick = args.includes("--quick");
  const ri = args.indexOf("--runs");
  if (ri >= 0) {
    runs = Number(args[ri + 1]);
    args.splice(ri, 2);
  }
  const names = args.filter((a) => !a.startsWith("--"));
  const selected = names.length > 0
    ? names
    : quick
    ? ["mixed-200", "dense-small"]
    : ["mixed-100", "mixed-200", "mixed-1g", "dense"];
  const inputs: BenchInput[] = [];
  for (const n of selected) inputs.push(await benchInput(n));
  if (names.length === 0 && !quick) {
    const big = await bigRecording(Deno.env.get("KVMREQ_BIG_DIR") ?? "/work/big");
    const reals = [...(big === undefined ? [] : [big.text]), `${ROOT}traces/boot-2vcpu.trace`];
    for (const real of reals) {
      try {
        const bytes = (await Deno.stat(real)).size;
        inputs.push({
          name: real.split("/").pop()!,
          path: real,
          bytes,
          events: await countEvents(real),
          description: "real trace",
        });
      } catch { /* absent */ }
    }
  }
  console.log(machineLine("before"));
  runStatus.show("checking how two threads share this machine");
  const cores = await checkCores();
  runStatus.clear();
  console.log(formatCoreCheck(cores));
  // One unmeasured run first: after a source change Deno compiles and caches
  // the code, which costs time and memory that later runs do not pay.
  await benchLint(inputs[0].path, 1);
  await benchLint(inputs[0].path, 1, { KVMREQ_WORKERS: "0" });
  console.log(
    `kvmreq lint, best of ${runs} runs (wall), CPU = user+sys of that run, RSS = worst run`,
  );
  console.log(
    row(["input / mode", "MB", "wall s", "MB/s", "events/s", "cpu s", "peak RSS"], WIDTHS),
  );
  for (const input of inputs) {
    const par = await benchLint(input.path, runs);
    console.log(report(`${input.name} parallel`, input, par));
    const seq = await benchLint(input.path, runs, { KVMREQ_WORKERS: "0" });
    console.log(report(`${input.name} sequential`, input, seq));
  }
  // Where a dense trace's time goes, stage by stage (bench/stages.ts).
  for (const input of inputs) {
    if (!input.name.startsWith("dense")) continue;
    runStatus.show(`stages of ${input.name}`);
    const r = await new Deno.Command(Deno.execPath(), {
      args: stagesArgs(input.path, runs),
      stdout: "piped",
      stderr: "inherit",
    }).output();
    runStatus.clear();
    const text = new TextDecoder().decode(r.stdout).trimEnd();
    console.log(`\n${input.name}: ${r.success ? text : `stage bench failed (exit ${r.code})`}`);
  }
  // trace-cmd side by side, on the same recording.
  const recording = await bigRecording(Deno.env.get("KVMREQ_BIG_DIR") ?? "/work/big");
  if (!quick && recording !== undefined && await which("trace-cmd")) {
    const { dat, text } = recording;
    let tc: RunResult | undefined;
    for (let i = 0; i < runs; i++) {
      runStatus.show(`trace-cmd report -i ${dat}: run ${i + 1} of ${runs}`);
      const r = await measure("trace-cmd", ["report", "-i", dat]);
      runStatus.clear();
      if (tc === undefined || r.wall < tc.wall) tc = r;
    }
    const events = await countEvents(text);
    console.log(
      `\ntrace-cmd report -i ${dat} > /dev/null: ${tc!.wall.toFixed(2)} s (cpu ${
        tc!.cpu.toFixed(2)
      } s, RSS ${(tc!.rssKb / 1024).toFixed(0)} MB), ${(events / 1e6).toFixed(2)} M events`,
    );
    for (const path of [dat, text]) {
      const lint = await benchLint(path, runs);
      console.log(
        `kvmreq lint ${path}: ${lint.wall.toFixed(2)} s (cpu ${lint.cpu.toFixed(2)} s, RSS ${
          (lint.rssMaxKb / 1024).toFixed(0)
        } MB) — ${(tc!.wall / lint.wall).toFixed(1)}× faster than trace-cmd report`,
      );
    }
  }
  console.log(`\n${machineLine("after")}`);
}
