/**
 * Identical findings, grouped: the same rule and severity, about the same
 * vCPU, from the same call site (or, when the event names no site, with the
 * same message). A trace of a stock kernel repeats one request-less kick on
 * every memslot change; the text report shows such a run once with its
 * count and first and last time, and `--no-group` lists each.
 *
 * @module
 */

import type { Finding } from "../rules/finding.ts";

/** Findings that are the same finding, repeated. */
export interface FindingGroup {
  /** What they share, as one string (stable across runs). */
  readonly key: string;
  /** The first of them, in report order. */
  readonly first: Finding;
  /** The last of them. */
  readonly last: Finding;
  /** How many. */
  readonly count: number;
}

/**
 * The grouping key of `f`: rule, severity, VM, vCPU, and its site or, when
 * it names none or its vCPU is unknown, its message.
 *
 * @example
 * ```ts ignore
 * groupKey(finding); // "request-less-kick error 0/1 site=kvm_arch_memslots_updated"
 * ```
 */
export function groupKey(f: Finding): string {
  // A finding without a vCPU id is about a thread not identified as one: its
  // message names that thread, so it is part of what must be the same.
  const what = f.site !== undefined && f.vcpu !== undefined
    ? `site=${f.site}`
    : `${f.site === undefined ? "" : `site=${f.site} `}message=${f.message}`;
  return `${f.ruleId} ${f.severity} ${f.vm}/${f.vcpu ?? "?"} ${what}`;
}

/** Groups `findings` (in report order); groups come in the order of their first finding. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const byKey = new Map<string, { key: string; first: Finding; last: Finding; count: number }>();
  for (const f of findings) {
    const key = groupKey(f);
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, { key, first: f, last: f, count: 1 });
    else {
      g.last = f;
      g.count++;
    }
  }
  return [...byKey.values()];
}

/** Findings per rule id, most first (ties by id). */
export function countByRule(findings: Iterable<Finding>): [string, number][] {
  const n = new Map<string, number>();
  for (const f of findings) n.set(f.ruleId, (n.get(f.ruleId) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
