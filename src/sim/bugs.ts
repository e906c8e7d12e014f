/**
 * The protocol bugs `kvmreq simulate --inject` can plant, as data: which rule
 * each must trigger, which trace event is its evidence (the line a label
 * points at), and what the simulator does to produce it. Every injected bug is
 * self-contained: it triggers its rule exactly once and nothing else.
 *
 * @module
 */

/** Names accepted by `--inject`. */
export const BUG_NAMES = [
  "request-less-kick",
  "skipped-final-check",
  "irqs-on-entry",
  "ipi-not-sent",
  "redundant-ipi",
  "bad-transition",
  "lost-wakeup",
  "no-wakeup-ignored",
  "wait-reader-skipped",
  "wait-not-waited",
  "outside-mode-skipped",
  "entry-after-dead",
  "unmade-consumed",
  "slow-service",
  "unknown-request",
] as const;

/** A bug name. */
export type BugName = typeof BUG_NAMES[number];

/** What one bug is. */
export interface BugInfo {
  /** The rule id it must trigger, exactly once per injection. */
  readonly rule: string;
  /** Name of the event the label's line points at (the event the rule reports). */
  readonly event: string;
  /** What the simulator emits, one sentence, for `--help`. */
  readonly description: string;
}

/** Probability per opportunity when `--inject BUG` gives no rate. */
export const DEFAULT_INJECT_RATE = 0.001;

/** Every bug, keyed by name. */
export const BUGS: Readonly<Record<BugName, BugInfo>> = {
  "request-less-kick": {
    rule: "request-less-kick",
    event: "kvm_vcpu_kick",
    description: "a requester kicks a vCPU without making a request first (site " +
      "__apic_accept_irq, which always requests first); evidence: the kick",
  },
  "skipped-final-check": {
    rule: "request-unseen-at-entry",
    event: "kvm_entry",
    description: "a request lands between the vCPU's request processing and its IN_GUEST_MODE " +
      "write, and the vCPU enters without kvm_request_pending; it handles the request at its " +
      "next exit; evidence: the kvm_entry",
  },
  "irqs-on-entry": {
    rule: "guest-mode-irqs-enabled",
    event: "kvm_vcpu_mode",
    description: "the vCPU writes IN_GUEST_MODE with interrupts still enabled (flags `.....`); " +
      "evidence: that mode write",
  },
  "ipi-not-sent": {
    rule: "kick-without-ipi",
    event: "kvm_vcpu_kick",
    description: "a kick of a vCPU running in the guest reports mode=IN_GUEST_MODE action=none; " +
      "the vCPU sees the request at its next natural exit; evidence: the kick",
  },
  "redundant-ipi": {
    rule: "redundant-ipi",
    event: "kvm_vcpu_kick",
    description: "right after a kick IPI'd a vCPU, the same requester makes another request and " +
      "IPIs again while the mode is EXITING_GUEST_MODE; evidence: the second kick",
  },
  "bad-transition": {
    rule: "invalid-mode-transition",
    event: "kvm_vcpu_mode",
    description: "the vCPU writes OUTSIDE_GUEST_MODE -> EXITING_GUEST_MODE, then goes back to " +
      "OUTSIDE_GUEST_MODE (legal); evidence: the first write",
  },
  "lost-wakeup": {
    rule: "lost-wakeup",
    event: "kvm_vcpu_kick",
    description: "a KVM_REQ_UNBLOCK request of a blocked vCPU is kicked with action=none; the " +
      "vCPU sleeps on until its next wakeup request (a timer, within 2 ms); evidence: the kick",
  },
  "no-wakeup-ignored": {
    rule: "no-wakeup-violated",
    event: "kvm_vcpu_kick",
    description: "a KVM_REQ_TLB_FLUSH (NO_WAKEUP) kick wakes a blocked vCPU (action=wake); " +
      "evidence: the kick",
  },
  "wait-reader-skipped": {
    rule: "wait-missed-reader",
    event: "kvm_vcpu_kick",
    description: "a KVM_REQ_TLB_FLUSH (WAIT) kick of a vCPU in READING_SHADOW_PAGE_TABLES reads " +
      "a stale mode=OUTSIDE_GUEST_MODE and sends no IPI; evidence: the kick",
  },
  "wait-not-waited": {
    rule: "wait-unacknowledged",
    event: "kvm_make_all_cpus_request",
    description: "a KVM_REQ_TLB_FLUSH (WAIT) reaches phase=end with the ack of one of its IPIs " +
      "still to come (it follows); evidence: the phase=end line",
  },
  "outside-mode-skipped": {
    rule: "outside-guest-mode-not-reached",
    event: "kvm_make_all_cpus_request",
    description: "a KVM_REQ_OUTSIDE_GUEST_MODE omits the kick of one vCPU running in the guest " +
      "and reaches phase=end while it is still there; evidence: the phase=end line",
  },
  "entry-after-dead": {
    rule: "entry-after-vm-dead",
    event: "kvm_entry",
    description: "a vCPU consumes KVM_REQ_VM_DEAD and still enters the guest once more (forces " +
      "the VM_DEAD phase at the end); evidence: the kvm_entry",
  },
  "unmade-consumed": {
    rule: "request-consumed-unmade",
    event: "kvm_check_request",
    description: "a vCPU's kvm_check_request returns result=1 for KVM_REQ_VM_DEAD, which no " +
      "event made (only once a final kvm_request_pending of that vCPU read 0, so its pending " +
      "set is known); evidence: that check",
  },
  "slow-service": {
    rule: "request-latency",
    event: "kvm_check_request",
    description: "a vCPU stays in userspace ~10.5 ms with one KVM_REQ_UNBLOCK pending (nothing " +
      "else is asked of it meanwhile); evidence: the check that consumes it",
  },
  "unknown-request": {
    rule: "unknown-request",
    event: "kvm_make_request",
    description: "a vCPU thread makes req=0x0000073f of itself (nr 63, beyond the table; flags " +
      "WAIT|NO_WAKEUP|NO_ACTION, so no bit is set and no kick is owed); evidence: that request",
  },
};

/** One `--inject` item: a bug and its probability per opportunity. */
export interface Injection {
  /** The bug. */
  readonly bug: BugName;
  /** Probability per opportunity, in [0, 1]. */
  readonly rate: number;
}

/** True when `name` is a bug name. */
export function isBugName(name: string): name is BugName {
  return (BUG_NAMES as readonly string[]).includes(name);
}

/**
 * Parses one `--inject` value, `BUG` or `BUG:RATE`; throws a `RangeError`
 * naming the problem.
 *
 * @example
 * ```ts
 * import { parseInjection } from "./bugs.ts";
 * const i = parseInjection("lost-wakeup:0.01");
 * if (i.bug !== "lost-wakeup" || i.rate !== 0.01) throw new Error();
 * ```
 */
export function parseInjection(text: string): Injection {
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  if (!isBugName(name)) {
    throw new RangeError(`unknown bug \`${name}\` (known: ${BUG_NAMES.join(", ")})`);
  }
  if (colon < 0) return { bug: name, rate: DEFAULT_INJECT_RATE };
  const rateText = text.slice(colon + 1);
  const rate = Number(rateText);
  if (rateText.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new RangeError(`rate \`${rateText}\` of \`${name}\` is not a probability in [0, 1]`);
  }
  return { bug: name, rate };
}
