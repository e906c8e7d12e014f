/**
 * Threads' scheduling states from ftrace's scheduler events: `sched_switch`
 * puts its next task *running* and its previous one *runnable* (preempted,
 * `prev_state=R`) or *sleeping* (any other state: S, D, …); a
 * `sched_wakeup` or `sched_waking` makes a sleeping task *runnable*. Shared
 * by the HTML report's thread bands and the Perfetto export's scheduling
 * tracks. The idle task (pid 0) is left out.
 *
 * @module
 */

import { decodeStockEvent } from "../events/stock_fields.ts";
import type { TraceEvent } from "../events/types.ts";

/** A thread's scheduling state. */
export type ThreadState = "running" | "runnable" | "sleeping";

/** Every {@link ThreadState}, in a fixed order (the report's state codes). */
export const THREAD_STATES: readonly ThreadState[] = ["running", "runnable", "sleeping"];

/** A thread entering a state. */
export interface SchedTransition {
  /** The thread. */
  readonly pid: number;
  /** Its name, when the event gives it. */
  readonly comm: string | undefined;
  /** The state it enters. */
  readonly state: ThreadState;
  /** The CPU of the event (where it runs, for `running`). */
  readonly cpu: number;
  /** `prev_state` as printed, for a task switched out. */
  readonly detail: string | undefined;
}

/** Follows every thread's scheduling state over a trace. */
export class SchedStates {
  readonly #state = new Map<number, ThreadState>();

  /** The state changes `r` makes (none for other events, or when nothing changes). */
  observe(r: TraceEvent): SchedTransition[] {
    if (r.name === "sched_switch") {
      const e = decodeStockEvent("sched_switch", r.fields);
      if (e.kind !== "sched_switch") return [];
      const out: SchedTransition[] = [];
      if (e.prevPid !== undefined) {
        const runnable = e.prevState !== undefined && e.prevState.startsWith("R");
        this.#to(
          out,
          e.prevPid,
          e.prevComm,
          runnable ? "runnable" : "sleeping",
          r.cpu,
          e.prevState,
        );
      }
      if (e.nextPid !== undefined) {
        this.#to(out, e.nextPid, e.nextComm, "running", r.cpu, undefined);
      }
      return out;
    }
    if (r.name === "sched_wakeup" || r.name === "sched_waking") {
      const e = decodeStockEvent(r.name, r.fields);
      if ((e.kind !== "sched_wakeup" && e.kind !== "sched_waking") || e.pid === undefined) {
        return [];
      }
      const now = this.#state.get(e.pid);
      if (now !== undefined && now !== "sleeping") return [];
      const out: SchedTransition[] = [];
      this.#to(out, e.pid, e.comm, "runnable", r.cpu, undefined);
      return out;
    }
    return [];
  }

  #to(
    out: SchedTransition[],
    pid: number,
    comm: string | undefined,
    state: ThreadState,
    cpu: number,
    detail: string | undefined,
  ): void {
    if (pid <= 0) return;
    if (this.#state.get(pid) === state && state !== "running") return;
    this.#state.set(pid, state);
    out.push({ pid, comm, state, cpu, detail });
  }
}
