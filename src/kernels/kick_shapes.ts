/**
 * How a kick looks in a stock kernel's trace, per kernel version: which
 * function a stack shows for it, and which `ipi:`/`csd:` events its IPI
 * leaves. Facts:
 *
 * - 6.12: kvm_vcpu_kick() is out of line (virt/kvm/kvm_main.c); it tries
 *   kvm_vcpu_wake_up() first, then, if kvm_arch_vcpu_should_kick() won the
 *   IN_GUEST_MODE → EXITING_GUEST_MODE cmpxchg and the vCPU's CPU is another
 *   online CPU, smp_send_reschedule(cpu).
 * - 6.18: __kvm_vcpu_kick(vcpu, wait) is out of line; kvm_vcpu_kick() and
 *   kvm_make_request_and_kick() are `static inline` wrappers in
 *   include/linux/kvm_host.h, so stacks show `__kvm_vcpu_kick` directly above
 *   the caller. With `wait` (a request with KVM_REQUEST_WAIT made through
 *   kvm_make_request_and_kick()) the IPI is smp_call_function_single(cpu,
 *   ack_kick, NULL, true) instead of the reschedule IPI.
 * - Both: smp_send_reschedule() is a macro (include/linux/smp.h) that traces
 *   `ipi_send_cpu(cpu, _RET_IP_, NULL)`, and `_RET_IP_` in the out-of-line
 *   kick function is the return address into its caller: the event's
 *   `callsite=` names the kick's call site (never the kick function itself)
 *   and `callback=0x0`. Fan-outs (kvm_make_all_cpus_request(),
 *   kvm_make_vcpus_request_mask()) call smp_call_function_many(cpus,
 *   ack_kick, …): kernel/smp.c's smp_call_function_many_cond() traces one
 *   `csd_queue_cpu: … func=ack_kick` per target CPU, then `ipi_send_cpu` (one
 *   CPU) or `ipi_send_cpumask` (two or more) with
 *   `callback=generic_smp_call_function_single_interrupt`, all with
 *   `callsite=` the return address of smp_call_function_many_cond(): inside
 *   smp_call_function_many, or — when both are inlined, as in Debian's
 *   6.12.118 build (traces/lab/stock: `csd_queue_cpu: cpu=1
 *   callsite=kvm_make_all_cpus_request+0xfd/0x140 [kvm] func=ack_kick [kvm]`)
 *   — inside the fan-out itself; the
 *   target runs `csd_function_entry: func=ack_kick` on receipt (the
 *   acknowledgement the WAIT caller waits for). A single waiting kick goes
 *   through generic_exec_single() → __smp_call_single_queue(), whose
 *   `csd_queue_cpu` callsite is smp_call_function_single (or
 *   generic_exec_single when not inlined).
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";

/** The kick as one version's stacks and IPI events show it. */
export interface KickShape {
  /** The out-of-line kick function: the frame above the call site in stacks. */
  readonly kickFrame: string;
  /** Whether a single (non-fan-out) kick can wait for its IPI's acknowledgement. */
  readonly singleKickCanWait: boolean;
  /** Where the shape was read. */
  readonly source: string;
}

/** The kick's shape per known version. */
export const KICK_SHAPES: Readonly<Record<KernelVersion, KickShape>> = {
  "6.12": {
    kickFrame: "kvm_vcpu_kick",
    singleKickCanWait: false,
    source: "virt/kvm/kvm_main.c kvm_vcpu_kick() (Debian 6.12.118)",
  },
  "6.18": {
    kickFrame: "__kvm_vcpu_kick",
    singleKickCanWait: true,
    source: "virt/kvm/kvm_main.c __kvm_vcpu_kick(vcpu, wait), include/linux/kvm_host.h " +
      "kvm_vcpu_kick() and kvm_make_request_and_kick() (linux-6.18.y)",
  },
};

/**
 * Frames that are the kick itself or fan one out, in any known version: a
 * stack frame with one of these names belongs to the kick, not to its call
 * site. (Each version shows only its own kick frame; recognizing both keeps
 * a trace read with another version's tables from losing its kicks.)
 */
export const KICK_FUNCTIONS: readonly string[] = Object.freeze([
  "kvm_vcpu_kick",
  "__kvm_vcpu_kick",
  "kvm_vcpu_wake_up",
  "kvm_make_vcpu_request",
  "kvm_make_vcpus_request_mask",
  "kvm_make_all_cpus_request",
]);

/** Fan-out functions: a kick through one of them is a request kick by construction. */
export const FAN_OUT_FUNCTIONS: readonly string[] = Object.freeze([
  "kvm_make_vcpu_request",
  "kvm_make_vcpus_request_mask",
  "kvm_make_all_cpus_request",
]);

/**
 * Functions that are part of a kick only when KVM code calls them (rcuwait is
 * also used outside KVM): counted when the next outer frame is a kick
 * function or a known kick site. __kvm_vcpu_wake_up() is an inline
 * rcuwait_wake_up(), so async_pf_execute() shows this frame directly.
 */
export const WEAK_KICK_FUNCTIONS: readonly string[] = Object.freeze(["rcuwait_wake_up"]);

/** KVM's kick-IPI function (virt/kvm/kvm_main.c `static void ack_kick(void *)`). */
export const ACK_KICK = "ack_kick";

/** `csd_queue_cpu` call sites of a fan-out's smp_call_function_many() (or of the fan-out, inlined). */
export const FAN_OUT_CSD_CALLSITES: readonly string[] = Object.freeze([
  "smp_call_function_many",
  ...FAN_OUT_FUNCTIONS,
]);

/** `csd_queue_cpu` call sites of a single kick's smp_call_function_single(). */
export const SINGLE_CSD_CALLSITES: readonly string[] = Object.freeze([
  "smp_call_function_single",
  "generic_exec_single",
]);
