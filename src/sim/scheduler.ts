/**
 * The discrete-event queue: each actor (vCPU thread, requester thread) has at
 * most one live wake-up time; rescheduling bumps the actor's version and the
 * stale entry is skipped when it surfaces. Ties go to the earlier schedule
 * call, so runs are deterministic.
 *
 * @module
 */

/** Anything the scheduler can wake. */
export interface Actor {
  /** Bumped on every (re)schedule or cancel; entries with an older version are stale. */
  ver: number;
}

interface Entry<A extends Actor> {
  readonly at: number;
  readonly seq: number;
  readonly actor: A;
  readonly ver: number;
}

/** A min-heap of wake-ups ordered by (time, schedule order). */
export class Scheduler<A extends Actor> {
  readonly #heap: Entry<A>[] = [];
  #seq = 0;

  /** Wakes `actor` at `at` (µs), replacing any wake-up it had. */
  schedule(actor: A, at: number): void {
    actor.ver++;
    const heap = this.#heap;
    const e: Entry<A> = { at, seq: this.#seq++, actor, ver: actor.ver };
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(e, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = e;
  }

  /** Drops `actor`'s pending wake-up, if any. */
  cancel(actor: A): void {
    actor.ver++;
  }

  /** Removes the next live wake-up; `undefined` when none is left. */
  pop(): { at: number; actor: A } | undefined {
    const heap = this.#heap;
    while (heap.length > 0) {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) siftDown(heap, last);
      if (top.ver === top.actor.ver) return top;
    }
    return undefined;
  }
}

function less<A extends Actor>(a: Entry<A>, b: Entry<A>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function siftDown<A extends Actor>(heap: Entry<A>[], e: Entry<A>): void {
  const n = heap.length;
  let i = 0;
  while (true) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && less(heap[child + 1], heap[child])) child++;
    if (!less(heap[child], e)) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = e;
}
