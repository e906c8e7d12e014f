/**
 * The engine of `kvmreq simulate`: a deterministic discrete-event simulation
 * of vCPU threads and requester threads speaking the vCPU-request protocol,
 * written as ftrace text in the kernel's layout, with optional injected bugs
 * and labels saying where each one shows.
 *
 * The same options always give the same bytes. Text goes to the sink in
 * ~64 KB chunks and memory stays flat however many events are asked for; the
 * simulation runs twice (the first pass only counts, to fill in the header's
 * `entries-in-buffer` line).
 *
 * @module
 */

import { BUG_NAMES, type BugName, type Injection } from "./bugs.ts";
import { Prng } from "./prng.ts";
import { requesterStep } from "./requester_thread.ts";
import { EXIT_HLT, OUTSIDE } from "./requests.ts";
import {
  formatTimestamp,
  ftraceHeader,
  HEADER_LINES,
  type Thread,
  thread,
  TraceOut,
} from "./trace_out.ts";
import { vcpuStep } from "./vcpu_thread.ts";
import { type Label, Phase, type RequesterActor, type VcpuActor, World } from "./world.ts";

export type { Label } from "./world.ts";
export { BUG_NAMES, type BugName, BUGS, DEFAULT_INJECT_RATE, parseInjection } from "./bugs.ts";

/** Most vCPUs (the printed vCPU mask is 64 bits). */
export const MAX_VCPUS = 64;
/** Most requester threads. */
export const MAX_REQUESTERS = 64;

/** What to simulate. */
export interface SimulationOptions {
  /** vCPU threads, 1–64. */
  readonly vcpus: number;
  /** Requester threads, 0–64. */
  readonly requesters: number;
  /** Events to emit before the run winds down (the trace holds a few more: every thread finishes). */
  readonly events: number;
  /** PRNG seed (any safe integer). */
  readonly seed: number;
  /** Bugs to plant, each with its probability per opportunity. */
  readonly inject: readonly Injection[];
  /**
   * End with KVM_REQ_VM_DEAD. Default: yes when `entry-after-dead` is
   * injected, otherwise a coin flip of the seed. Needs a requester.
   */
  readonly vmDead?: boolean;
}

/** What a simulation produced. */
export interface SimulationResult {
  /** Event lines written. */
  readonly events: number;
  /** All lines written (header included). */
  readonly lines: number;
  /** Physical CPUs (`#P:`). */
  readonly cpus: number;
  /** Whether the run ended with KVM_REQ_VM_DEAD. */
  readonly vmDead: boolean;
  /** Timestamps of the first and last events as printed (the start time when there is none). */
  readonly firstTs: string;
  /** See {@link SimulationResult.firstTs}. */
  readonly lastTs: string;
  /** Every injected bug, in trace order. */
  readonly labels: Label[];
  /** Injected bugs per name. */
  readonly injected: Partial<Record<BugName, number>>;
}

/** Throws a `RangeError` when `o` is out of bounds. */
export function validateOptions(o: SimulationOptions): void {
  const whole = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isSafeInteger(v) || v < lo || v > hi) {
      throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
    }
  };
  whole("vcpus", o.vcpus, 1, MAX_VCPUS);
  whole("requesters", o.requesters, 0, MAX_REQUESTERS);
  whole("events", o.events, 0, Number.MAX_SAFE_INTEGER);
  whole("seed", o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  for (const i of o.inject) {
    if (!(BUG_NAMES as readonly string[]).includes(i.bug)) {
      throw new RangeError(`unknown bug ${i.bug}`);
    }
    if (!(i.rate >= 0 && i.rate <= 1)) throw new RangeError(`rate of ${i.bug} must be in [0, 1]`);
  }
}

/**
 * Simulates and writes the trace to `sink` chunk by chunk.
 *
 * @example
 * ```ts
 * import { simulate } from "./simulate.ts";
 * let text = "";
 * const r = simulate({ vcpus: 2, requesters: 1, events: 200, seed: 7, inject: [] }, (c) => {
 *   text += c;
 * });
 * if (!text.startsWith("# tracer: nop") || r.labels.length !== 0) throw new Error();
 * ```
 */
