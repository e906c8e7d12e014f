/**
 * Damage generators for the trace.dat fuzz tests: truncations and seeded
 * random bit flips, and a runner that reads a damaged file with a time limit
 * and classifies the outcome.
 *
 * @module
 */

import { Prng } from "../../../src/sim/prng.ts";
import { memoryByteSource } from "../../../src/ingest/byte_source.ts";
import {
  createDatStats,
  DatFormatError,
  readDatBatches,
} from "../../../src/ingest/dat/dat_reader.ts";
import { InputError } from "../../../src/ingest/errors.ts";
import { createReadStats } from "../../../src/ingest/read_stats.ts";

/** Floats in [0, 1) from the project's seeded PRNG (src/sim/prng.ts). */
export function prng(seed: number): () => number {
  const r = new Prng(seed);
  return () => r.float();
}

/** Truncation points: every byte of the first `head` bytes, then `count` spread over the rest. */
export function truncations(size: number, head: number, count: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < Math.min(head, size); i++) out.add(i);
  for (let i = 0; i < count; i++) out.add(Math.floor((size * i) / count));
  return [...out].sort((a, b) => a - b);
}

/** A copy of `data` with `flips` random bits inverted. */
export function flipBits(data: Uint8Array, flips: number, rnd: () => number): Uint8Array {
  const out = data.slice();
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rnd() * out.length);
    out[at] ^= 1 << Math.floor(rnd() * 8);
  }
  return out;
}

/** How a damaged read ended. */
export type Outcome =
  | { readonly kind: "ok"; readonly records: number; readonly damaged: number }
  | { readonly kind: "dat-error"; readonly records: number; readonly error: DatFormatError }
  | { readonly kind: "input-error"; readonly records: number; readonly error: InputError }
  | { readonly kind: "other-error"; readonly records: number; readonly error: unknown }
  | { readonly kind: "timeout"; readonly records: number };

/**
 * Reads `data` as a trace.dat within `ms` milliseconds; `keepEvent` filters
 * as lint does (the other records are only counted); `strict` stops at the
 * first damaged page instead of skipping it.
 */
export async function readDamaged(
  data: Uint8Array,
  ms = 5000,
  keepEvent?: (name: string) => boolean,
  strict = false,
): Promise<Outcome> {
  const source = memoryByteSource("fuzz.dat", data);
  let records = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (async (): Promise<Outcome> => {
    try {
      const stats = createReadStats("fuzz.dat");
      const gen = readDatBatches(source, stats, { datStats: createDatStats(), keepEvent, strict });
      for await (const b of gen) records += b.length;
      return { kind: "ok", records, damaged: stats.damaged.count };
    } catch (error) {
      if (error instanceof DatFormatError) return { kind: "dat-error", records, error };
      if (error instanceof InputError) return { kind: "input-error", records, error };
      return { kind: "other-error", records, error };
    }
  })();
  const limit = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout", records }), ms);
  });
  try {
    return await Promise.race([run, limit]);
  } finally {
    clearTimeout(timer);
  }
}
