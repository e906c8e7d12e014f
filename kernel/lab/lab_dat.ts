/**
 * `deno task lab --dat`: each workload recorded with trace-cmd in the guest
 * (guest_trace_cmd.ts datRunLines). Writes `lab-<name>.dat`, the guest's
 * `trace-cmd report` text of it (`lab-<name>.report.txt`, checked byte for
 * byte against the host's trace-cmd when the host has one), the kernel's own
 * text of the same ring buffer (`lab-<name>.tracefs.txt`) and
 * `lab-<name>.header.txt` (the same
 * `#` lines a lab text trace starts with: kernel, series, workload verdict,
 * QEMU, remake command); then lints the .dat and the text and fails when the
 * two readings give different findings.
 *
 * @module
 */

import type { LabCache } from "./cache.ts";
import { LabError, run } from "./exec.ts";
import { checkedDiffer, factsDiffer, lintJsonFacts, severityText } from "./lint_compare.ts";
import type { LabOptions } from "./options.ts";
import { SOURCE_SERIES } from "./pins.ts";
import { hasTool } from "./prereqs.ts";
import type { Steps } from "./progress.ts";
import { type GuestRun, labHeader, remakeCommand, traceName, workloadResult } from "./run_guest.ts";
import type { Series } from "./series.ts";
import { headerLines, lostInStats } from "./traces.ts";
import type { Workload } from "./workloads.ts";

/** `lab-<trace name without .trace>`: `lab-ipi`, `lab-M04-kick-without-ipi`. */
export function datBaseName(w: string, mutantPatch: string | undefined, only: boolean): string {
  return `lab-${traceName(w, mutantPatch, only).replace(/\.trace$/, "")}`;
}

/** Where `--dat` writes: `--out`, else `$KVMREQ_LAB_CACHE/dat`. */
export function datDir(c: LabCache, opts: LabOptions): string {
  return opts.out ?? `${c.root}/dat`;
}

/** The host's trace-cmd version (`3.1.6`), or undefined when the host has none. */
export async function hostTraceCmd(): Promise<string | undefined> {
  if (!hasTool({ command: "trace-cmd", pkg: "trace-cmd" })) return undefined;
  // trace-cmd --version prints to stdout and exits non-zero on some versions
  const out = await new Deno.Command("trace-cmd", { args: ["--version"], stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return /version (\S+)/.exec(text)?.[1] ?? "unknown version";
}

/** The first line where two texts differ, as `line N: guest …; host …`. */
export function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return `line ${i + 1}: guest ${JSON.stringify(x[i])}; host ${JSON.stringify(y[i])}`;
    }
  }
  return "identical";
}

/**
 * Checks that the host's trace-cmd prints `dat` exactly as the guest did
 * (`report`); returns a note for the log. Throws on a difference.
 */
export async function sameReportOnHost(dat: string, report: string): Promise<string> {
  const version = await hostTraceCmd();
  if (version === undefined) return "no trace-cmd on the host: the guest's report is the only one";
  const host = await run("trace-cmd", ["report", "-i", dat], { capture: true });
  if (host !== report) {
    throw new LabError(`the host's trace-cmd report of ${dat} differs from the guest's`, [
      firstDifference(report, host),
    ]);
  }
  return `the host's trace-cmd ${version} prints it identically`;
}

/** Writes each workload's trace.dat, report text and header; lints both readings. */
export async function writeDats(
  root: string,
  c: LabCache,
  series: Series,
  ws: readonly Workload[],
  opts: LabOptions,
  steps: Steps,
  guest: GuestRun,
): Promise<number> {
  const { got } = guest;
  const outDir = datDir(c, opts);
  const written: { dat: string; report: string }[] = [];
  let failed = 0;
  await steps.step("trace.dat files", async () => {
    await Deno.mkdir(outDir, { recursive: true });
    for (const w of ws) {
      const dat = await Deno.readFile(`${got}/${w.name}.dat`).catch(() => undefined);
      if (dat === undefined) throw new LabError(`the guest wrote no trace.dat of ${w.name}`);
      const report = await Deno.readTextFile(`${got}/${w.name}.report.txt`);
      const { rc, verdict } = await workloadResult(got, w.name, steps);
      if (rc !== 0) failed++;
      const stat = await Deno.readTextFile(`${got}/${w.name}.stat`).catch(() => "");
      const lost = lostInStats(stat);
      if (lost > 0) steps.info(`warning: the ring buffer lost ${lost} events of ${w.name}`);
      const base = `${outDir}/${datBaseName(w.name, series.mutant?.name, ws.length === 1)}`;
      await Deno.writeFile(`${base}.dat`, dat);
      await Deno.writeTextFile(`${base}.report.txt`, report);
      await Deno.copyFile(`${got}/${w.name}.tracefs.txt`, `${base}.tracefs.txt`);
      const header = headerLines(
        labHeader(
          w,
          series,
          guest,
          { rc, verdict },
          `${remakeCommand(w.name, opts)} --dat${opts.out ? ` --out ${opts.out}` : ""}`,
        ),
      );
      await Deno.writeTextFile(
        `${base}.header.txt`,
        [...header, `# recorder: ${recorderLine(stat)}`, ""].join("\n"),
      );
      const same = await sameReportOnHost(`${base}.dat`, report);
      written.push({ dat: `${base}.dat`, report: `${base}.report.txt` });
      steps.info(
        `${base}.dat: ${(dat.length / 1e3).toFixed(0)} kB, report ${
          (report.length / 1e6).toFixed(2)
        } MB (${same}), workload exit ${rc}`,
      );
    }
    return `${written.length} recordings`;
  });
  if (opts.lint) {
    await steps.step("lint (trace.dat and its text)", async () => {
      for (const { dat, report } of written) {
        const a = await lintJsonFacts(root, dat, SOURCE_SERIES);
        const b = await lintJsonFacts(root, report, SOURCE_SERIES);
        const diff = factsDiffer(a, b);
        if (diff.length > 0) {
          throw new LabError(`kvmreq reads ${dat} and its report text differently`, diff);
        }
        const checked = checkedDiffer(a, b);
        steps.info(
          `${dat.split("/").pop()}: ${a.events} events, ${severityText(a)}; its text: the same` +
            (checked !== "" ? ` (${checked})` : ""),
        );
      }
      return undefined;
    });
  }
  return failed > 0 ? 1 : 0;
}

/** Events read from the ring buffer, summed over CPUs (`read events:` of `trace-cmd report --stat`). */
export function readEvents(stat: string): number {
  return [...stat.matchAll(/^read events: (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** How the trace.dat was made, one line, with the ring buffer's counts. */
export function recorderLine(stat: string): string {
  return "trace-cmd start, the workload, trace-cmd stop, trace-cmd extract (Debian trace-cmd " +
    `3.1.6-1 in the guest; /proc/kallsyms cut to the symbols the kernel's text names): ` +
    `${readEvents(stat)} events read, ${lostInStats(stat)} lost (trace-cmd report --stat)`;
}