export function simulate(
  options: SimulationOptions,
  sink: (chunk: string) => void,
): SimulationResult {
  validateOptions(options);
  const counted = run(options, undefined, 0);
  return run(options, sink, counted.events);
}

function run(
  o: SimulationOptions,
  sink: ((chunk: string) => void) | undefined,
  entries: number,
): SimulationResult {
  const rng = new Prng(o.seed);
  const rates = Object.fromEntries(BUG_NAMES.map((b) => [b, 0])) as Record<BugName, number>;
  for (const i of o.inject) rates[i.bug] = i.rate;
  const startUs = rng.int(100, 8999) * 1_000_000 + rng.int(0, 999_999);
  const vmDead = o.requesters > 0 &&
    (o.vmDead ?? (rates["entry-after-dead"] > 0 || rng.chance(0.5)));
  const cpus = o.vcpus + o.requesters;
  const out = new TraceOut(startUs, sink, sink === undefined ? "" : ftraceHeader(entries, cpus));
  const qemuPid = rng.int(1500, 9000);
  const vcpus = Array.from(
    { length: o.vcpus },
    (_, i) => vcpu(i, qemuPid + 1 + i, o.requesters + i),
  );
  const requesters = Array.from(
    { length: o.requesters },
    (_, j) => requester(j, requesterThread(j, qemuPid, o.vcpus, rng)),
  );
  const w = new World(rng, out, vcpus, requesters, rates, vmDead);
  for (const v of vcpus) w.later(v, 1, 20);
  for (const r of requesters) w.later(r, 1, 50);
  const cap = o.events + 1_000_000;
  for (let e = w.sched.pop(); e !== undefined; e = w.sched.pop()) {
    out.step(e.at);
    if (e.actor.kind === "vcpu") vcpuStep(w, e.actor);
    else requesterStep(w, e.actor);
    if (out.events >= o.events) w.stopping = true;
    if (out.events > cap) throw new Error("simulate: the run does not wind down (internal error)");
  }
  out.finish();
  const span = out.span();
  const injected: Partial<Record<BugName, number>> = {};
  for (const l of w.labels) injected[l.bug] = (injected[l.bug] ?? 0) + 1;
  return {
    events: out.events,
    lines: out.events + (sink === undefined ? 0 : HEADER_LINES),
    cpus,
    vmDead,
    firstTs: formatTimestamp(span?.first ?? startUs).trimStart(),
    lastTs: formatTimestamp(span?.last ?? startUs).trimStart(),
    labels: w.labels,
    injected,
  };
}

function requesterThread(j: number, qemuPid: number, nVcpus: number, rng: Prng): Thread {
  if (j === 0) return thread("qemu-system-x86", qemuPid, 0);
  if (j % 3 === 2) return thread(`vhost-${qemuPid}`, qemuPid + nVcpus + 1 + j, j);
  return thread(`kworker/${j}:${j % 3 === 1 ? 1 : 2}`, 20 + 6 * j + rng.int(0, 5), j);
}

function vcpu(id: number, pid: number, cpu: number): VcpuActor {
  return {
    kind: "vcpu",
    ver: 0,
    id,
    thread: thread(`CPU ${id}/KVM`, pid, cpu),
    idle: thread("<idle>", 0, cpu),
    mode: OUTSIDE,
    phase: Phase.Top,
    pending: 0,
    blocked: false,
    pirOn: false,
    acksOwed: [],
    exit: EXIT_HLT,
    bug: false,
    excluded: false,
    held: false,
    skipCheck: false,
    slowService: false,
    zombie: false,
    historyKnown: false,
    wantsBlock: false,
    madeLine: 0,
    lostWakeup: undefined,
  };
}

function requester(id: number, t: Thread): RequesterActor {
  return { kind: "requester", ver: 0, id, thread: t, busy: false, op: undefined };
}

/** The `--labels` file: `{seed, options, labels}`, pretty-printed. */
export function labelsJson(options: SimulationOptions, result: SimulationResult): string {
  const { vcpus, requesters, events, seed, inject } = options;
  const doc = {
    seed,
    options: { vcpus, requesters, events, seed, inject, vmDead: result.vmDead },
    labels: result.labels,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
