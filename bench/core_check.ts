/**
 * How much two threads get done at once on this machine, for reading the
 * parallel numbers: a shared or throttled host may give the second core
 * much less than a whole core (on this project's VM two concurrent spin
 * loops have taken anywhere from 1.0× to 1.6× as long as one alone, and one
 * alone from 92 to 161 ms from one minute to the next). Spins
 * a fixed integer loop on this thread alone, then on this thread and a
 * worker at once, and reports each concurrent loop's speed relative to the
 * one alone.
 *
 * @module
 */

/** Iterations of the spin loop (about 0.3 s on the VM). */
export const SPIN_ITERATIONS = 300_000_000;

/** Runs the spin loop `iterations` times; returns milliseconds taken. */
export function spin(iterations: number): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x + Math.imul(i, 7)) | 0;
  // Keep the result alive so the loop cannot be dropped.
  if (x === 0.5) console.log(x);
  return performance.now() - t0;
}

/** What {@link checkCores} measured. */
export interface CoreCheck {
  /** ms of the loop alone. */
  readonly aloneMs: number;
  /** ms of the loop on this thread while the worker ran it too. */
  readonly mainMs: number;
  /** ms of the worker's loop. */
  readonly workerMs: number;
}

/** Runs the spin loop alone, then on this thread and a worker at once (best of `runs` each). */
export async function checkCores(runs = 3, iterations = SPIN_ITERATIONS): Promise<CoreCheck> {
  spin(iterations / 10); // warm up
  let aloneMs = Infinity;
  for (let r = 0; r < runs; r++) aloneMs = Math.min(aloneMs, spin(iterations));
  const worker = new Worker(new URL("./spin_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const ask = (n: number) =>
      new Promise<number>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
        worker.postMessage(n);
      });
    await ask(iterations / 10); // warm up the worker's copy of the loop
    let mainMs = Infinity;
    let workerMs = Infinity;
    for (let r = 0; r < runs; r++) {
      const theirs = ask(iterations);
      const mine = spin(iterations);
      const t = await theirs;
      // A pair counts when both loops ran at once: the slower pair member decides.
      if (Math.max(mine, t) < Math.max(mainMs, workerMs)) {
        mainMs = mine;
        workerMs = t;
      }
    }
    return { aloneMs, mainMs, workerMs };
  } finally {
    worker.terminate();
  }
}

/** One line on the result: each concurrent loop's speed as a share of the loop alone. */
export function formatCoreCheck(c: CoreCheck): string {
  const share = (ms: number) => (c.aloneMs / ms).toFixed(2);
  return `two threads at once ran at ${share(c.mainMs)} and ${share(c.workerMs)} of one ` +
    `thread's speed (spin loop: ${c.aloneMs.toFixed(0)} ms alone, ${c.mainMs.toFixed(0)} and ` +
    `${c.workerMs.toFixed(0)} ms together)`;
}
