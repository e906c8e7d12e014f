/**
 * What kvmreq says about the committed lab traces: a compact summary per
 * trace (pinned by golden tests) and the rule-coverage table of
 * docs/lab-traces.md, both from `kvmreq lint --format json`.
 *
 * @module
 */

import { RULES } from "../../src/rules/index.ts";
import { listWorkloads } from "./workloads.ts";

/** The part of one file's lint JSON the lab reads. */
export interface LintFileJson {
  readonly file: string;
  readonly events: number;
  readonly skippedLines: number;
  readonly lostEvents: number;
  readonly vcpus: number;
  readonly checkedRules: readonly string[];
  readonly notCheckedRules: readonly { readonly id: string }[];
  readonly findings: readonly {
    readonly ruleId: string;
    readonly severity: string;
    readonly line: number;
    readonly vcpu?: number;
    readonly message: string;
  }[];
}

/** A lab trace's findings and coverage, as pinned by its golden. */
export interface TraceSummary {
  readonly file: string;
  readonly events: number;
  readonly skippedLines: number;
  readonly lostEvents: number;
  readonly vcpus: number;
  readonly checkedRules: readonly string[];
  /** `error: 0, warning: 2, info: 1`. */
  readonly totals: Readonly<Record<string, number>>;
  /** One line per finding: `LINE SEVERITY RULE vCPU N: MESSAGE`. */
  readonly findings: readonly string[];
}

/** The summary of one file of lint's JSON report. */
export function summarize(f: LintFileJson): TraceSummary {
  const totals: Record<string, number> = { error: 0, warning: 0, info: 0 };
  for (const x of f.findings) totals[x.severity] = (totals[x.severity] ?? 0) + 1;
  return {
    file: f.file,
    events: f.events,
    skippedLines: f.skippedLines,
    lostEvents: f.lostEvents,
    vcpus: f.vcpus,
    checkedRules: f.checkedRules,
    totals,
    findings: f.findings.map((x) =>
      `${x.line} ${x.severity} ${x.ruleId}${
        x.vcpu !== undefined ? ` vCPU ${x.vcpu}` : ""
      }: ${x.message}`
    ),
  };
}

/** Runs `kvmreq lint --format json` on `files` (from `root`) and returns each file's summary. */
export async function lintSummaries(
  root: string,
  files: readonly string[],
): Promise<TraceSummary[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}/main.ts`,
      "lint",
      "--format",
      "json",
      "--fail-on",
      "never",
      ...files,
    ],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout);
  if (!r.success) {
    throw new Error(`kvmreq lint failed (${r.code}): ${new TextDecoder().decode(r.stderr)}`);
  }
  const json = JSON.parse(text) as { files: LintFileJson[] };
  return json.files.map(summarize);
}

/** The committed lab traces, relative to `root`: traces/lab/*.trace, then stock/ and mutants/. */
export function labTraceFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of ["traces/lab", "traces/lab/stock", "traces/lab/mutants"]) {
    try {
      const names = [...Deno.readDirSync(`${root}/${dir}`)]
        .filter((e) => e.isFile && e.name.endsWith(".trace"))
        .map((e) => `${dir}/${e.name}`)
        .sort();
      out.push(...names);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return out;
}

/** The 15 rule ids, in the order the coverage table shows them. */
export type RuleIds = readonly string[];

/**
 * The coverage table: one row per trace, one column per rule (`✓` checked,
 * `·` not), its findings by severity, and a last row counting the traces
 * that checked each rule.
 */
export function coverageTable(rules: RuleIds, ss: readonly TraceSummary[]): string {
  const head = `| trace | events | errors / warnings / info | ${
    rules.map((r) => `\`${r}\``).join(" | ")
  } |`;
  const sep = `|---|---|---|${rules.map(() => ":-:").join("|")}|`;
  const rows = ss.map((s) =>
    `| ${s.file} | ${s.events} | ${s.totals.error} / ${s.totals.warning} / ${s.totals.info} | ${
      rules.map((r) => (s.checkedRules.includes(r) ? "✓" : "·")).join(" | ")
    } |`
  );
  const count = rules.map((r) => ss.filter((s) => s.checkedRules.includes(r)).length);
  const total = `| traces that check it | | | ${count.join(" | ")} |`;
  return [head, sep, ...rows, total].join("\n");
}

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `doc`. */
export function replaceBetween(doc: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`no ${begin} … ${end} section`);
  return `${doc.slice(0, i + begin.length)}\n${body}\n${doc.slice(j)}`;
}

/** The workload table: name, what it does, the kvm_amd parameters it runs with. */
export function workloadTable(
  ws: readonly { readonly name: string; readonly summary: string; readonly kvmAmdParams: string }[],
): string {
  return [
    "| workload | what it does | kvm_amd |",
    "|---|---|---|",
    ...ws.map((w) =>
      `| [\`${w.name}\`](../kernel/lab/workloads/${w.name}.c) | ${w.summary} | ${
        w.kvmAmdParams || "defaults (npt=1)"
      } |`
    ),
  ].join("\n");
}

