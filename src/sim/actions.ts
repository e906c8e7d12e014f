/**
 * What the simulated threads do to one another: make a request, kick a vCPU
 * (applying the kick's action: the IN_GUEST_MODE → EXITING_GUEST_MODE
 * cmpxchg, a wakeup), consume a request, and acknowledge WAIT IPIs when a
 * vCPU's interrupts come back on.
 *
 * @module
 */

import type { KickAction, Mode } from "../events/protocol.ts";
import {
  EXIT_KICKED,
  EXITING,
  IN_GUEST,
  OUTSIDE,
  type SimRequest,
  UNBLOCK,
  UNBLOCK_SITES,
} from "./requests.ts";
import type { Thread } from "./trace_out.ts";
import { type AllCpusOp, FLAGS, Phase, type VcpuActor, type World } from "./world.ts";

/** `kvm_make_request` of `req` on `v` by thread `t`; returns its line. */
export function makeRequest(
  w: World,
  t: Thread,
  flags: string,
  v: VcpuActor,
  req: SimRequest,
  site: string,
): number {
  const line = w.out.emit(
    t,
    flags,
    "kvm_make_request",
    `vcpu=${v.id} req=${req.name} nr=${req.nr} flags=${req.flags} site=${site}`,
  );
  v.pending |= req.bit;
  noteRequest(v, line);
  return line;
}

/** A request of `v` was made on `line`: it closes a lost wakeup's story. */
export function noteRequest(v: VcpuActor, line: number): void {
  if (v.lostWakeup !== undefined) {
    v.lostWakeup.related.push(line);
    v.lostWakeup = undefined;
  }
}

/** A kvm_vcpu_kick() outside kvm_make_all_cpus_request(): it never waits and always wakes. */
export const PLAIN_KICK = { wait: false, noWakeup: false } as const;

/** The action a correct kick takes given `v`'s true mode (seed: "VCPU Kicks", "IPI Reduction"). */
export function kickAction(v: VcpuActor, req: { wait: boolean; noWakeup: boolean }): KickAction {
  if (req.wait ? v.mode !== OUTSIDE : v.mode === IN_GUEST) return "ipi";
  if (v.blocked && !req.noWakeup) return "wake";
  return "none";
}

/**
 * Emits `kvm_vcpu_kick` of `v` reporting `mode` and `action`, then applies
 * the action: an IPI moves IN_GUEST_MODE to EXITING_GUEST_MODE and cuts the
 * guest run short (WAIT requests also owe an ack), a wake unblocks `v`.
 * Returns the kick's line.
 */
export function kick(
  w: World,
  t: Thread,
  v: VcpuActor,
  mode: Mode,
  action: KickAction,
  site: string,
  op?: AllCpusOp,
): number {
  const fields = `vcpu=${v.id} mode=${mode} action=${action} cpu=${v.thread.cpu} site=${site}`;
  const line = w.out.emit(t, t === v.idle ? FLAGS.hardirq : FLAGS.preempt, "kvm_vcpu_kick", fields);
  if (action === "ipi") {
    if (v.mode === IN_GUEST) v.mode = EXITING;
    if (op !== undefined && op.req.wait) {
      v.acksOwed.push(op);
      op.acksLeft++;
    }
    if (v.phase === Phase.Guest && !v.held) {
      v.exit = EXIT_KICKED;
      w.later(v, 1, 3);
    }
  } else if (action === "wake") {
    wake(w, v);
  }
  return line;
}

/** `v` leaves kvm_vcpu_block(): kvm_vcpu_check_block consumes KVM_REQ_UNBLOCK, then unblock. */
export function wake(w: World, v: VcpuActor): void {
  if (v.pending & UNBLOCK.bit) consume(w, v, UNBLOCK);
  w.out.emit(v.thread, FLAGS.on, "kvm_vcpu_unblock", `vcpu=${v.id} woken=1`);
  v.blocked = false;
  v.phase = Phase.Top;
  w.later(v, 1, 4);
}

/** `kvm_check_request ... result=1` of a pending `req`; returns its line. */
export function consume(w: World, v: VcpuActor, req: SimRequest): number {
  v.pending &= ~req.bit;
  return w.out.emit(
    v.thread,
    FLAGS.on,
    "kvm_check_request",
    `vcpu=${v.id} req=${req.name} nr=${req.nr} result=1`,
  );
}

/** Interrupts come back on for `v`: the IPI handler acknowledges every WAIT IPI owed. */
export function irqsOn(w: World, v: VcpuActor): void {
  for (const op of v.acksOwed) {
    w.out.emit(v.thread, FLAGS.hardirq, "kvm_vcpu_ipi_ack", `vcpu=${v.id} cpu=${v.thread.cpu}`);
    acked(w, op);
  }
  v.acksOwed.length = 0;
}

/**
 * One IPI of `op` is acknowledged. With every ack in (or all but one, for
 * wait-not-waited) the sender may print phase=end; once phase=end is out,
 * the last ack releases the lock.
 */
function acked(w: World, op: AllCpusOp): void {
  op.acksLeft--;
  if (op.endPrinted) {
    if (op.acksLeft === 0) w.op = undefined;
  } else if (op.acksLeft === 0 || (op.early && op.acksLeft === 1)) {
    w.later(op.sender, 1, 3);
  }
}

/**
 * A requester that is not inside an all-CPUs bracket makes KVM_REQ_UNBLOCK
 * of `v` and kicks it correctly, in `v`'s step (how the vCPU-side bugs get
 * the request they need at the right moment). Returns the request's line, or
 * `undefined` when every requester is busy.
 */
export function requestFromIdle(w: World, v: VcpuActor): number | undefined {
  const r = w.idleRequester();
  if (r === undefined) return undefined;
  const site = w.rng.pick(UNBLOCK_SITES);
  const made = makeRequest(w, r.thread, FLAGS.on, v, UNBLOCK, site);
  kick(w, r.thread, v, v.mode, kickAction(v, PLAIN_KICK), site);
  return made;
}
