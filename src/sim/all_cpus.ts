/**
 * kvm_make_all_cpus_request() as a requester thread performs it: phase=begin
 * sets the bit on every vCPU (unless NO_ACTION), one kick per vCPU follows
 * (IPI when the vCPU is not OUTSIDE_GUEST_MODE, since every request sent
 * this way is WAIT), and phase=end comes once every IPI is acknowledged.
 * The bugs that live in this path are planted here.
 *
 * @module
 */

import {
  EXIT_KICKED,
  IN_GUEST,
  OUTSIDE,
  OUTSIDE_GUEST_MODE,
  READING,
  type SimRequest,
  TLB_FLUSH,
} from "./requests.ts";
import { kick, kickAction, noteRequest } from "./actions.ts";
import {
  type AllCpusOp,
  FLAGS,
  Phase,
  type RequesterActor,
  type VcpuActor,
  type World,
} from "./world.ts";

const KICK_SITE = "kvm_make_vcpus_request_mask+0x9a/0x130";

/** Text of a 64-bit vCPU mask over vCPUs `0..n-1`, `0x` and 16 hex digits. */
export function maskText(n: number): string {
  const lo = n >= 32 ? 0xffffffff : (2 ** n) - 1;
  const hi = n <= 32 ? 0 : n >= 64 ? 0xffffffff : (2 ** (n - 32)) - 1;
  return "0x" + hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

function bracket(w: World, r: RequesterActor, req: SimRequest, phase: string): number {
  const fields = `req=${req.name} nr=${req.nr} flags=${req.flags} mask=${
    maskText(w.vcpus.length)
  } phase=${phase}`;
  return w.out.emit(r.thread, FLAGS.on, "kvm_make_all_cpus_request", fields);
}

/** Starts `req` on every vCPU from requester `r`; the world's lock must be free. */
export function beginAllCpus(w: World, r: RequesterActor, req: SimRequest): void {
  const op: AllCpusOp = {
    sender: r,
    req,
    acksLeft: 0,
    early: false,
    endPrinted: false,
    held: undefined,
  };
  w.op = op;
  r.busy = true;
  r.op = op;
  const begin = bracket(w, r, req, "begin");
  for (const v of w.vcpus) {
    v.pending |= req.bit;
    if (req.bit !== 0) noteRequest(v, begin);
  }
  for (const v of w.vcpus) kickOne(w, op, v);
  op.early = op.acksLeft > 0 && req === TLB_FLUSH && w.inject("wait-not-waited");
  if (op.acksLeft === 0 || (op.early && op.acksLeft === 1)) endAllCpus(w, r);
}

function kickOne(w: World, op: AllCpusOp, v: VcpuActor): void {
  const t = op.sender.thread;
  if (!v.bug) {
    if (
      op.req === OUTSIDE_GUEST_MODE && op.held === undefined && v.phase === Phase.Guest &&
      w.inject("outside-mode-skipped")
    ) {
      op.held = v;
      v.held = true;
      v.bug = true;
      w.sched.cancel(v);
      return;
    }
    if (op.req === TLB_FLUSH && v.mode === READING && w.inject("wait-reader-skipped")) {
      const line = kick(w, t, v, OUTSIDE, "none", KICK_SITE, op);
      w.label("wait-reader-skipped", line, v.id);
      return;
    }
    if (op.req === TLB_FLUSH && v.blocked && w.inject("no-wakeup-ignored")) {
      const line = kick(w, t, v, v.mode, "wake", KICK_SITE, op);
      w.label("no-wakeup-ignored", line, v.id);
      return;
    }
  }
  kick(w, t, v, v.mode, kickAction(v, op.req), KICK_SITE, op);
}

function firstOwing(w: World, op: AllCpusOp): number {
  return w.vcpus.find((v) => v.acksOwed.includes(op))?.id ?? 0;
}

/**
 * Requester `r` prints phase=end of its request: every IPI is acknowledged
 * and the lock is let go, or (wait-not-waited) one ack is still to come and
 * the lock is let go when it arrives.
 */
export function endAllCpus(w: World, r: RequesterActor): void {
  const op = r.op!;
  const line = bracket(w, r, op.req, "end");
  if (op.acksLeft > 0) {
    w.label("wait-not-waited", line, firstOwing(w, op));
    op.endPrinted = true;
    return release(w, r);
  }
  const held = op.held;
  if (held !== undefined) {
    w.label("outside-mode-skipped", line, held.id);
    held.held = false;
    if (held.mode !== IN_GUEST) held.exit = EXIT_KICKED;
    w.later(held, 5, 40);
  }
  w.op = undefined;
  release(w, r);
}

function release(w: World, r: RequesterActor): void {
  r.busy = false;
  r.op = undefined;
  w.later(r, 5, 60);
}