/** What a trace shows that gives rules something to judge, counted from its text. */
export const SITUATIONS: readonly {
  readonly name: string;
  readonly pattern: RegExp;
  readonly rules: string;
}[] = [
  {
    name: "kicks: ipi",
    pattern: /kvm_vcpu_kick: .*action=ipi/,
    rules: "kick-without-ipi, redundant-ipi",
  },
  { name: "kicks: wake", pattern: /kvm_vcpu_kick: .*action=wake/, rules: "lost-wakeup" },
  {
    name: "kicks: none / self",
    pattern: /kvm_vcpu_kick: .*action=(none|self)/,
    rules: "request-less-kick",
  },
  {
    name: "fan-outs with WAIT",
    pattern: /kvm_make_all_cpus_request: .*flags=\S*WAIT.*phase=begin/,
    rules: "wait-unacknowledged, no-wakeup-violated",
  },
  { name: "kick IPI acks", pattern: /kvm_vcpu_ipi_ack: /, rules: "wait-unacknowledged" },
  { name: "blocks", pattern: /kvm_vcpu_block: /, rules: "lost-wakeup" },
  {
    name: "IN_GUEST_MODE writes",
    pattern: /kvm_vcpu_mode: .*new=IN_GUEST_MODE/,
    rules: "guest-mode-irqs-enabled, request-unseen-at-entry",
  },
  {
    name: "READING_SHADOW_PAGE_TABLES",
    pattern: /kvm_vcpu_mode: .*new=READING_SHADOW_PAGE_TABLES/,
    rules: "wait-missed-reader",
  },
  {
    name: "KVM_REQ_OUTSIDE_GUEST_MODE",
    pattern: /req=KVM_REQ_OUTSIDE_GUEST_MODE/,
    rules: "outside-guest-mode-not-reached",
  },
  { name: "KVM_REQ_VM_DEAD", pattern: /req=KVM_REQ_VM_DEAD/, rules: "entry-after-vm-dead" },
];

/** How many lines of `text` match each of {@link SITUATIONS}. */
export function situationCounts(text: string): number[] {
  const counts = SITUATIONS.map(() => 0);
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.startsWith(" =>")) continue;
    SITUATIONS.forEach((s, i) => {
      if (s.pattern.test(line)) counts[i]++;
    });
  }
  return counts;
}

/** The situations table: one row per situation, one column per trace. */
export function situationTable(
  traces: readonly { readonly file: string; readonly counts: readonly number[] }[],
): string {
  const short = (f: string) => f.replace(/^traces\/lab\//, "").replace(/\.trace$/, "");
  return [
    `| situation | rules it gives work | ${traces.map((t) => short(t.file)).join(" | ")} |`,
    `|---|---|${traces.map(() => "--:").join("|")}|`,
    ...SITUATIONS.map((s, i) =>
      `| ${s.name} | ${s.rules} | ${traces.map((t) => t.counts[i]).join(" | ")} |`
    ),
  ].join("\n");
}

/** A patched-kernel trace: traces/lab/<workload>.trace (not stock/ or mutants/). */
export function isPatchedTrace(file: string): boolean {
  return /^traces\/lab\/[^/]+\.trace$/.test(file);
}

/**
 * docs/lab-traces.md `doc` with its generated sections (workloads, coverage,
 * situations) made from the repository at `root` and the traces' summaries.
 */
export async function labTracesDoc(
  root: string,
  doc: string,
  summaries: readonly TraceSummary[],
): Promise<string> {
  const coverage = coverageTable(RULES.map((r) => r.meta.id), summaries);
  const workloads = workloadTable(await listWorkloads(root));
  const rows = [];
  for (const s of summaries.filter((x) => isPatchedTrace(x.file))) {
    rows.push({
      file: s.file,
      counts: situationCounts(await Deno.readTextFile(`${root}/${s.file}`)),
    });
  }
  let out = replaceBetween(doc, "workloads", workloads);
  out = replaceBetween(out, "coverage", coverage);
  return replaceBetween(out, "situations", situationTable(rows));
}

/** The trace the README's lint example shows. */
export const DEMO_TRACE = "traces/lab/memslot.trace";

/** The README's lint example: `$ kvmreq lint DEMO_TRACE` and what it prints (no colour). */
export async function demoBlock(root: string): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/main.ts`, "lint", "--fail-on", "never", DEMO_TRACE],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout).trimEnd();
  return ["```", `$ kvmreq lint ${DEMO_TRACE}`, out, "```"].join("\n");
}
