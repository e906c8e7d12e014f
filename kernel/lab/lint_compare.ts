/**
 * kvmreq lint of a trace.dat against kvmreq lint of its `trace-cmd report`
 * text: the two readings of one recording must give the same findings.
 * The text has no kernel header, so both are linted with the recording's
 * kernel tables (`--kernel`); a finding is compared by rule, severity, VM,
 * vCPU, message and site, with the line numbers and durations in messages
 * left out ({@link comparableMessage}). The
 * rules checked may differ: `trace-cmd report` prints no flag column, so
 * guest-mode-irqs-enabled (which reads the irqs-off flag) is checked on the
 * trace.dat only.
 *
 * @module
 */

import { run } from "./exec.ts";

/** One finding as compared. */
export interface FindingKey {
  readonly ruleId: string;
  readonly severity: string;
  readonly vm?: string;
  readonly vcpu?: number;
  readonly message: string;
  readonly site?: string;
}

/** What lint said about one input. */
export interface LintFacts {
  /** Events read. */
  readonly events: number;
  /** Findings, as keys, sorted. */
  readonly findings: readonly string[];
  /** Findings per severity. */
  readonly bySeverity: Readonly<Record<string, number>>;
  /** Rules checked. */
  readonly checked: readonly string[];
}

/**
 * A finding's message without what differs between the two readings by
 * nature: line numbers (the text's lines, the trace.dat's record numbers)
 * and durations (`12.024 ms` from the trace.dat's nanoseconds is `12.023 ms`
 * from the text's microseconds).
 */
export function comparableMessage(message: string): string {
  return message.replace(/\bline \d+/g, "line N").replace(
    /\b\d+(\.\d+)? (ms|µs|us|ns|s)\b/g,
    "T $2",
  );
}

/** The comparable facts of lint's JSON report of one file. */
export function lintFacts(json: string): LintFacts {
  const d = JSON.parse(json);
  const f = d.files[0];
  const bySeverity: Record<string, number> = {};
  const findings = (f.findings as (FindingKey & Record<string, unknown>)[]).map((x) => {
    bySeverity[x.severity] = (bySeverity[x.severity] ?? 0) + 1;
    const key: FindingKey = {
      ruleId: x.ruleId,
      severity: x.severity,
      vm: x.vm,
      vcpu: x.vcpu,
      message: comparableMessage(x.message),
      site: x.site,
    };
    return JSON.stringify(key);
  }).sort();
  const checked = [...(f.checkedRules as string[])].sort();
  return { events: f.events, findings, bySeverity, checked };
}

/** Runs `kvmreq lint -f json --fail-on never --kernel KERNEL path` and returns its facts. */
export async function lintJsonFacts(
  root: string,
  path: string,
  kernel: string,
): Promise<LintFacts> {
  const out = await run("deno", [
    "run",
    "--allow-read",
    "--allow-env",
    `${root}/main.ts`,
    "lint",
    "-f",
    "json",
    "--fail-on",
    "never",
    "--kernel",
    kernel,
    path,
  ], { capture: true });
  return lintFacts(out);
}

/** Lines saying how two readings differ (empty when they agree). */
export function factsDiffer(dat: LintFacts, text: LintFacts): string[] {
  const out: string[] = [];
  if (dat.events !== text.events) out.push(`events: trace.dat ${dat.events}, text ${text.events}`);
  const a = new Map<string, number>();
  for (const k of dat.findings) a.set(k, (a.get(k) ?? 0) + 1);
  for (const k of text.findings) a.set(k, (a.get(k) ?? 0) - 1);
  for (const [k, n] of a) {
    if (n !== 0) {
      out.push(`${n > 0 ? "only in trace.dat" : "only in text"} (${Math.abs(n)}×): ${k}`);
    }
  }
  return out.slice(0, 20);
}

/** The rules checked on one reading and not on the other, as one line (empty when none). */
export function checkedDiffer(dat: LintFacts, text: LintFacts): string {
  const onlyDat = dat.checked.filter((r) => !text.checked.includes(r));
  const onlyText = text.checked.filter((r) => !dat.checked.includes(r));
  return [
    ...(onlyDat.length > 0 ? [`checked on the trace.dat only: ${onlyDat.join(", ")}`] : []),
    ...(onlyText.length > 0 ? [`checked on the text only: ${onlyText.join(", ")}`] : []),
  ].join("; ");
}

/** `3 error, 2 warning, 5 info` (or `no findings`). */
export function severityText(f: LintFacts): string {
  const parts = ["error", "warning", "info"].filter((s) => (f.bySeverity[s] ?? 0) > 0).map((s) =>
    `${f.bySeverity[s]} ${s}`
  );
  return parts.length > 0 ? parts.join(", ") : "no findings";
}
