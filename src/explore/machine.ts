/**
 * The explored state and its memory operations. Shared memory holds, per
 * vCPU, `vcpu->mode`, `vcpu->requests` (a bitmap indexed by request number)
 * and the work flag of a request-less kick. Under TSO each thread also has a
 * FIFO store buffer: stores enter it, loads read the thread's own newest
 * buffered store first, and one entry at a time reaches memory.
 *
 * States are never changed once built: a transition clones, then edits the
 * clone.
 *
 * @module
 */

import { MODE, type Model } from "./model.ts";
import type { TraceEvent } from "./types.ts";

/** The thread-local state of one vCPU thread. */
export interface VcpuState {
  /** Program counter (index into the vCPU program; its length when done). */
  pc: number;
  /** Interrupts are disabled on the vCPU's CPU. */
  irqsOff: boolean;
  /** Guest entries made so far. */
  entries: number;
  /** IPIs pending at the vCPU's CPU: bit r set when requester r's IPI is not yet handled. */
  ipi: number;
}

/** The thread-local state of one requester thread. */
export interface RequesterState {
  /** Program counter (index into its program; its length when done). */
  pc: number;
  /** vCPUs kvm_make_all_cpus_request() decided to IPI but has not IPI'd yet. */
  ipiMask: number;
  /** vCPUs in the guest at `phase=begin` that have not exited since. */
  stale: number;
}

/** What a buffered store writes. */
export type StoreTarget = "mode" | "requests" | "work";

/** One store waiting in a TSO store buffer. */
export interface BufferedStore {
  /** Which variable. */
  target: StoreTarget;
  /** Whose variable. */
  vcpu: number;
  /** The mode written, the request bits set, or 1 for the work flag. */
  value: number;
}

/** A whole state of the instance. */
export interface Machine {
  /** vCPU threads. */
  vcpus: VcpuState[];
  /** Requester threads. */
  requesters: RequesterState[];
  /** Memory: `vcpu->mode` of each vCPU. */
  mode: number[];
  /** Memory: `vcpu->requests` of each vCPU. */
  requests: number[];
  /** Memory: the request-less work flag of each vCPU. */
  work: number[];
  /** Store buffer of each thread (vCPUs first), oldest first; always empty under sc. */
  buffers: BufferedStore[][];
}

/** One move: the state after it, what the thread did, and the events it emitted. */
export interface Transition {
  /** The state after the move. */
  readonly next: Machine;
  /** What the thread did, in kernel terms. */
  readonly action: string;
  /** Trace events emitted (in the acting thread's context). */
  readonly events: readonly TraceEvent[];
}

/** The initial state: every thread at its first statement, irqs on, memory zero. */
export function initialMachine(model: Model): Machine {
  const vcpus: VcpuState[] = [];
  for (let v = 0; v < model.vcpus; v++) vcpus.push({ pc: 0, irqsOff: false, entries: 0, ipi: 0 });
  const requesters: RequesterState[] = [];
  for (let r = 0; r < model.requesters; r++) requesters.push({ pc: 0, ipiMask: 0, stale: 0 });
  const zeros = () => new Array<number>(model.vcpus).fill(0);
  const buffers: BufferedStore[][] = [];
  for (let t = 0; t < model.vcpus + model.requesters; t++) buffers.push([]);
  return {
    vcpus,
    requesters,
    mode: zeros().fill(MODE.OUTSIDE),
    requests: zeros(),
    work: zeros(),
    buffers,
  };
}

/** A deep copy of `m`, for a transition to edit. */
export function cloneMachine(m: Machine): Machine {
  return {
    vcpus: m.vcpus.map((v) => ({ ...v })),
    requesters: m.requesters.map((r) => ({ ...r })),
    mode: [...m.mode],
    requests: [...m.requests],
    work: [...m.work],
    buffers: m.buffers.map((b) => b.map((e) => ({ ...e }))),
  };
}

/**
 * A compact string that identifies `m` (equal states, equal keys): one
 * UTF-16 code unit per thread, per vCPU's memory and per buffered store.
 * Short keys keep the visited set's hashing cheap.
 */
export function machineKey(m: Machine): string {
  const codes: number[] = [];
  for (const v of m.vcpus) {
    codes.push(v.pc | (v.irqsOff ? 32 : 0) | (v.entries << 6) | (v.ipi << 9));
  }
  for (const r of m.requesters) codes.push(r.pc | (r.ipiMask << 5) | (r.stale << 7));
  for (let v = 0; v < m.mode.length; v++) {
    codes.push(m.mode[v] | (m.work[v] << 2) | (m.requests[v] << 3));
  }
  for (const b of m.buffers) {
    codes.push(0xffff - b.length);
    for (const e of b) codes.push(STORE_CODE[e.target] | (e.vcpu << 2) | (e.value << 3));
  }
  return String.fromCharCode(...codes);
}

const STORE_CODE: Readonly<Record<StoreTarget, number>> = { mode: 0, requests: 1, work: 2 };

function writeMemory(m: Machine, e: BufferedStore): void {
  if (e.target === "mode") m.mode[e.vcpu] = e.value;
  else if (e.target === "requests") m.requests[e.vcpu] |= e.value;
  else m.work[e.vcpu] = e.value;
}

/**
 * Thread `t` stores `e`. Under sc it reaches memory at once; under tso it
 * enters `t`'s store buffer. A request store sets bits (`|=`) when it lands:
 * set_bit() is modelled as an unlocked store, as on weakly ordered
 * architectures (x86's `lock bts` would drain the buffer; see
 * `step_requester.ts` for why the verdicts do not depend on it).
 */
export function store(model: Model, m: Machine, t: number, e: BufferedStore): void {
  if (model.tso) m.buffers[t].push(e);
  else writeMemory(m, e);
}

/** Writes every store in `t`'s buffer to memory (smp_mb, locked RMW, VM entry). */
export function drain(m: Machine, t: number): void {
  for (const e of m.buffers[t]) writeMemory(m, e);
  m.buffers[t] = [];
}

/** Writes the oldest store of `t`'s buffer to memory. */
export function flushOne(m: Machine, t: number): BufferedStore {
  const e = m.buffers[t].shift();
  if (e === undefined) throw new Error(`thread ${t} has an empty store buffer`);
  writeMemory(m, e);
  return e;
}

/** `vcpu->mode` of vCPU `v` as thread `t` sees it (its own newest buffered store first). */
export function loadMode(m: Machine, t: number, v: number): number {
  const b = m.buffers[t];
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i].target === "mode" && b[i].vcpu === v) return b[i].value;
  }
  return m.mode[v];
}

/** `vcpu->requests` of vCPU `v` as thread `t` sees it (memory plus its own buffered bits). */
export function loadRequests(m: Machine, t: number, v: number): number {
  let bits = m.requests[v];
  for (const e of m.buffers[t]) if (e.target === "requests" && e.vcpu === v) bits |= e.value;
  return bits;
}

/** True when a request bit or work flag for `v` sits in memory or in any store buffer. */
export function workPending(m: Machine, v: number): boolean {
  if (m.requests[v] !== 0 || m.work[v] !== 0) return true;
  return m.buffers.some((b) => b.some((e) => e.vcpu === v && e.target !== "mode"));
}
