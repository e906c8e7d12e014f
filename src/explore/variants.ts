/**
 * The protocol variants `kvmreq explore` checks: one correct implementation
 * of the seed's "Ensuring Requests Are Seen" and "IPI Reduction" sections,
 * and one mutant per way of getting it wrong. Each variant is data: a few
 * switches the thread programs are built from.
 *
 * @module
 */

import type { VariantName } from "./types.ts";

/** One-line description of every variant, in display order (for `--help`). */
export const VARIANTS: Readonly<Record<VariantName, string>> = {
  "correct": "the seed's protocol: irqs off, mode=IN_GUEST_MODE, smp_mb, final request check; " +
    "request, smp_mb, cmpxchg IN->EXITING, IPI",
  "no-barrier": "both smp_mb()s of the Dekker pattern removed (safe under sc, broken under tso)",
  "no-final-check": "the vCPU enters the guest without the final kvm_request_pending() check",
  "request-less-kick": "R1 kicks without a request: it sets a work flag the final check " +
    "does not read and that the vCPU handles only after an exit",
  "irqs-enabled-entry":
    "IN_GUEST_MODE is written with irqs on; irqs go off only after the check, " +
    "so a kick IPI can land in the host and be lost",
  "no-exiting-mode": "the kick's cmpxchg moves IN_GUEST_MODE straight to OUTSIDE_GUEST_MODE, " +
    "so a later KVM_REQ_OUTSIDE_GUEST_MODE sends no IPI (needs requesters=2)",
};

/** Every variant name, in display order. */
export const VARIANT_NAMES: readonly VariantName[] = Object.keys(VARIANTS) as VariantName[];

/** True when `name` is a variant. */
export function isVariantName(name: string): name is VariantName {
  return Object.hasOwn(VARIANTS, name);
}

/**
 * The `kvmreq lint` rule a variant's counterexample trace must trigger;
 * `undefined` for `correct`, which has none.
 */
export const EXPECTED_RULE: Readonly<Record<VariantName, string | undefined>> = {
  "correct": undefined,
  "no-barrier": "request-unseen-at-entry",
  "no-final-check": "request-unseen-at-entry",
  "request-less-kick": "request-less-kick",
  "irqs-enabled-entry": "guest-mode-irqs-enabled",
  "no-exiting-mode": "outside-guest-mode-not-reached",
};

/** The switches a variant sets; the thread programs are built from them. */
export interface VariantConfig {
  /** The vCPU's smp_mb() between writing IN_GUEST_MODE and the final check. */
  readonly vcpuBarrier: boolean;
  /** The requester's smp_mb() before the kick's cmpxchg (label only: see `step_requester.ts`). */
  readonly requesterBarrier: boolean;
  /** The vCPU checks kvm_request_pending() before entering. */
  readonly finalCheck: boolean;
  /** Irqs are disabled before IN_GUEST_MODE is written (else: after the check). */
  readonly irqsOffBeforeMode: boolean;
  /** R1 sets a work flag instead of making a request. */
  readonly requestLess: boolean;
  /** The mode the kick's cmpxchg writes over IN_GUEST_MODE (2: EXITING, 0: OUTSIDE). */
  readonly kickWrites: 0 | 2;
}

const CORRECT: VariantConfig = {
  vcpuBarrier: true,
  requesterBarrier: true,
  finalCheck: true,
  irqsOffBeforeMode: true,
  requestLess: false,
  kickWrites: 2,
};

/** The switches of every variant. */
export const VARIANT_CONFIG: Readonly<Record<VariantName, VariantConfig>> = {
  "correct": CORRECT,
  "no-barrier": { ...CORRECT, vcpuBarrier: false, requesterBarrier: false },
  "no-final-check": { ...CORRECT, finalCheck: false },
  "request-less-kick": { ...CORRECT, requestLess: true },
  "irqs-enabled-entry": { ...CORRECT, irqsOffBeforeMode: false },
  "no-exiting-mode": { ...CORRECT, kickWrites: 0 },
};
