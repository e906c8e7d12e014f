/**
 * The legal writes of `vcpu->mode`, as data: one row per (from, to, writer).
 * This is the one table of the automaton: the model applies it (a kick takes
 * the row its line satisfies, see {@link kickTransition}; a mode write is
 * looked up with {@link findTransition}), `invalid-mode-transition` reports
 * the writes it does not hold, and `kvmreq model`, the README and
 * docs/semantics.md print it (Graphviz DOT in the style of the kernel's
 * Runtime Verification automata, and Markdown).
 *
 * Seed sections: "VCPU Mode", "Ensuring Requests Are Seen", "IPI Reduction".
 *
 * @module
 */

import { KICK_ACTIONS, type KickAction, type Mode, MODES } from "../events/protocol.ts";

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
  /**
   * For the rows a kick makes: the `kvm_vcpu_kick` lines that make it (their
   * `action=` and the `mode=` the kick read), and whether it is taken when
   * the model does not know the vCPU's mode yet (the kick's read is then the
   * only witness of it).
   */
  readonly kick?: {
    readonly actions: readonly KickAction[];
    readonly observed: Mode;
    readonly fromUnknown: boolean;
  };
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
    event: "kick_exchange",
    why: "a kick's cmpxchg in kvm_arch_vcpu_should_kick() (IPI Reduction), made before the kick " +
      "decides whether to send an IPI: none goes to the kicker's own or an offline CPU " +
      "(virt/kvm/kvm_main.c kvm_vcpu_kick(), 6.12 and 6.18)",
    kick: { actions: ["ipi", "none"], observed: "IN_GUEST_MODE", fromUnknown: true },
  },
  {
    from: "IN_GUEST_MODE",
    to: "EXITING_GUEST_MODE",
    by: "vcpu",
    event: "self_kick",
    why: "a kick from the vCPU's own context (a plain write, no IPI)",
    kick: { actions: ["self"], observed: "IN_GUEST_MODE", fromUnknown: false },
  },
  {
    from: "EXITING_GUEST_MODE",
    to: "OUTSIDE_GUEST_MODE",
    by: "vcpu",
    event: "exit_after_kick",
    why: "the guest exit a kick forced",
  },
];

/** The position of `m` in MODES (-1 for a string that is not a mode). */
function modeIndex(m: string): number {
  return m === MODES[0] ? 0 : m === MODES[1] ? 1 : m === MODES[2] ? 2 : m === MODES[3] ? 3 : -1;
}

/** The position of `a` in KICK_ACTIONS (-1 for another string). */
function actionIndex(a: string): number {
  return a === KICK_ACTIONS[0]
    ? 0
    : a === KICK_ACTIONS[1]
    ? 1
    : a === KICK_ACTIONS[2]
    ? 2
    : a === KICK_ACTIONS[3]
    ? 3
    : -1;
}

/**
 * The table as lookups built once (a mode write and a kick are looked up per
 * event): the first row of each (writer, from, to) at `from * 4 + to`, and
 * the kick rows of each (mode read, action) at `observed * 4 + action`, in
 * table order.
 */
const VCPU_ROWS: (ModeTransition | undefined)[] = new Array(16).fill(undefined);
const KICKER_ROWS: (ModeTransition | undefined)[] = new Array(16).fill(undefined);
const KICK_ROWS: ModeTransition[][] = Array.from({ length: 16 }, () => []);
for (const t of MODE_TRANSITIONS) {
  const rows = t.by === "vcpu" ? VCPU_ROWS : KICKER_ROWS;
  const at = modeIndex(t.from) * 4 + modeIndex(t.to);
  rows[at] ??= t;
  if (t.kick === undefined) continue;
  for (const action of t.kick.actions) {
    KICK_ROWS[modeIndex(t.kick.observed) * 4 + actionIndex(action)].push(t);
  }
}

/** The row allowing `from → to` by `by`, or `undefined` when the protocol forbids it. */
export function findTransition(from: Mode, to: Mode, by: ModeWriter): ModeTransition | undefined {
  const f = modeIndex(from);
  const t = modeIndex(to);
  if (f < 0 || t < 0) return undefined;
  return (by === "vcpu" ? VCPU_ROWS : KICKER_ROWS)[f * 4 + t];
}

/**
 * The row a kick takes, given the model's mode of the vCPU before it
 * (`undefined`: not known yet), the kick's `action` and the mode the kick
 * read (`undefined` for kicks recovered from stock events, which do not say:
 * they take no row). A kick that wakes the vCPU returns before any exchange.
 */
export function kickTransition(
  mode: Mode | undefined,
  action: string,
  observed: Mode | string | undefined,
): ModeTransition | undefined {
  if (observed === undefined) return undefined;
  const o = modeIndex(observed);
  const a = actionIndex(action);
  if (o < 0 || a < 0) return undefined;
  const rows = KICK_ROWS[o * 4 + a];
  for (let i = 0; i < rows.length; i++) {
    const t = rows[i];
    if (mode === t.from || (mode === undefined && t.kick!.fromUnknown)) return t;
  }
  return undefined;
}

/** The modes, in the kernel's enum order (for printing). */
export const AUTOMATON_STATES: readonly Mode[] = MODES;
