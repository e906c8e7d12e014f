/**
 * The requests, modes and guest-exit reasons the simulator uses: only the
 * architecture-independent requests the seed document names, with the
 * numbers and flags of `include/linux/kvm_host.h`.
 *
 * @module
 */

import type { Mode } from "../events/protocol.ts";

/** One request as the simulator makes and prints it. */
export interface SimRequest {
  /** `req=` name. */
  readonly name: string;
  /** Bit number (`nr=`). */
  readonly nr: number;
  /** `flags=` text (`0` when none). */
  readonly flags: string;
  /** Bit in `vcpu->requests`, 0 for NO_ACTION requests (no bit is set). */
  readonly bit: number;
  /** KVM_REQUEST_WAIT: IPI unless OUTSIDE_GUEST_MODE, and wait for the acks. */
  readonly wait: boolean;
  /** KVM_REQUEST_NO_WAKEUP: sleeping vCPUs are not woken. */
  readonly noWakeup: boolean;
}

/** KVM_REQ_TLB_FLUSH: `0 | WAIT | NO_WAKEUP`. */
export const TLB_FLUSH: SimRequest = {
  name: "KVM_REQ_TLB_FLUSH",
  nr: 0,
  flags: "WAIT|NO_WAKEUP",
  bit: 1 << 0,
  wait: true,
  noWakeup: true,
};

/** KVM_REQ_VM_DEAD: `1 | WAIT | NO_WAKEUP`. */
export const VM_DEAD: SimRequest = {
  name: "KVM_REQ_VM_DEAD",
  nr: 1,
  flags: "WAIT|NO_WAKEUP",
  bit: 1 << 1,
  wait: true,
  noWakeup: true,
};

/** KVM_REQ_UNBLOCK: `2`, no flags. */
export const UNBLOCK: SimRequest = {
  name: "KVM_REQ_UNBLOCK",
  nr: 2,
  flags: "0",
  bit: 1 << 2,
  wait: false,
  noWakeup: false,
};

/** KVM_REQ_OUTSIDE_GUEST_MODE: `NO_ACTION | WAIT | NO_WAKEUP` (nr 0, sets no bit). */
export const OUTSIDE_GUEST_MODE: SimRequest = {
  name: "KVM_REQ_OUTSIDE_GUEST_MODE",
  nr: 0,
  flags: "WAIT|NO_WAKEUP|NO_ACTION",
  bit: 0,
  wait: true,
  noWakeup: true,
};

/** Call sites printed for KVM_REQ_UNBLOCK requests and their kicks. */
export const UNBLOCK_SITES = [
  "kvm_arch_async_page_present_queued+0x3e/0x60",
  "kvm_irq_delivery_to_apic+0x1c4/0x2d0",
  "kvm_set_msi+0x9c/0xc0",
] as const;

/** Requests that set a bit, indexed by bit number (for consuming pending bits in order). */
export const BIT_REQUESTS: readonly SimRequest[] = [TLB_FLUSH, VM_DEAD, UNBLOCK];

/**
 * The raw value `unknown-request` makes: nr 63 (beyond any request table)
 * with WAIT|NO_WAKEUP|NO_ACTION, so no bit is set and no wakeup is owed.
 */
export const UNKNOWN_REQUEST_VALUE = "0x0000073f";

/** `vcpu->mode` values, named as kvmreq prints them. */
export const OUTSIDE: Mode = "OUTSIDE_GUEST_MODE";
/** See {@link OUTSIDE}. */
export const IN_GUEST: Mode = "IN_GUEST_MODE";
/** See {@link OUTSIDE}. */
export const EXITING: Mode = "EXITING_GUEST_MODE";
/** See {@link OUTSIDE}. */
export const READING: Mode = "READING_SHADOW_PAGE_TABLES";

/** A guest exit reason with the stock kvm_exit details the simulator prints. */
export interface ExitReason {
  /** VMX basic exit reason name. */
  readonly name: string;
  /** `intr_info` value printed. */
  readonly intrInfo: string;
}

/** Exit forced by a kick IPI (reschedule vector). */
export const EXIT_KICKED: ExitReason = { name: "EXTERNAL_INTERRUPT", intrInfo: "0x800000fd" };
/** HLT: the vCPU goes to kvm_vcpu_block next. */
export const EXIT_HLT: ExitReason = { name: "HLT", intrInfo: "0x00000000" };
/** EPT violation: the vCPU walks the page tables next. */
export const EXIT_EPT: ExitReason = { name: "EPT_VIOLATION", intrInfo: "0x00000000" };
/** Port I/O: the vCPU returns to userspace for a while. */
export const EXIT_IO: ExitReason = { name: "IO_INSTRUCTION", intrInfo: "0x00000000" };

/** Natural (unkicked) exits, weighted by repetition. */
export const NATURAL_EXITS: readonly ExitReason[] = [
  EXIT_HLT,
  EXIT_HLT,
  EXIT_HLT,
  EXIT_EPT,
  EXIT_EPT,
  EXIT_IO,
  { name: "MSR_WRITE", intrInfo: "0x00000000" },
  { name: "PREEMPTION_TIMER", intrInfo: "0x00000000" },
  { name: "EXTERNAL_INTERRUPT", intrInfo: "0x800000ec" },
];
