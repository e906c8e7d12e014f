/**
 * Human-readable rendering of an exploration result.
 *
 * @module
 */

import { PROPERTIES } from "./properties.ts";
import type { ExploreResult } from "./types.ts";

function heading(result: ExploreResult): string {
  return `${result.variant} under ${result.memoryModel} (vcpus=${result.vcpus}, ` +
    `requesters=${result.requesters}, guest entries=${result.guestEntries})`;
}

/**
 * The result as text: verdict, counts, and for a violation the numbered
 * steps of the counterexample — thread, action, state after.
 *
 * @example
 * ```ts
 * import { exploreProtocol, formatCounterexample } from "./explore.ts";
 * const r = exploreProtocol({ vcpus: 1, requesters: 1, memoryModel: "sc", variant: "no-final-check" });
 * if (!formatCounterexample(r).includes(" 1. ")) throw new Error();
 * ```
 */
export function formatCounterexample(result: ExploreResult): string {
  const counts = `${result.statesExplored} states, ${result.transitions} transitions`;
  const lines: string[] = [];
  if (result.verdict === "safe" || result.property === undefined) {
    lines.push(`${heading(result)}: safe (${counts})`);
    if (result.truncated) {
      lines.push(`  search truncated at ${result.statesExplored} states: not a proof of safety`);
    }
    return lines.join("\n") + "\n";
  }
  const steps = result.counterexample ?? [];
  lines.push(`${heading(result)}: VIOLATION of ${result.property} (${counts})`);
  lines.push(`  ${PROPERTIES[result.property]}`);
  lines.push(`  shortest counterexample, ${steps.length} steps:`);
  const width = String(steps.length).length;
  const nameWidth = Math.max(0, ...steps.map((s) => s.threadName.length));
  const indent = " ".repeat(width + 4 + nameWidth + 2);
  for (const s of steps) {
    const kind = s.kind === "exec" ? "" : `[${s.kind}] `;
    lines.push(
      `  ${String(s.index).padStart(width)}. ${s.threadName.padEnd(nameWidth)}  ${kind}${s.action}`,
    );
    lines.push(`${indent}=> ${s.state}`);
  }
  return lines.join("\n") + "\n";
}
