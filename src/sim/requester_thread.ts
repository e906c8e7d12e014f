/**
 * A requester thread (`qemu-system-x86`, `kworker/N:M`, `vhost-PID`): now and
 * then it makes KVM_REQ_UNBLOCK of a vCPU and kicks it, delivers a posted
 * interrupt and kicks, or runs a kvm_make_all_cpus_request(); when the event
 * budget is spent it may kill the VM (KVM_REQ_VM_DEAD) and stops. Bugs of the
 * make+kick path are planted here.
 *
 * @module
 */

import { beginAllCpus, endAllCpus } from "./all_cpus.ts";
import {
  EXITING,
  IN_GUEST,
  OUTSIDE_GUEST_MODE,
  TLB_FLUSH,
  UNBLOCK,
  UNBLOCK_SITES,
  VM_DEAD,
} from "./requests.ts";
import { kick, kickAction, makeRequest, PLAIN_KICK } from "./actions.ts";
import { FLAGS, Phase, type RequesterActor, type VcpuActor, type World } from "./world.ts";

/**
 * Where the planted request-less kick comes from: __apic_accept_irq() always makes a request
 * before it kicks (arch/x86/kvm/lapic.c), so a kick from it with none is the bug the rule
 * calls an error. (kvm_arch_memslots_updated() kicks without a request on purpose: the rule
 * reports that at info, so it would not stand for a planted bug.)
 */
const REQUESTING_SITE = "__apic_accept_irq+0x1c5/0x3f0";
const POSTED_SITE = "vmx_deliver_posted_interrupt+0x8b/0xd0";

/** Runs one step of requester `r`. */
export function requesterStep(w: World, r: RequesterActor): void {
  if (r.op !== undefined) {
    endAllCpus(w, r);
    return;
  }
  if (w.stopping) {
    if (w.vmDeadPlanned && !w.vmDeadMade) killVm(w, r);
    return;
  }
  const x = w.rng.float();
  if (x < 0.15 && w.op === undefined && w.slow === 0) {
    beginAllCpus(w, r, w.rng.chance(0.8) ? TLB_FLUSH : OUTSIDE_GUEST_MODE);
    return;
  }
  if (x < 0.4) postedInterrupt(w, r);
  else plainRequest(w, r);
  w.later(r, 5, 120);
}

/** Makes KVM_REQ_VM_DEAD once nothing else is in flight (no all-CPUs request, no bug unfolding). */
function killVm(w: World, r: RequesterActor): void {
  if (w.op !== undefined || w.slow > 0 || w.vcpus.some((v) => v.bug)) {
    w.later(r, 20, 50);
    return;
  }
  w.vmDeadMade = true;
  beginAllCpus(w, r, VM_DEAD);
}

/** A vCPU requesters may address, starting the search at a random one. */
function pickTarget(w: World): VcpuActor | undefined {
  const n = w.vcpus.length;
  const start = w.rng.int(0, n - 1);
  for (let k = 0; k < n; k++) {
    const v = w.vcpus[(start + k) % n];
    if (!v.excluded && v.phase !== Phase.Done) return v;
  }
  return undefined;
}

function postedInterrupt(w: World, r: RequesterActor): void {
  const v = pickTarget(w);
  if (v === undefined) return;
  w.out.emit(r.thread, FLAGS.preempt, "kvm_posted_interrupt", `vcpu=${v.id} vector=0xec on=1`);
  v.pirOn = true;
  kick(w, r.thread, v, v.mode, kickAction(v, PLAIN_KICK), POSTED_SITE);
}

function plainRequest(w: World, r: RequesterActor): void {
  const v = pickTarget(w);
  if (v === undefined) return;
  const t = r.thread;
  if (!v.blocked && !v.bug && w.inject("request-less-kick")) {
    const line = kick(w, t, v, v.mode, kickAction(v, PLAIN_KICK), REQUESTING_SITE);
    w.label("request-less-kick", line, v.id);
    return;
  }
  const site = w.rng.pick(UNBLOCK_SITES);
  const made = makeRequest(w, t, FLAGS.on, v, UNBLOCK, site);
  if (!v.bug && v.blocked && w.inject("lost-wakeup")) {
    const line = kick(w, t, v, v.mode, "none", site);
    v.bug = true;
    v.excluded = true;
    v.lostWakeup = w.label("lost-wakeup", line, v.id, [made]);
    return;
  }
  if (!v.bug && v.phase === Phase.Guest && v.mode === IN_GUEST && w.inject("ipi-not-sent")) {
    const line = kick(w, t, v, IN_GUEST, "none", site);
    // The kick's cmpxchg happened (kvm_arch_vcpu_should_kick(): the mode it read is IN);
    // only the IPI is missing (issue 16.7).
    v.mode = EXITING;
    v.bug = true;
    w.label("ipi-not-sent", line, v.id, [made]);
    return;
  }
  const action = kickAction(v, PLAIN_KICK);
  kick(w, t, v, v.mode, action, site);
  if (action === "ipi" && !v.bug && w.inject("redundant-ipi")) {
    const again = makeRequest(w, t, FLAGS.on, v, UNBLOCK, site);
    const line = kick(w, t, v, EXITING, "ipi", site);
    w.label("redundant-ipi", line, v.id, [again]);
  }
}
