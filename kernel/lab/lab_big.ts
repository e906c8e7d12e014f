/**
 * `deno task lab --big`: one long real recording for the benchmarks (issue
 * 17). The guest ran the workloads over and over under one `trace-cmd
 * record` and printed the result with `trace-cmd report`; this writes
 * `big.dat` and `big.trace` (that text) to the big directory, checks that
 * the host's trace-cmd prints the same text (and times it), lints both
 * readings, and writes `big.txt`: how the recording was made, its sizes,
 * events and times.
 *
 * @module
 */

import { LabError, run } from "./exec.ts";
import { hostTraceCmd } from "./lab_dat.ts";
import {
  checkedDiffer,
  factsDiffer,
  type LintFacts,
  lintJsonFacts,
  severityText,
} from "./lint_compare.ts";
import type { LabOptions } from "./options.ts";
import { DEBIAN_VERSION, KERNEL_RELEASE, SOURCE_SERIES } from "./pins.ts";
import { fmtSeconds, type Steps } from "./progress.ts";
import { type GuestRun, seriesText } from "./run_guest.ts";
import type { Series } from "./series.ts";
import { lostInStats } from "./traces.ts";

/** Where `--big` writes without `--out` or `$KVMREQ_BIG_DIR` (bench/run.ts's default too). */
export const DEFAULT_BIG_DIR = "/work/big";

/** Where `--big` writes: `--out`, else `$KVMREQ_BIG_DIR`, else {@link DEFAULT_BIG_DIR}. */
export function bigDir(opts: LabOptions): string {
  if (opts.out !== undefined) return opts.out;
  const env = Deno.env.get("KVMREQ_BIG_DIR");
  return env !== undefined && env !== "" ? env : DEFAULT_BIG_DIR;
}

/** Runs per workload and failed runs, from the guest's `big.runs` (`name exit-code` lines). */
export function runCounts(runs: string): Map<string, { runs: number; failed: number }> {
  const out = new Map<string, { runs: number; failed: number }>();
  for (const line of runs.split("\n")) {
    const m = /^(\S+) (\d+)$/.exec(line.trim());
    if (m === null) continue;
    const n = out.get(m[1]) ?? { runs: 0, failed: 0 };
    n.runs++;
    if (m[2] !== "0") n.failed++;
    out.set(m[1], n);
  }
  return out;
}

/** The guest clock at each step, from `big.times` (`step seconds` lines). */
export function guestTimes(times: string): Map<string, number> {
  return new Map(
    [...times.matchAll(/^(\w+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])] as [string, number]),
  );
}

/** The remake command of a big recording. */
export function bigCommand(opts: LabOptions): string {
  return [
    "deno task lab --big",
    ...opts.workloads.map((w) => `--workload ${w}`),
    `--seconds ${opts.seconds}`,
    ...(opts.mutant !== undefined ? [`--mutant ${opts.mutant}`] : []),
    ...(opts.stock ? ["--stock"] : []),
    ...(opts.smp !== 2 ? [`--smp ${opts.smp}`] : []),
    ...(opts.rounds !== undefined ? [`--rounds ${opts.rounds}`] : []),
  ].join(" ");
}

/** Moves `from` to `to` (copies across file systems). */
async function move(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch {
    await Deno.copyFile(from, to);
    await Deno.remove(from);
  }
}

/**
 * Writes big.dat, big.trace, big.txt and (when a workload run failed its own
 * checks) big.fails.txt; returns the exit code. Throws when the guest ran
 * nothing or the two readings of the recording differ.
 */
