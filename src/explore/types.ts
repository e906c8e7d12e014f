/**
 * Public types of `kvmreq explore`: the options, the result and the steps of
 * a counterexample.
 *
 * @module
 */

/** The protocol variants the explorer can check (see `VARIANTS`). */
export type VariantName =
  | "correct"
  | "no-barrier"
  | "no-final-check"
  | "request-less-kick"
  | "irqs-enabled-entry"
  | "no-exiting-mode";

/** `sc`: sequential consistency; `tso`: x86-TSO with one FIFO store buffer per thread. */
export type MemoryModel = "sc" | "tso";

/** The properties a run checks (see `PROPERTIES`). */
export type PropertyId = "request-unseen" | "outside-guest-mode-not-reached" | "deadlock";

/** What to explore. */
export interface ExploreOptions {
  /** vCPU threads (one VM). */
  readonly vcpus: 1 | 2;
  /** Requester threads: R1 makes a request and kicks; R2 sends KVM_REQ_OUTSIDE_GUEST_MODE. */
  readonly requesters: 1 | 2;
  /** Memory model. */
  readonly memoryModel: MemoryModel;
  /** Protocol variant. */
  readonly variant: VariantName;
  /**
   * Stop after this many distinct states; the result is then `truncated`.
   * @default 1000000
   */
  readonly maxStates?: number;
  /**
   * How many times each vCPU may enter the guest (bounds the run loop).
   * @default 2
   */
  readonly guestEntries?: number;
}

/** How a thread moves: runs its next statement, flushes its store buffer, or takes an IPI. */
export type ActionKind = "exec" | "flush" | "irq";

/** One protocol or stock trace event a step emits, in the acting thread's context. */
export interface TraceEvent {
  /** Event name (`kvm_vcpu_mode`, `kvm_entry`, …). */
  readonly name: string;
  /** Field text exactly as trace-events.md prints it. */
  readonly fields: string;
  /** The ftrace flag column (`d..1.` irqs off, `.....` irqs on). */
  readonly flags: string;
}

/** One step of a counterexample. */
export interface Step {
  /** 1-based position in the counterexample. */
  readonly index: number;
  /** Acting thread: vCPUs are `0..vcpus-1`, requesters follow. */
  readonly thread: number;
  /** Display name of the thread (`vCPU0`, `R1`, `R2`). */
  readonly threadName: string;
  /** Kind of move. */
  readonly kind: ActionKind;
  /** What the thread did, in kernel terms. */
  readonly action: string;
  /** Trace events the step emits (possibly none). */
  readonly events: readonly TraceEvent[];
  /** Summary of the whole state after the step. */
  readonly state: string;
}

/** The outcome of one exploration. */
export interface ExploreResult {
  /** Variant explored. */
  readonly variant: VariantName;
  /** Memory model used. */
  readonly memoryModel: MemoryModel;
  /** vCPU threads. */
  readonly vcpus: number;
  /** Requester threads. */
  readonly requesters: number;
  /** Guest entries allowed per vCPU. */
  readonly guestEntries: number;
  /** Distinct states visited (the initial state included). */
  readonly statesExplored: number;
  /** Transitions generated. */
  readonly transitions: number;
  /** `safe`: no reachable state violates a property (unless `truncated`). */
  readonly verdict: "safe" | "violation";
  /** The property that failed. */
  readonly property?: PropertyId;
  /** A shortest path (BFS) from the initial state to a violating state. */
  readonly counterexample?: readonly Step[];
  /** The state limit was hit before the search finished. */
  readonly truncated: boolean;
}
