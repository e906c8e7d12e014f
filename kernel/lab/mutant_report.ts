/**
 * What kvmreq says about the seeded kernel bugs (issue 15): each mutant of
 * `kernel/mutants/MNN-<rule>.patch` has one committed trace
 * `traces/lab/mutants/MNN-<rule>.trace` made by `deno task lab --mutant MNN`;
 * its file name names the rule the bug breaks. The table of
 * docs/mutants.md is made here from the patches, the traces' headers and
 * `kvmreq lint --format json` on each trace, as recorded and as an unpatched
 * production kernel would have recorded it: without the series' events (and
 * the stacks the lab's trigger took of them), see {@link stockOnlyText}.
 *
 * @module
 */

import type { LintFileJson } from "./lab_report.ts";
import { isProtocolEventName } from "../../src/events/protocol.ts";

/** One committed mutant trace and what lint found in it. */
export interface MutantRow {
  /** `M04`. */
  readonly id: string;
  /** The rule the mutant breaks, from its file name (`kick-without-ipi`). */
  readonly rule: string;
  /** The trace, relative to the repository. */
  readonly trace: string;
  /** The patch's subject, without `[PATCH] MUTANT MNN: `. */
  readonly change: string;
  /** The workload, from the trace's `# remake:` header line. */
  readonly workload: string;
  /** The workload's exit code, from the trace's header. */
  readonly exitCode: number | undefined;
  /** Findings of `rule`, by severity. */
  readonly ruleFindings: Readonly<Record<string, number>>;
  /** Findings of other rules: `rule: count`, most first. */
  readonly otherFindings: readonly string[];
  /** Findings of `rule` when the protocol events are dropped. */
  readonly stockOnlyFindings: number;
}

const MUTANT_TRACE = /^(M\d\d)-([a-z-]+)\.trace$/;

