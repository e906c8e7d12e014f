/**
 * Per-name and per-CPU event counters for the hot path: plain arrays indexed
 * by name id (see {@link NameTable}) and CPU number instead of a `Map`
 * update per line. {@link EventCounter.syncTo} copies them into
 * {@link ReadStats}; keys enter the maps in the order of the first line that
 * counted them, which is the order the maps had when every line updated them
 * directly, whatever the batching or the number of threads that counted.
 *
 * @module
 */

import type { ReadStats } from "./read_stats.ts";

import { DENSE_CPUS } from "./limits.ts";

/** Counts of one sparse key. */
interface SparseCount {
  count: number;
  first: number;
  mark: number;
  shown: boolean;
}

/** Events per name id and per CPU, with the first line that counted each. */
export class EventCounter {
  readonly #names: readonly string[];
  readonly #nameCount: number[] = [];
  readonly #nameFirst: number[] = [];
  /** 1 once the name is a key of `eventsByName`. */
  readonly #nameShown: number[] = [];
  /** Ids changed since the last sync. */
  #dirtyNames: number[] = [];
  readonly #nameMark: number[] = [];
  #epoch = 1;
  readonly #cpuCount = new Float64Array(DENSE_CPUS);
  readonly #cpuFirst = new Float64Array(DENSE_CPUS);
  readonly #cpuShown = new Uint8Array(DENSE_CPUS);
  readonly #cpuMark = new Int32Array(DENSE_CPUS);
  #dirtyCpus: number[] = [];
  readonly #sparseCpus = new Map<number, SparseCount>();
  #dirtySparse: number[] = [];

  /**
   * Counts events per name id and CPU.
   *
   * @param names the name table's id → name list (read at sync time)
   */
  constructor(names: readonly string[]) {
    this.#names = names;
  }

  /** Counts one event of name `id` on `cpu`, at `line`. */
  add(id: number, cpu: number, line: number): void {
    this.addName(id, 1, line);
    this.addCpu(cpu, 1, line);
  }

  /** Adds `n` events of name `id` whose first is at `first`. */
  addName(id: number, n: number, first: number): void {
    while (this.#nameCount.length <= id) {
      this.#nameCount.push(0);
      this.#nameFirst.push(0);
      this.#nameShown.push(0);
      this.#nameMark.push(0);
    }
    const c = this.#nameCount[id];
    if (c === 0 || first < this.#nameFirst[id]) this.#nameFirst[id] = first;
    this.#nameCount[id] = c + n;
    if (this.#nameMark[id] !== this.#epoch) {
      this.#nameMark[id] = this.#epoch;
      this.#dirtyNames.push(id);
    }
  }

  /** Adds `n` events on `cpu` whose first is at `first`. */
  addCpu(cpu: number, n: number, first: number): void {
    if (cpu < DENSE_CPUS) {
      const c = this.#cpuCount[cpu];
      if (c === 0 || first < this.#cpuFirst[cpu]) this.#cpuFirst[cpu] = first;
      this.#cpuCount[cpu] = c + n;
      if (this.#cpuMark[cpu] !== this.#epoch) {
        this.#cpuMark[cpu] = this.#epoch;
        this.#dirtyCpus.push(cpu);
      }
      return;
    }
    let s = this.#sparseCpus.get(cpu);
    if (s === undefined) {
      s = { count: 0, first, mark: 0, shown: false };
      this.#sparseCpus.set(cpu, s);
    }
    if (s.count === 0 || first < s.first) s.first = first;
    s.count += n;
    if (s.mark !== this.#epoch) {
      s.mark = this.#epoch;
      this.#dirtySparse.push(cpu);
    }
  }

  /** Copies the counts into `stats.eventsByName` and `stats.eventsByCpu`. */
  syncTo(stats: ReadStats): void {
    this.#epoch++;
    const dirtyNames = this.#dirtyNames;
    this.#dirtyNames = [];
    const fresh: number[] = [];
    for (const id of dirtyNames) {
      if (this.#nameShown[id] === 1) stats.eventsByName.set(this.#names[id], this.#nameCount[id]);
      else fresh.push(id);
    }
    if (fresh.length > 0) {
      fresh.sort((a, b) => this.#nameFirst[a] - this.#nameFirst[b]);
      for (const id of fresh) {
        this.#nameShown[id] = 1;
        stats.eventsByName.set(this.#names[id], this.#nameCount[id]);
      }
    }
    const dirtyCpus = this.#dirtyCpus;
    this.#dirtyCpus = [];
    const freshCpus: { cpu: number; first: number; count: number }[] = [];
    for (const cpu of dirtyCpus) {
      if (this.#cpuShown[cpu] === 1) stats.eventsByCpu.set(cpu, this.#cpuCount[cpu]);
      else freshCpus.push({ cpu, first: this.#cpuFirst[cpu], count: this.#cpuCount[cpu] });
    }
    const dirtySparse = this.#dirtySparse;
    this.#dirtySparse = [];
    for (const cpu of dirtySparse) {
      const s = this.#sparseCpus.get(cpu)!;
      if (s.shown) stats.eventsByCpu.set(cpu, s.count);
      else {
        s.shown = true;
        freshCpus.push({ cpu, first: s.first, count: s.count });
      }
    }
    if (freshCpus.length > 0) {
      freshCpus.sort((a, b) => a.first - b.first);
      for (const f of freshCpus) {
        if (f.cpu < DENSE_CPUS) this.#cpuShown[f.cpu] = 1;
        // Sparse keys are marked shown when collected.
        stats.eventsByCpu.set(f.cpu, f.count);
      }
    }
  }
}
