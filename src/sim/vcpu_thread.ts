/**
 * A vCPU thread running the real entry loop of the seed document ("Ensuring
 * Requests Are Seen"): consume pending requests, disable interrupts, write
 * IN_GUEST_MODE, smp_mb, final kvm_request_pending (abort when non-zero),
 * kvm_entry, run, kvm_exit, back to OUTSIDE_GUEST_MODE, interrupts on (the
 * IPI acks run here). Around it: kvm_vcpu_block after HLT, shadow-page-table
 * walks after EPT violations, trips to userspace after port I/O. Bugs of the
 * vCPU side are planted here.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";
import {
  BIT_REQUESTS,
  EXIT_EPT,
  EXIT_HLT,
  EXIT_IO,
  EXIT_KICKED,
  EXITING,
  IN_GUEST,
  NATURAL_EXITS,
  OUTSIDE,
  OUTSIDE_GUEST_MODE,
  READING,
  UNBLOCK,
  UNKNOWN_REQUEST_VALUE,
  VM_DEAD,
} from "./requests.ts";
import { consume, irqsOn, kick, makeRequest, requestFromIdle } from "./actions.ts";
import { FLAGS, Phase, type VcpuActor, type World } from "./world.ts";

const TIMER_SITE = "apic_timer_expired+0x6f/0x90";
const SELF_SITE = "kvm_arch_vcpu_ioctl_run+0x2f1/0x6c0";

/** Runs one step of vCPU thread `v`. */
export function vcpuStep(w: World, v: VcpuActor): void {
  switch (v.phase) {
    case Phase.Top:
    case Phase.User:
      return top(w, v);
    case Phase.Entry:
      return writeInGuestMode(w, v);
    case Phase.Window:
      return finalCheck(w, v);
    case Phase.Guest:
      return exitGuest(w, v);
    case Phase.Walk:
      return endWalk(w, v);
    case Phase.Blocked:
      return timerWake(w, v);
  }
}

function writeMode(w: World, v: VcpuActor, to: Mode, flags: string): number {
  const line = w.out.emit(v.thread, flags, "kvm_vcpu_mode", `vcpu=${v.id} old=${v.mode} new=${to}`);
  v.mode = to;
  return line;
}

function top(w: World, v: VcpuActor): void {
  v.phase = Phase.Top;
  if (v.zombie) return finish(v);
  const dead = consumeAll(w, v); // nothing is pending from here on
  v.bug = false;
  v.excluded = false;
  if (dead) {
    if (!w.inject("entry-after-dead")) return finish(v);
    v.zombie = true;
    v.bug = true;
    v.phase = Phase.Entry;
    return w.later(v, 1, 4);
  }
  if (w.stopping && !w.vmDeadPlanned) return finish(v);
  if (v.historyKnown && !w.vmDeadMade && w.inject("unmade-consumed")) {
    const fields = `vcpu=${v.id} req=${VM_DEAD.name} nr=${VM_DEAD.nr} result=1`;
    const line = w.out.emit(v.thread, FLAGS.on, "kvm_check_request", fields);
    w.label("unmade-consumed", line, v.id);
  }
  if (w.inject("unknown-request")) {
    const fields = `vcpu=${v.id} req=${UNKNOWN_REQUEST_VALUE} site=${SELF_SITE}`;
    w.label("unknown-request", w.out.emit(v.thread, FLAGS.on, "kvm_make_request", fields), v.id);
  }
  // Only once the vCPU has run (its final check read 0): a request made before the vCPU
  // thread's first traced event waits for KVM_RUN, not for the kernel (issue 16.11).
  if (w.op === undefined && v.historyKnown && w.inject("slow-service")) {
    const made = requestFromIdle(w, v);
    if (made !== undefined) {
      v.madeLine = made;
      v.slowService = true;
      v.bug = true;
      v.excluded = true;
      w.slow++;
      v.phase = Phase.User;
      return w.later(v, 10_300, 10_900);
    }
  }
  const block = w.rng.chance(v.wantsBlock ? 0.85 : 0.02);
  v.wantsBlock = false;
  if (block) {
    w.out.emit(v.thread, FLAGS.on, "kvm_vcpu_block", `vcpu=${v.id}`);
    v.blocked = true;
    v.phase = Phase.Blocked;
    return w.later(v, 20, 1500);
  }
  v.phase = Phase.Entry;
  w.later(v, 1, 4);
}

/** Consumes every pending bit in number order; true when KVM_REQ_VM_DEAD was among them. */
function consumeAll(w: World, v: VcpuActor): boolean {
  let dead = false;
  for (const req of BIT_REQUESTS) {
    if ((v.pending & req.bit) === 0) continue;
    const line = consume(w, v, req);
    if (req === VM_DEAD) dead = true;
    if (req === UNBLOCK && v.slowService) {
      w.label("slow-service", line, v.id, [v.madeLine]);
      v.slowService = false;
      w.slow--;
    }
  }
  return dead;
}

