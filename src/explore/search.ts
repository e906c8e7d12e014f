/**
 * Breadth-first search over every interleaving. States are deduplicated by
 * key; each new state remembers its parent and the move that reached it, so
 * the first violating state found yields a shortest path to it. Every state
 * is checked when it is first reached, so violations are found in order of
 * depth.
 *
 * @module
 */

import { initialMachine, type Machine, machineKey } from "./machine.ts";
import type { Model } from "./model.ts";
import { violatedProperty } from "./properties.ts";
import {
  type Action,
  applyAction,
  decodeAction,
  enabledActions,
  encodeAction,
} from "./transitions.ts";
import type { PropertyId } from "./types.ts";

/** What the search found. */
export interface SearchOutcome {
  /** Distinct states reached. */
  readonly statesExplored: number;
  /** Transitions generated. */
  readonly transitions: number;
  /** The violated property, when one was found. */
  readonly property?: PropertyId;
  /** The moves from the initial state to the violating state. */
  readonly path?: readonly Action[];
  /** The search stopped at `maxStates`. */
  readonly truncated: boolean;
}

function pathTo(index: number, parents: number[], actions: number[]): Action[] {
  const path: Action[] = [];
  for (let i = index; i > 0; i = parents[i]) path.push(decodeAction(actions[i]));
  return path.reverse();
}

/** Explores every state of `model` reachable from the initial state, up to `maxStates`. */
export function searchModel(model: Model, maxStates: number): SearchOutcome {
  const start = initialMachine(model);
  const seen = new Map<string, number>([[machineKey(start), 0]]);
  const queue: (Machine | undefined)[] = [start];
  const parents: number[] = [-1];
  const actions: number[] = [-1];
  const first = violatedProperty(model, start);
  if (first !== undefined) {
    return { statesExplored: 1, transitions: 0, property: first, path: [], truncated: false };
  }
  let transitions = 0;
  for (let head = 0; head < queue.length; head++) {
    const m = queue[head] as Machine;
    queue[head] = undefined;
    for (const action of enabledActions(model, m)) {
      transitions++;
      const { next } = applyAction(model, m, action);
      const key = machineKey(next);
      if (seen.has(key)) continue;
      if (seen.size >= maxStates) {
        return { statesExplored: seen.size, transitions, truncated: true };
      }
      const index = queue.length;
      seen.set(key, index);
      queue.push(next);
      parents.push(head);
      actions.push(encodeAction(action));
      const property = violatedProperty(model, next);
      if (property !== undefined) {
        const path = pathTo(index, parents, actions);
        return { statesExplored: seen.size, transitions, property, path, truncated: false };
      }
    }
  }
  return { statesExplored: seen.size, transitions, truncated: false };
}
