/**
 * Which model events each trace event and each capability gives: the one
 * table that the normalizer's output is checked against (tests), that
 * coverage reads, and that types what a rule may handle — a rule declares the
 * events it needs (and reads), and the compiler allows it handlers for the
 * kinds those produce and no others (src/rules/rule.ts `defineRule`).
 *
 * @module
 */

import type { ModelKind } from "./model_event.ts";
import type { PROTOCOL_EVENT_NAMES } from "./protocol.ts";

/** Stock events normalization reads, and the model-event kinds each gives (`[]`: identity only). */
export const STOCK_EVENT_KINDS = {
  kvm_entry: ["entry"],
  kvm_exit: ["exit"],
  kvm_userspace_exit: ["userspace_exit"],
  kvm_vcpu_wakeup: ["stock_wakeup"],
  kvm_halt_poll_ns: [],
  sched_waking: ["stock_kick"],
  sched_switch: [],
  ipi_send_cpu: ["stock_kick"],
  csd_queue_cpu: ["stock_kick"],
  csd_function_entry: ["stock_ack"],
} as const satisfies Record<string, readonly ModelKind[]>;

/** Every event name the model can use, and the model-event kinds it gives. */
export const EVENT_KINDS = {
  kvm_make_request: ["make_request"],
  kvm_vcpu_kick: ["kick"],
  kvm_vcpu_mode: ["mode"],
  kvm_request_pending: ["request_pending"],
  kvm_check_request: ["check_request"],
  kvm_clear_request: ["clear_request"],
  kvm_make_all_cpus_request: ["all_cpus_request"],
  kvm_vcpu_ipi_ack: ["ipi_ack"],
  kvm_vcpu_block: ["block"],
  kvm_vcpu_unblock: ["unblock"],
  kvm_posted_interrupt: ["posted_interrupt"],
  kvm_sync_pir: ["sync_pir"],
  kvm_vcpu_create: ["vcpu_create"],
  kvm_vcpu_destroy: ["vcpu_destroy"],
  ...STOCK_EVENT_KINDS,
} as const satisfies
  & Record<typeof PROTOCOL_EVENT_NAMES[number], readonly ModelKind[]>
  & Record<string, readonly ModelKind[]>;

/** An event name the model can use. */
export type ModelEventName = keyof typeof EVENT_KINDS;

/** The stock events normalization reads (lint builds only these and the protocol events). */
export const STOCK_EVENTS_USED: readonly (keyof typeof STOCK_EVENT_KINDS)[] = Object.keys(
  STOCK_EVENT_KINDS,
) as (
  keyof typeof STOCK_EVENT_KINDS
)[];

/**
 * What a trace can offer besides event names, and the model-event kinds each
 * stands for: `irq-flags` (the flag column), `ns-clock` (a nanosecond
 * clock), `stock-kick`/`stock-ack` (kicks and acknowledgements recovered
 * from stock events), `kvm_exit-requests` (a `kvm_exit` that prints
 * `vcpu->requests`, 6.13 and later).
 */
export const CAPABILITY_KINDS = {
  "irq-flags": [],
  "ns-clock": [],
  "stock-kick": ["stock_kick"],
  "stock-ack": ["stock_ack"],
  "kvm_exit-requests": ["exit"],
} as const satisfies Record<string, readonly ModelKind[]>;

/** A capability a trace can offer. */
export type Capability = keyof typeof CAPABILITY_KINDS;

/** What a rule can need of a trace: an event name or a capability. */
export type Need = ModelEventName | Capability;

/** The model-event kinds the requirements `N` give. */
export type KindOf<N extends Need> = N extends ModelEventName ? typeof EVENT_KINDS[N][number]
  : N extends Capability ? typeof CAPABILITY_KINDS[N][number]
  : never;

/** The model-event kinds a requirement gives (at run time). */
export function kindsOf(need: Need): readonly ModelKind[] {
  return need in EVENT_KINDS
    ? EVENT_KINDS[need as ModelEventName]
    : CAPABILITY_KINDS[need as Capability];
}
