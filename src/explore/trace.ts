/**
 * A counterexample as a protocol-event trace in the ftrace text layout of
 * trace-events.md, ready for `kvmreq lint`. Events appear in the order the
 * counterexample executes them (under tso a store's event is emitted when
 * the thread executes the store, not when it reaches memory), 1 µs apart.
 *
 * Threads: vCPU v is QEMU's `CPU v/KVM` thread on CPU v; R1 is a kworker on
 * the next CPU; R2 is QEMU's main thread (`qemu-system-x86`, pid
 * `vmPidBase`) on the CPU after that.
 *
 * @module
 */

import { ftraceHeaderLines } from "../events/ftrace_header.ts";
import type { ExploreResult } from "./types.ts";

/** Where and when the trace's threads run. */
export interface TraceOptions {
  /**
   * Pid of QEMU's main thread; vCPU v's thread is `vmPidBase + 1 + v`.
   * @default 4242
   */
  readonly vmPidBase?: number;
  /**
   * Pid of R1's kworker.
   * @default 118
   */
  readonly kworkerPid?: number;
  /**
   * Seconds on the trace clock before the first event (which comes 1 µs later).
   * @default 123
   */
  readonly startSeconds?: number;
}

interface ThreadContext {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
}

function threadContext(result: ExploreResult, t: number, o: Required<TraceOptions>): ThreadContext {
  if (t < result.vcpus) return { comm: `CPU ${t}/KVM`, pid: o.vmPidBase + 1 + t, cpu: t };
  if (t === result.vcpus) return { comm: `kworker/${t}:2`, pid: o.kworkerPid, cpu: t };
  return { comm: "qemu-system-x86", pid: o.vmPidBase, cpu: t };
}

function timestamp(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000).padStart(6, "0");
  return `${String(seconds).padStart(5)}.${fraction}`;
}

function header(result: ExploreResult, entries: number): string[] {
  return ftraceHeaderLines(entries, result.vcpus + result.requesters);
}

/**
 * The counterexample of `result` as ftrace text (header lines, then one line
 * per event, newline-terminated). A safe result gives the header alone.
 *
 * @example
 * ```ts
 * import { counterexampleTrace, exploreProtocol } from "./explore.ts";
 * const r = exploreProtocol({ vcpus: 1, requesters: 1, memoryModel: "sc", variant: "no-final-check" });
 * const text = counterexampleTrace(r, { vmPidBase: 6000 });
 * if (!text.includes("CPU 0/KVM-6001    [000] d..1.   123.")) throw new Error(text);
 * ```
 */
export function counterexampleTrace(result: ExploreResult, options: TraceOptions = {}): string {
  const o: Required<TraceOptions> = {
    vmPidBase: options.vmPidBase ?? 4242,
    kworkerPid: options.kworkerPid ?? 118,
    startSeconds: options.startSeconds ?? 123,
  };
  const body: string[] = [];
  let micros = Math.round(o.startSeconds * 1_000_000);
  for (const step of result.counterexample ?? []) {
    const c = threadContext(result, step.thread, o);
    for (const e of step.events) {
      micros++;
      const context = `${c.comm.padStart(16)}-${String(c.pid).padEnd(7)} ` +
        `[${String(c.cpu).padStart(3, "0")}] ${e.flags} ${timestamp(micros)}`;
      body.push(`${context}: ${e.name}: ${e.fields}`);
    }
  }
  return [...header(result, body.length), ...body].join("\n") + "\n";
}
