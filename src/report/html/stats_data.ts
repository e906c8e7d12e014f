/**
 * `analyze`'s per-vCPU statistics in the form the report page draws:
 * counts as sorted pairs, latencies as log₂ histograms with p50/p99/max.
 *
 * @module
 */

import { quantile, type VcpuStats } from "../../analysis/vcpu_stats.ts";
import type { LatencyData, StatsData } from "./report_model.ts";

function pairs(m: ReadonlyMap<string, number>): [string, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function num(v: bigint | undefined): number | null {
  return v === undefined ? null : Number(v);
}

/**
 * A latency distribution: quantiles and log₂ bins `[2^k, 2^(k+1))` ns, from
 * the smallest to the largest value (a first bin `[0, 1)` holds zeros).
 *
 * @example
 * ```ts
 * import { latencyData } from "./stats_data.ts";
 * const d = latencyData([1000n, 1500n, 5000n]);
 * // 1000 ns falls in [512, 1024), 1500 in [1024, 2048), 5000 in [4096, 8192).
 * if (d.count !== 3 || d.max !== 5000 || d.bins.length !== 4) throw new Error(JSON.stringify(d));
 * ```
 */
export function latencyData(values: readonly bigint[]): LatencyData {
  const bins: [number, number, number][] = [];
  if (values.length > 0) {
    const counts = new Map<number, number>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      const n = Number(v);
      const k = n < 1 ? -1 : Math.floor(Math.log2(n));
      counts.set(k, (counts.get(k) ?? 0) + 1);
      lo = Math.min(lo, k);
      hi = Math.max(hi, k);
    }
    for (let k = lo; k <= hi; k++) {
      bins.push([k < 0 ? 0 : 2 ** k, k < 0 ? 1 : 2 ** (k + 1), counts.get(k) ?? 0]);
    }
  }
  return {
    count: values.length,
    p50: num(quantile(values, 0.5)),
    p99: num(quantile(values, 0.99)),
    max: num(quantile(values, 1)),
    bins,
  };
}

/** Empty statistics (a vCPU `analyze` saw nothing about). */
export const NO_STATS: StatsData = {
  requestsMade: [],
  requestsServed: [],
  kicks: [],
  ipisSent: 0,
  ipisCoalesced: 0,
  entries: 0,
  exits: 0,
  timeInMode: [],
  serviceLatency: latencyData([]),
  kickToExit: latencyData([]),
};

/** Converts one vCPU's {@link VcpuStats}. */
export function statsData(s: VcpuStats): StatsData {
  return {
    requestsMade: pairs(s.requestsMade),
    requestsServed: pairs(s.requestsServed),
    kicks: pairs(s.kicksByAction),
    ipisSent: s.ipisSent,
    ipisCoalesced: s.ipisCoalesced,
    entries: s.entries,
    exits: s.exits,
    timeInMode: [...s.timeInMode.entries()].map(([m, t]) => [m, Number(t)] as const),
    serviceLatency: latencyData(s.serviceLatencies),
    kickToExit: latencyData(s.kickToExit),
  };
}
