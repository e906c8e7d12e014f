/**
 * The small instance being explored: one VM with 1–2 vCPU threads and 1–2
 * requester threads, each running a fixed program built from the variant's
 * switches. Programs are arrays of statements; a thread's program counter is
 * an index into its array and equals the array length when it is done.
 *
 * vCPU thread (x86 vcpu_enter_guest(), bounded to `guestEntries` entries):
 *
 * ```
 * 0 local_irq_disable()                     (after the check in irqs-enabled-entry)
 * 1 WRITE_ONCE(vcpu->mode, IN_GUEST_MODE)
 * 2 smp_mb()                                (absent in no-barrier)
 * 3 if (kvm_request_pending()) goto 6      (absent in no-final-check)
 * 4 enter the guest, irqs enabled atomically (VM entry is serializing)
 * 5 run in the guest until an IPI forces an exit (irqs off again in the host)
 * 6 WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE)
 * 7 local_irq_enable()
 * 8 kvm_check_request() each pending request (and, in request-less-kick, the
 *   work flag: no request is ever made there, so step 8 is reached only after
 *   a guest exit); loop to 0, or stop after the last allowed entry
 * ```
 *
 * A stopped vCPU stays in the host with irqs on. Sleeping (kvm_vcpu_block)
 * is not modelled, so a kick never has to wake anyone.
 *
 * R1, for each vCPU: `kvm_make_request(KVM_REQ_UNBLOCK)` (or, in
 * request-less-kick, a plain write of a work flag), then `kvm_vcpu_kick()`:
 * smp_mb; cmpxchg(mode, IN_GUEST_MODE, EXITING_GUEST_MODE); IPI if it saw
 * IN_GUEST_MODE. R2: `kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE)`:
 * the same cmpxchg on every vCPU, an IPI to each whose mode was not
 * OUTSIDE_GUEST_MODE (KVM_REQUEST_WAIT), then wait for every ack. R2 makes
 * no request bit (KVM_REQUEST_NO_ACTION).
 *
 * @module
 */

import type { ExploreOptions } from "./types.ts";
import { isVariantName, VARIANT_CONFIG, type VariantConfig } from "./variants.ts";

/** `vcpu->mode` values, as numbers in the state (index into {@link MODE_NAMES}). */
export const MODE = { OUTSIDE: 0, IN: 1, EXITING: 2 } as const;

/** Names of the modes, indexed by value. */
export const MODE_NAMES = ["OUTSIDE_GUEST_MODE", "IN_GUEST_MODE", "EXITING_GUEST_MODE"] as const;

/** A statement of the vCPU thread's program. */
export type VcpuOp =
  | { readonly op: "irq_disable" }
  | { readonly op: "store_mode"; readonly mode: number }
  | { readonly op: "mb" }
  | { readonly op: "check"; readonly abortTo: number }
  | { readonly op: "enter" }
  | { readonly op: "guest" }
  | { readonly op: "irq_enable" }
  | { readonly op: "handle"; readonly loopTo: number };

/** A statement of a requester thread's program. */
export type RequesterOp =
  | { readonly op: "make_request"; readonly vcpu: number }
  | { readonly op: "set_work"; readonly vcpu: number }
  | { readonly op: "kick"; readonly vcpu: number }
  | { readonly op: "send_ipi"; readonly vcpu: number }
  | { readonly op: "amr_begin" }
  | { readonly op: "amr_kick"; readonly vcpu: number }
  | { readonly op: "amr_send" }
  | { readonly op: "amr_end" };

/** Everything fixed during one exploration. */
export interface Model {
  /** The variant's switches. */
  readonly config: VariantConfig;
  /** Number of vCPU threads. */
  readonly vcpus: number;
  /** Number of requester threads. */
  readonly requesters: number;
  /** Stores go through per-thread FIFO store buffers. */
  readonly tso: boolean;
  /** Guest entries allowed per vCPU. */
  readonly guestEntries: number;
  /** The program every vCPU thread runs. */
  readonly vcpuProgram: readonly VcpuOp[];
  /** The program of each requester thread. */
  readonly requesterPrograms: readonly (readonly RequesterOp[])[];
}

