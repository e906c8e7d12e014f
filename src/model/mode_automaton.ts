/**
 * The legal writes of `vcpu->mode`, as data: one row per (from, to, writer).
 * The model executes this table, `kvmreq model` prints it as Graphviz DOT (in
 * the style of the kernel's Runtime Verification automata) and as Markdown,
 * so the picture and the checker cannot drift apart.
 *
 * Seed sections: "VCPU Mode", "Ensuring Requests Are Seen", "IPI Reduction".
 *
 * @module
 */

import { type Mode, MODES } from "../events/protocol.ts";

/** Who writes `vcpu->mode`: the vCPU thread itself, or a kicker's cmpxchg. */
export type ModeWriter = "vcpu" | "kicker";

/** One legal transition of `vcpu->mode`. */
export interface ModeTransition {
  /** Mode before the write. */
  readonly from: Mode;
  /** Mode after the write. */
  readonly to: Mode;
  /** Who may make it. */
  readonly by: ModeWriter;
  /** The automaton's event name for it (used as the DOT edge label). */
  readonly event: string;
  /** When the kernel makes it, in the seed document's terms. */
  readonly why: string;
}

/** The initial mode of every vCPU (kvm_vcpu_init leaves `mode` zero). */
export const INITIAL_MODE: Mode = "OUTSIDE_GUEST_MODE";

/** Every legal mode write. Any write not listed is `invalid-mode-transition`. */
export const MODE_TRANSITIONS: readonly ModeTransition[] = [
  {
    from: "OUTSIDE_GUEST_MODE",
    to: "IN_GUEST_MODE",
    by: "vcpu",
    event: "prepare_entry",
    why: "entry preparation, after local_irq_disable() and before the final kvm_request_pending()",
  },
  {
    from: "OUTSIDE_GUEST_MODE",
    to: "READING_SHADOW_PAGE_TABLES",
    by: "vcpu",
    event: "begin_lockless_walk",
    why: "a lockless shadow-page-table walk, with interrupts disabled",
  },
  {
    from: "OUTSIDE_GUEST_MODE",
    to: "OUTSIDE_GUEST_MODE",
    by: "vcpu",
    event: "set_outside",
    why: "a redundant write of the same mode (harmless)",
  },
  {
    from: "READING_SHADOW_PAGE_TABLES",
    to: "OUTSIDE_GUEST_MODE",
    by: "vcpu",
    event: "end_lockless_walk",
    why: "the walk is done",
  },
  {
    from: "IN_GUEST_MODE",
    to: "OUTSIDE_GUEST_MODE",
    by: "vcpu",
    event: "abort_or_exit",
    why: "entry aborted after the final check saw a request, or the guest exited",
  },
  {
    from: "IN_GUEST_MODE",
    to: "EXITING_GUEST_MODE",
    by: "kicker",
    event: "kick_ipi",
    why: "the first IPI-sending kick's cmpxchg (IPI Reduction)",
  },
  {
    from: "IN_GUEST_MODE",
    to: "EXITING_GUEST_MODE",
    by: "vcpu",
    event: "self_kick",
    why: "a kick from the vCPU's own context",
  },
  {
    from: "EXITING_GUEST_MODE",
    to: "OUTSIDE_GUEST_MODE",
    by: "vcpu",
    event: "exit_after_kick",
    why: "the guest exit a kick forced",
  },
];

/** The row allowing `from → to` by `by`, or `undefined` when the protocol forbids it. */
export function findTransition(from: Mode, to: Mode, by: ModeWriter): ModeTransition | undefined {
  return MODE_TRANSITIONS.find((t) => t.from === from && t.to === to && t.by === by);
}

/** The modes, in the kernel's enum order (for printing). */
export const AUTOMATON_STATES: readonly Mode[] = MODES;