export async function writeBig(
  root: string,
  series: Series,
  opts: LabOptions,
  steps: Steps,
  guest: GuestRun,
): Promise<number> {
  const { got } = guest;
  const dir = bigDir(opts);
  await Deno.mkdir(dir, { recursive: true });
  const dat = `${dir}/big.dat`;
  const text = `${dir}/big.trace`;
  const runs = runCounts(await Deno.readTextFile(`${got}/big.runs`).catch(() => ""));
  const times = guestTimes(await Deno.readTextFile(`${got}/big.times`));
  const stat = await Deno.readTextFile(`${got}/big.stat`).catch(() => "");
  const lost = lostInStats(stat);
  const fails: string[] = [];
  for await (const e of Deno.readDir(got)) {
    if (e.name.startsWith("big-fail-")) {
      fails.push(`== ${e.name}\n${await Deno.readTextFile(`${got}/${e.name}`)}`);
    }
  }
  for (const [w, n] of runs) {
    if (n.failed > 0) {
      steps.info(
        `warning: ${w}: ${n.failed} of ${n.runs} runs failed their own checks (big.fails.txt)`,
      );
    }
  }
  if (runs.size === 0) throw new LabError("the guest ran no workload (big.runs is empty)");
  let hostNote = "";
  await steps.step("big.dat and big.trace", async () => {
    await move(`${got}/big.dat`, dat);
    await move(`${got}/big.trace`, text);
    const version = await hostTraceCmd();
    if (version === undefined) {
      hostNote = "no trace-cmd on the host: big.trace is the guest's report alone";
      return hostNote;
    }
    const hostText = `${guest.runDir}/host.trace`;
    const t0 = performance.now();
    await run("sh", ["-c", 'trace-cmd report -i "$1" > "$2"', "sh", dat, hostText], {
      log: guest.log,
    });
    const s = (performance.now() - t0) / 1000;
    try {
      await run("cmp", [text, hostText], { log: guest.log });
    } catch (e) {
      throw new LabError("the host's trace-cmd report of big.dat differs from the guest's", [
        ...(e instanceof LabError ? e.detail.slice(-2) : []),
        `guest: ${text}; host: ${hostText} (kept: --keep)`,
      ]);
    }
    await Deno.remove(hostText);
    hostNote = `the host's trace-cmd ${version} prints big.dat byte for byte as the guest's did ` +
      `(trace-cmd report -i big.dat > file: ${s.toFixed(1)} s on the host, once)`;
    return `identical on the host (${s.toFixed(1)} s)`;
  });
  let facts: LintFacts | undefined;
  let lintSeconds: number[] = [];
  if (opts.lint) {
    await steps.step("lint (big.dat and big.trace)", async () => {
      const t0 = performance.now();
      const a = await lintJsonFacts(root, dat, SOURCE_SERIES);
      const t1 = performance.now();
      const b = await lintJsonFacts(root, text, SOURCE_SERIES);
      lintSeconds = [(t1 - t0) / 1000, (performance.now() - t1) / 1000];
      const diff = factsDiffer(a, b);
      if (diff.length > 0) {
        throw new LabError("kvmreq reads big.dat and big.trace differently", diff);
      }
      facts = a;
      const checked = checkedDiffer(a, b);
      return `${a.events} events, ${severityText(a)}; big.trace: the same` +
        (checked !== "" ? ` (${checked})` : "");
    });
  }
  const datBytes = (await Deno.stat(dat)).size;
  const textBytes = (await Deno.stat(text)).size;
  const start = times.get("start") ?? 0;
  const span = (k: string, from: string) =>
    times.has(k) && times.has(from) ? `${times.get(k)! - times.get(from)!} s` : "?";
  const notes = [
    "# big: a long real recording for deno task bench (issue 17), made by deno task lab --big",
    `made: ${new Date().toISOString()}`,
    `remake: ${bigCommand(opts)}`,
    `kernel: ${KERNEL_RELEASE} (Debian ${DEBIAN_VERSION}) under QEMU TCG; ${guest.qemu}`,
    `series: ${series.key} (${seriesText(series)})`,
    `workloads: ${
      [...runs].map(([w, n]) => `${w} ×${n.runs}${n.failed > 0 ? ` (${n.failed} failed)` : ""}`)
        .join(", ")
    }, one after the other for ${opts.seconds} s`,
    "recorder: trace-cmd record (Debian trace-cmd 3.1.6-1 in the guest; its default file " +
    "version and compression) of -e kvm -e sched:sched_switch -e sched:sched_waking " +
    "-e sched:sched_wakeup -e ipi -e csd, a stacktrace trigger on kvm:kvm_vcpu_kick, " +
    "-C global, -b 32768 (32 MB per CPU)",
    // record's statistics are taken before its last read of the buffers, so
    // their "entries"/"read events" are not the file's count; lost ones are.
    `ring buffer: ${lost} events lost (overrun, commit overrun, dropped: trace-cmd report --stat)`,
    `big.dat: ${datBytes} bytes (${(datBytes / 1e6).toFixed(1)} MB)`,
    `big.trace: ${textBytes} bytes (${
      (textBytes / 1e6).toFixed(1)
    } MB), trace-cmd report -i big.dat`,
    ...(facts !== undefined
      ? [
        `events: ${facts.events} (kvmreq lint reads the same number from both; findings: ${
          severityText(facts)
        })`,
        `lint: kvmreq lint -f json of big.dat ${lintSeconds[0].toFixed(1)} s, of big.trace ${
          lintSeconds[1].toFixed(1)
        } s (wall, once, on a shared machine: deno task bench measures properly)`,
      ]
      : []),
    `guest time: workloads ${span("recorded", "start")} (with trace-cmd's merge), ` +
    `trace-cmd report ${span("reported", "recorded")}; boot to power-off ${
      fmtSeconds(guest.bootSeconds)
    }`,
    `report: ${hostNote}`,
    "",
  ];
  await Deno.writeTextFile(`${dir}/big.txt`, notes.join("\n"));
  await Deno.remove(`${dir}/big.fails.txt`).catch(() => {});
  if (fails.length > 0) await Deno.writeTextFile(`${dir}/big.fails.txt`, fails.sort().join("\n"));
  steps.info(
    `${dir}: big.dat ${(datBytes / 1e6).toFixed(1)} MB, big.trace ${
      (textBytes / 1e6).toFixed(0)
    } MB${facts !== undefined ? `, ${(facts.events / 1e6).toFixed(2)} M events` : ""}${
      start > 0 ? `, workloads ${span("recorded", "start")}` : ""
    }`,
  );
  // A run that failed its own checks is still a real recording of the
  // kernel (big.txt counts them, big.fails.txt has their output).
  return 0;
}
