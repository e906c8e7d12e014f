/**
 * A window onto a trace: a time range, some vCPUs, some CPUs, some thread
 * names. It selects what a report *shows* — findings located inside it,
 * statistics counted inside it — never what the model *sees*: the model
 * replays the whole input, so state built before the window (a request
 * made before `--from`, a vCPU already in guest mode) and what happens after
 * it (the request served after `--until`) are known, and the window's edges
 * create no finding the whole trace would not have.
 *
 * @module
 */

import type { Finding } from "../rules/finding.ts";

/** What a window keeps; an absent field keeps everything. */
export interface TraceWindow {
  /** First timestamp inside (ns, or ticks on a counter clock). */
  readonly from?: bigint;
  /** Last timestamp inside. */
  readonly until?: bigint;
  /** vCPU ids inside (a finding with no vCPU id is outside when set). */
  readonly vcpus?: ReadonlySet<number>;
  /** CPUs inside: a finding's located event was recorded on one of them. */
  readonly cpus?: ReadonlySet<number>;
  /** Thread names inside: a finding's located event was by a thread whose name passes. */
  readonly comm?: (comm: string) => boolean;
}

/** The window that keeps everything. */
export const WHOLE_TRACE: TraceWindow = {};

/** True when `w` keeps everything. */
export function isWholeTrace(w: TraceWindow): boolean {
  return w.from === undefined && w.until === undefined && w.vcpus === undefined &&
    w.cpus === undefined && w.comm === undefined;
}

/** Whether time `ts` is inside `w`'s time range (an unknown time, below 0, is inside). */
export function inTimeRange(w: TraceWindow, ts: bigint): boolean {
  if (ts < 0n) return true;
  return (w.from === undefined || ts >= w.from) && (w.until === undefined || ts <= w.until);
}

/** Whether vCPU `vcpu` is inside `w` (`undefined`: not identified). */
export function vcpuInWindow(w: TraceWindow, vcpu: number | undefined): boolean {
  return w.vcpus === undefined || (vcpu !== undefined && w.vcpus.has(vcpu));
}

/**
 * Whether finding `f` is inside `w`: its located event's time, CPU and
 * thread name, and its vCPU.
 *
 * @example
 * ```ts ignore
 * result.findings.filter((f) => findingInWindow(f, { from: 2544_062_127_000n }));
 * ```
 */
export function findingInWindow(f: Finding, w: TraceWindow): boolean {
  return inTimeRange(w, f.at.ts) && vcpuInWindow(w, f.vcpu) &&
    (w.cpus === undefined || w.cpus.has(f.at.cpu)) &&
    (w.comm === undefined || w.comm(f.at.comm));
}
