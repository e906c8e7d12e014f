/**
 * `kvmreq analyze` output: one block per vCPU, as text or JSON.
 *
 * @module
 */

import { quantile, type VcpuStats } from "../analysis/vcpu_stats.ts";
import { termSafeLines } from "./term_safe.ts";

function us(ns: bigint | undefined): string {
  return ns === undefined ? "-" : `${(Number(ns) / 1000).toFixed(1)} µs`;
}

function list(m: ReadonlyMap<string, number>): string {
  const e = [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length === 0 ? "none" : e.map(([k, v]) => `${k} ${v}`).join(", ");
}

function latency(
  values: readonly bigint[],
): { count: number; p50: bigint | undefined; p99: bigint | undefined; max: bigint | undefined } {
  return {
    count: values.length,
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: quantile(values, 1),
  };
}

/** Text report of the statistics of one input. */
export function formatAnalysisText(
  file: string,
  stats: readonly VcpuStats[],
  unit: "ns" | "ticks",
  window = "",
): string {
  let text = `${file}\n`;
  if (window !== "") text += `  window ${window} (state before it carried in; counts inside it)\n`;
  if (stats.length === 0) {
    return termSafeLines(
      text + "  no vCPU events (none of kvm_entry/kvm_exit, kvm_vcpu_wakeup, kicks of vCPU " +
        "threads, or the patch series' protocol events)\n",
    );
  }
  for (const s of stats) {
    text += `  ${s.vm === "0" ? "" : `VM ${s.vm} `}vCPU ${s.vcpu}\n`;
    text += `    requests made:    ${list(s.requestsMade)}\n`;
    text += `    requests served:  ${list(s.requestsServed)}\n`;
    text += `    kicks:            ${list(s.kicksByAction)}\n`;
    text +=
      `    IPIs:             ${s.ipisSent} sent, ${s.ipisCoalesced} coalesced (kick found EXITING_GUEST_MODE)\n`;
    text += `    guest entries:    ${s.entries}, exits ${s.exits}\n`;
    if (s.exits > 0) {
      text += `    exits by reason:  ${list(s.exitsByReason)}\n`;
      text += `    exits by class:   ${list(s.exitsByClass)}\n`;
    }
    if (s.userspaceExits.size > 0) text += `    KVM_RUN returns:  ${list(s.userspaceExits)}\n`;
    if (s.haltsPolled + s.haltsWaited > 0) {
      text += `    halts:            ${
        s.haltsPolled + s.haltsWaited
      } (poll ${s.haltsPolled}, wait ${s.haltsWaited})\n`;
    }
    if (unit === "ns") {
      const modes = [...s.timeInMode.entries()].map(([m, t]) =>
        `${m} ${(Number(t) / 1e6).toFixed(3)} ms`
      );
      text += `    time in mode:     ${modes.length === 0 ? "-" : modes.join(", ")}\n`;
      const l = latency(s.serviceLatencies);
      text += `    service latency:  n=${l.count} p50 ${us(l.p50)} p99 ${us(l.p99)} max ${
        us(l.max)
      }\n`;
      const k = latency(s.kickToExit);
      text += `    kick-to-exit:     n=${k.count} p50 ${us(k.p50)} p99 ${us(k.p99)} max ${
        us(k.max)
      }\n`;
      if (s.entries > 0 || s.exits > 0) {
        text += `    time in guest:    ${(Number(s.timeInGuest) / 1e6).toFixed(3)} ms\n`;
      }
      if (s.haltLengths.length > 0) {
        const h = latency(s.haltLengths);
        text += `    halt length:      n=${h.count} p50 ${us(h.p50)} p99 ${us(h.p99)} max ${
          us(h.max)
        }\n`;
      }
      if (s.wakeToEntry.length > 0) {
        const w = latency(s.wakeToEntry);
        text += `    wake-to-entry:    n=${w.count} p50 ${us(w.p50)} p99 ${us(w.p99)} max ${
          us(w.max)
        }\n`;
      }
    } else {
      text += "    (counter clock: times and latencies are not shown)\n";
    }
  }
  return termSafeLines(text);
}

/** JSON form (numbers in ns; bigints as numbers, which is exact below 2^53 ns ≈ 104 days). */
export function analysisToJson(file: string, stats: readonly VcpuStats[], window = ""): unknown {
  const n = (v: bigint | undefined) => (v === undefined ? null : Number(v));
  return {
    file,
    ...(window === "" ? {} : { window }),
    vcpus: stats.map((s) => {
      const l = latency(s.serviceLatencies);
      const k = latency(s.kickToExit);
      const stat = (v: readonly bigint[]) => {
        const x = latency(v);
        return { count: x.count, p50: n(x.p50), p99: n(x.p99), max: n(x.max) };
      };
      return {
        vm: s.vm,
        vcpu: s.vcpu,
        requestsMade: Object.fromEntries(s.requestsMade),
        requestsServed: Object.fromEntries(s.requestsServed),
        kicksByAction: Object.fromEntries(s.kicksByAction),
        ipisSent: s.ipisSent,
        ipisCoalesced: s.ipisCoalesced,
        entries: s.entries,
        exits: s.exits,
        timeInModeNs: Object.fromEntries([...s.timeInMode].map(([m, t]) => [m, Number(t)])),
        serviceLatencyNs: { count: l.count, p50: n(l.p50), p99: n(l.p99), max: n(l.max) },
        kickToExitNs: { count: k.count, p50: n(k.p50), p99: n(k.p99), max: n(k.max) },
        exitsByReason: Object.fromEntries(s.exitsByReason),
        exitsByClass: Object.fromEntries(s.exitsByClass),
        userspaceExits: Object.fromEntries(s.userspaceExits),
        timeInGuestNs: Number(s.timeInGuest),
        halts: { poll: s.haltsPolled, wait: s.haltsWaited, lengthNs: stat(s.haltLengths) },
        wakeToEntryNs: stat(s.wakeToEntry),
      };
    }),
  };
}