/** The committed mutant traces, relative to `root`, sorted. */
export function mutantTraceFiles(root: string): string[] {
  try {
    return [...Deno.readDirSync(`${root}/traces/lab/mutants`)]
      .filter((e) => e.isFile && MUTANT_TRACE.test(e.name))
      .map((e) => `traces/lab/mutants/${e.name}`)
      .sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Runs `kvmreq lint --format json` with `extra` options on `files`; one entry per file. */
async function lintJson(
  root: string,
  files: readonly string[],
  extra: readonly string[],
): Promise<LintFileJson[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/main.ts`, "lint", "--format", "json", "--fail-on", "never"]
      .concat(extra, files),
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`kvmreq lint failed (${r.code}): ${new TextDecoder().decode(r.stderr)}`);
  }
  return (JSON.parse(new TextDecoder().decode(r.stdout)) as { files: LintFileJson[] }).files;
}

/** An ftrace event line: its CPU column and event name (`<stack trace>` included). */
const EVENT_LINE = /-\d+\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s.*?\d+\.\d+: (<stack trace>|\w+)/;

/** The first frame of a stack the `stacktrace` trigger took of event `X`. */
const TRIGGER_FRAME = /^ => trace_event_raw_event_(\w+)/;

/**
 * The ftrace text `trace` as a kernel without the tracepoint series would
 * have printed it: the protocol events (the series' events, see
 * docs/trace-events.md) are dropped, and so is a `<stack trace>` record
 * (with its `=>` frames) that the lab's trigger took of one of them (its
 * first frame is `trace_event_raw_event_kvm_vcpu_kick`). Everything else
 * (headers, stock events and their stacks) is kept byte for byte.
 *
 * @example
 * ```ts
 * import { stockOnlyText } from "./mutant_report.ts";
 * const t = [
 *   "  CPU 0/KVM-154 (153) [000] d..1. 6.907242: kvm_vcpu_mode: vcpu=0 old=OUTSIDE_GUEST_MODE new=IN_GUEST_MODE",
 *   "  CPU 0/KVM-154 (153) [000] d..1. 6.907250: kvm_entry: vcpu 0, rip 0x1000",
 *   "",
 * ].join("\n");
 * if (stockOnlyText(t).includes("kvm_vcpu_mode")) throw new Error();
 * ```
 */
export function stockOnlyText(trace: string): string {
  const lines = trace.split("\n");
  const out: string[] = [];
  let dropping = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = EVENT_LINE.exec(line);
    if (m !== null) {
      const name = m[2];
      if (name === "<stack trace>") {
        const of = TRIGGER_FRAME.exec(lines[i + 1] ?? "")?.[1];
        dropping = of !== undefined && isProtocolEventName(of);
      } else {
        dropping = isProtocolEventName(name);
      }
    } else if (!line.startsWith(" => ")) {
      dropping = false;
    }
    if (!dropping) out.push(line);
  }
  return out.join("\n");
}

/** Lints `files` (from `root`) as stock kernels would have recorded them. */
async function lintStockOnly(root: string, files: readonly string[]): Promise<LintFileJson[]> {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-stock-only-" });
  try {
    const copies: string[] = [];
    for (const f of files) {
      const copy = `${dir}/${f.slice(f.lastIndexOf("/") + 1)}`;
      await Deno.writeTextFile(copy, stockOnlyText(await Deno.readTextFile(`${root}/${f}`)));
      copies.push(copy);
    }
    return await lintJson(root, copies, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The rows of the mutant table, one per committed mutant trace. */
export async function mutantRows(root: string): Promise<MutantRow[]> {
  const files = mutantTraceFiles(root);
  if (files.length === 0) return [];
  const full = await lintJson(root, files, []);
  const stock = await lintStockOnly(root, files);
  return files.map((trace, i) => {
    const [, id, rule] = MUTANT_TRACE.exec(trace.slice(trace.lastIndexOf("/") + 1))!;
    const patch = Deno.readTextFileSync(`${root}/kernel/mutants/${id}-${rule}.patch`);
    // A long Subject: header is folded onto indented continuation lines.
    const header = /^Subject: (.*(?:\n .*)*)/m.exec(patch)?.[1].replace(/\n /g, " ") ?? "";
    const subject = /^(?:\[PATCH\] )?MUTANT M\d\d: (.*)$/.exec(header)?.[1] ?? "?";
    const head = Deno.readTextFileSync(`${root}/${trace}`).slice(0, 8000);
    const workload = /^# remake: .*--workload (\S+)/m.exec(head)?.[1] ?? "?";
    const exit = /^# workload exit code (-?\d+)/m.exec(head)?.[1];
    const ruleFindings: Record<string, number> = {};
    const others = new Map<string, number>();
    for (const f of full[i].findings) {
      if (f.ruleId === rule) ruleFindings[f.severity] = (ruleFindings[f.severity] ?? 0) + 1;
      else others.set(f.ruleId, (others.get(f.ruleId) ?? 0) + 1);
    }
    return {
      id,
      rule,
      trace,
      change: subject,
      workload,
      exitCode: exit === undefined ? undefined : Number(exit),
      ruleFindings,
      otherFindings: [...others].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([r, n]) => `${r}: ${n}`),
      stockOnlyFindings: stock[i].findings.filter((f) => f.ruleId === rule).length,
    };
  });
}

function bySeverity(counts: Readonly<Record<string, number>>): string {
  const parts = ["error", "warning", "info"].filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}${counts[s] === 1 ? "" : "s"}`);
  return parts.length > 0 ? parts.join(", ") : "**none**";
}

/** The markdown table of docs/mutants.md. */
export function mutantTable(rows: readonly MutantRow[]): string {
  const lines = [
    "| mutant | kernel change | workload (exit) | expected rule | its findings | other findings | stock events only |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| [${r.id}](../kernel/mutants/${r.id}-${r.rule}.patch) | ${r.change} | ` +
        `${r.workload} (${r.exitCode ?? "?"}) | \`${r.rule}\` | ${bySeverity(r.ruleFindings)} | ` +
        `${r.otherFindings.length > 0 ? r.otherFindings.join(", ") : "none"} | ` +
        `${r.stockOnlyFindings > 0 ? `caught (${r.stockOnlyFindings})` : "not caught"} |`,
    );
  }
  return lines.join("\n");
}

const BEGIN = "<!-- mutants:begin -->";
const END = "<!-- mutants:end -->";

/** `doc` with its generated mutant table replaced by `table`. */
export function withMutantTable(doc: string, table: string): string {
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b < 0 || e < b) throw new Error(`docs/mutants.md lacks ${BEGIN} … ${END}`);
  return `${doc.slice(0, b + BEGIN.length)}\n${table}\n${doc.slice(e)}`;
}
