/**
 * Re-executes a sequence of moves from the initial state, producing the
 * counterexample steps (with their trace events) and the final state.
 *
 * @module
 */

import { describeMachine } from "./describe.ts";
import { initialMachine, type Machine } from "./machine.ts";
import { type Model, threadName } from "./model.ts";
import { type Action, applyAction } from "./transitions.ts";
import type { Step } from "./types.ts";

/** The steps of a replayed path and the state it ends in. */
export interface Replay {
  /** One step per move, numbered from 1. */
  readonly steps: Step[];
  /** The state after the last move. */
  readonly final: Machine;
}

/** Applies `path` from the initial state; throws when a move is not enabled where it is taken. */
export function replayPath(model: Model, path: readonly Action[]): Replay {
  let m = initialMachine(model);
  const steps: Step[] = [];
  for (const a of path) {
    const t = applyAction(model, m, a);
    m = t.next;
    steps.push({
      index: steps.length + 1,
      thread: a.thread,
      threadName: threadName(model, a.thread),
      kind: a.kind,
      action: t.action,
      events: t.events,
      state: describeMachine(model, m),
    });
  }
  return { steps, final: m };
}
