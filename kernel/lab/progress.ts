/**
 * Progress of the lab's steps on standard error: one line when a step
 * starts and one when it ends, with its time and whether it was cached.
 *
 * @module
 */

/** What a step's body returns: a short note shown after its time. */
export type StepNote = string | undefined;

/** Time of each finished step, for the closing summary. */
export interface StepTime {
  /** Step name. */
  readonly name: string;
  /** Seconds it took. */
  readonly seconds: number;
  /** The note it returned (`cached`, a size, …). */
  readonly note: StepNote;
}

/** Prints step progress and remembers each step's time. */
export class Steps {
  readonly #times: StepTime[] = [];
  readonly #start = performance.now();
  readonly #write: (line: string) => void;

  /** Steps reported through `write` (standard error by default). */
  constructor(write: (line: string) => void = (l) => console.error(l)) {
    this.#write = write;
  }

  /** Runs `body` as the step `name`, printing its start and its time. */
  async step<T extends StepNote>(name: string, body: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    this.#write(`lab: ${name} …`);
    const note = await body();
    const seconds = (performance.now() - t0) / 1000;
    this.#times.push({ name, seconds, note });
    this.#write(`lab: ${name}: ${fmtSeconds(seconds)}${note !== undefined ? ` (${note})` : ""}`);
    return note;
  }

  /** A line of information under the current step. */
  info(line: string): void {
    this.#write(`lab:   ${line}`);
  }

  /** Every finished step with its time. */
  get times(): readonly StepTime[] {
    return this.#times;
  }

  /** Seconds since the lab started. */
  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }
}

/** `83.2 s` or `2 min 14 s`. */
export function fmtSeconds(s: number): string {
  if (s < 90) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