function finish(v: VcpuActor): void {
  v.phase = Phase.Done;
}

function writeInGuestMode(w: World, v: VcpuActor): void {
  if (w.op?.req === OUTSIDE_GUEST_MODE) return w.later(v, 2, 6);
  if (!v.bug && v.pending === 0 && w.inject("skipped-final-check")) {
    const made = requestFromIdle(w, v);
    if (made !== undefined) {
      v.madeLine = made;
      v.skipCheck = true;
      v.bug = true;
      v.excluded = true;
    }
  }
  if (!v.bug && w.inject("bad-transition")) {
    w.label("bad-transition", writeMode(w, v, EXITING, FLAGS.off), v.id);
    writeMode(w, v, OUTSIDE, FLAGS.off);
    v.bug = true;
  }
  const irqsOnBug = !v.bug && w.inject("irqs-on-entry");
  const line = writeMode(w, v, IN_GUEST, irqsOnBug ? FLAGS.on : FLAGS.off);
  if (irqsOnBug) {
    w.label("irqs-on-entry", line, v.id);
    v.bug = true;
  }
  if (v.pirOn) {
    w.out.emit(v.thread, FLAGS.off, "kvm_sync_pir", `vcpu=${v.id}`);
    v.pirOn = false;
  }
  v.phase = Phase.Window;
  w.later(v, 1, 2);
}

function finalCheck(w: World, v: VcpuActor): void {
  if (v.skipCheck) {
    v.skipCheck = false;
    w.label("skipped-final-check", enter(w, v, 20, 150), v.id, [v.madeLine]);
    return;
  }
  const pending = `0x${v.pending.toString(16).padStart(16, "0")}`;
  w.out.emit(v.thread, FLAGS.off, "kvm_request_pending", `vcpu=${v.id} pending=${pending}`);
  if (v.pending !== 0) {
    writeMode(w, v, OUTSIDE, FLAGS.off);
    irqsOn(w, v);
    v.phase = Phase.Top;
    return w.later(v, 1, 3);
  }
  v.historyKnown = true;
  const long = w.rng.chance(0.1);
  const line = enter(w, v, long ? 300 : 5, long ? 1500 : 300);
  if (v.zombie) w.label("entry-after-dead", line, v.id);
}

/** kvm_entry; the guest runs `lo..hi` µs, or exits at once when an IPI is already in flight. */
function enter(w: World, v: VcpuActor, lo: number, hi: number): number {
  const rip = GUEST_RIPS[v.id % GUEST_RIPS.length];
  const line = w.out.emit(v.thread, FLAGS.off, "kvm_entry", `vcpu ${v.id}, rip ${rip}`);
  v.phase = Phase.Guest;
  if (v.mode === EXITING) {
    v.exit = EXIT_KICKED;
    w.later(v, 1, 2);
  } else {
    v.exit = w.rng.pick(NATURAL_EXITS);
    w.later(v, lo, hi);
  }
  return line;
}

const GUEST_RIPS = ["0xffffffff81e3a5cf", "0xffffffff81f5b8ee", "0xffffffff8108e1b6"] as const;

function exitGuest(w: World, v: VcpuActor): void {
  const rip = GUEST_RIPS[(v.id + 1) % GUEST_RIPS.length];
  w.out.emit(
    v.thread,
    FLAGS.off,
    "kvm_exit",
    `vcpu ${v.id} reason ${v.exit.name} rip ${rip} info1 0x0000000000000000 ` +
      `info2 0x0000000000000000 intr_info ${v.exit.intrInfo} error_code 0x00000000`,
  );
  writeMode(w, v, OUTSIDE, FLAGS.off);
  irqsOn(w, v);
  v.wantsBlock = v.exit === EXIT_HLT;
  if (v.exit === EXIT_EPT && w.rng.chance(0.7)) {
    writeMode(w, v, READING, FLAGS.offPreemptible);
    v.phase = Phase.Walk;
    return w.later(v, 2, 30);
  }
  v.phase = v.exit === EXIT_IO && w.rng.chance(0.6) ? Phase.User : Phase.Top;
  if (v.phase === Phase.User) w.later(v, 10, 150);
  else w.later(v, 1, 4);
}

function endWalk(w: World, v: VcpuActor): void {
  writeMode(w, v, OUTSIDE, FLAGS.offPreemptible);
  irqsOn(w, v);
  v.phase = Phase.Top;
  w.later(v, 1, 4);
}

/** The wakeup timer fires on the sleeping vCPU's CPU: KVM_REQ_UNBLOCK and a waking kick. */
function timerWake(w: World, v: VcpuActor): void {
  makeRequest(w, v.idle, FLAGS.hardirq, v, UNBLOCK, TIMER_SITE);
  kick(w, v.idle, v, v.mode, "wake", TIMER_SITE);
}