/** Default guest entries per vCPU. */
export const DEFAULT_GUEST_ENTRIES = 2;

/** Builds the vCPU program of a variant (see the module comment). */
export function buildVcpuProgram(config: VariantConfig): VcpuOp[] {
  const ops: VcpuOp[] = [];
  if (config.irqsOffBeforeMode) ops.push({ op: "irq_disable" });
  ops.push({ op: "store_mode", mode: MODE.IN });
  if (config.vcpuBarrier) ops.push({ op: "mb" });
  const checkAt = config.finalCheck ? ops.length : -1;
  if (config.finalCheck) ops.push({ op: "check", abortTo: -1 });
  if (!config.irqsOffBeforeMode) ops.push({ op: "irq_disable" });
  ops.push({ op: "enter" }, { op: "guest" });
  const exitPath = ops.length;
  ops.push({ op: "store_mode", mode: MODE.OUTSIDE }, { op: "irq_enable" });
  ops.push({ op: "handle", loopTo: 0 });
  if (checkAt >= 0) ops[checkAt] = { op: "check", abortTo: exitPath };
  return ops;
}

/** Builds requester `r`'s program (0: request + kick per vCPU; 1: KVM_REQ_OUTSIDE_GUEST_MODE). */
export function buildRequesterProgram(
  config: VariantConfig,
  r: number,
  vcpus: number,
): RequesterOp[] {
  const ops: RequesterOp[] = [];
  if (r === 0) {
    for (let v = 0; v < vcpus; v++) {
      ops.push(config.requestLess ? { op: "set_work", vcpu: v } : { op: "make_request", vcpu: v });
      ops.push({ op: "kick", vcpu: v }, { op: "send_ipi", vcpu: v });
    }
    return ops;
  }
  ops.push({ op: "amr_begin" });
  for (let v = 0; v < vcpus; v++) ops.push({ op: "amr_kick", vcpu: v });
  ops.push({ op: "amr_send" }, { op: "amr_end" });
  return ops;
}

/** True when requester `r` is the KVM_REQ_OUTSIDE_GUEST_MODE (WAIT) sender. */
export function isWaitRequester(r: number): boolean {
  return r === 1;
}

/** Validates `options` and builds the model; throws `RangeError` on a bad option. */
export function buildModel(options: ExploreOptions): Model {
  const { vcpus, requesters, memoryModel, variant } = options;
  if (vcpus !== 1 && vcpus !== 2) throw new RangeError(`vcpus must be 1 or 2, got ${vcpus}`);
  if (requesters !== 1 && requesters !== 2) {
    throw new RangeError(`requesters must be 1 or 2, got ${requesters}`);
  }
  if (memoryModel !== "sc" && memoryModel !== "tso") {
    throw new RangeError(`memory model must be sc or tso, got ${memoryModel}`);
  }
  if (!isVariantName(variant)) throw new RangeError(`unknown variant ${variant}`);
  const guestEntries = options.guestEntries ?? DEFAULT_GUEST_ENTRIES;
  if (!Number.isInteger(guestEntries) || guestEntries < 1 || guestEntries > 4) {
    throw new RangeError(`guestEntries must be an integer from 1 to 4, got ${guestEntries}`);
  }
  const config = VARIANT_CONFIG[variant];
  const requesterPrograms: RequesterOp[][] = [];
  for (let r = 0; r < requesters; r++) {
    requesterPrograms.push(buildRequesterProgram(config, r, vcpus));
  }
  return {
    config,
    vcpus,
    requesters,
    tso: memoryModel === "tso",
    guestEntries,
    vcpuProgram: buildVcpuProgram(config),
    requesterPrograms,
  };
}

/** Display name of thread `t` (vCPUs first, then requesters): `vCPU0`, `R1`, `R2`. */
export function threadName(model: Model, t: number): string {
  return t < model.vcpus ? `vCPU${t}` : `R${t - model.vcpus + 1}`;
}
