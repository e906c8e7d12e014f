/**
 * Benchmark inputs, built reproducibly (fixed seeds) into a cache directory
 * outside the repository and reused while their recipe is unchanged: a
 * real-shaped mixed trace at several sizes (gen_mixed.ts) and a dense
 * protocol trace from the simulator (every event modelled).
 *
 * The directory is `$KVMREQ_BENCH_DIR`, else `/work/big/kvmreq-bench` when
 * /work/big exists, else `$TMPDIR/kvmreq-bench`.
 *
 * @module
 */

import { simulate } from "../src/sim/simulate.ts";
import { writeMixedTrace } from "./gen_mixed.ts";
import { startProgress } from "../src/cli/progress.ts";

/** A built input. */
export interface BenchInput {
  /** Short name (`mixed-200`, `dense`, …). */
  readonly name: string;
  /** File path. */
  readonly path: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** Event lines in it. */
  readonly events: number;
  /** What it is. */
  readonly description: string;
}

/** A recipe: how to write an input, and what it is. */
interface Recipe {
  readonly name: string;
  readonly description: string;
  /** Identifies the recipe (a changed key rebuilds the file). */
  readonly key: string;
  /** Writes the input through `write`; returns the number of events. */
  build(write: (text: string) => void): number;
  /** Size it will have, when known (for progress). */
  readonly bytes?: number;
}

function mixed(mb: number): Recipe {
  return {
    name: mb >= 1024 ? `mixed-${mb / 1024}g` : `mixed-${mb}`,
    description:
      `${mb} MB real-shaped mixed trace (≈15% kvm_entry/kvm_exit, a few sched/ipi/csd, rest unmodelled)`,
    key: `gen_mixed v3 seed=1 bytes=${mb << 20}`,
    bytes: mb << 20,
    build: (write) => writeMixedTrace({ bytes: mb << 20, seed: 1 }, write).events,
  };
}

function dense(events: number): Recipe {
  return {
    name: "dense",
    description:
      `simulated protocol trace, ${events} events, every one modelled (8 vCPUs, 4 requesters)`,
    key: `simulate v1 vcpus=8 requesters=4 seed=42 events=${events}`,
    build: (write) =>
      simulate({ vcpus: 8, requesters: 4, events, seed: 42, inject: [] }, write).events,
  };
}

/** The recipes by name. */
export const RECIPES: Record<string, Recipe> = {
  "mixed-100": mixed(100),
  "mixed-200": mixed(200),
  "mixed-1g": mixed(1024),
  "dense": dense(2_000_000),
  "dense-small": { ...dense(400_000), name: "dense-small" },
};

/** The cache directory for inputs. */
export function benchDir(): string {
  const env = envGet("KVMREQ_BENCH_DIR");
  if (env !== undefined && env !== "") return env;
  try {
    if (Deno.statSync("/work/big").isDirectory) return "/work/big/kvmreq-bench";
  } catch { /* not there */ }
  return `${envGet("TMPDIR") ?? "/tmp"}/kvmreq-bench`;
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Builds input `name` unless an up-to-date copy exists; returns it. */
export async function benchInput(name: string, log = true): Promise<BenchInput> {
  const recipe = RECIPES[name];
  if (recipe === undefined) throw new Error(`unknown bench input ${name}`);
  const dir = benchDir();
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${recipe.name}.trace`;
  const metaPath = `${path}.json`;
  try {
    const meta = JSON.parse(await Deno.readTextFile(metaPath));
    const size = (await Deno.stat(path)).size;
    if (meta.key === recipe.key && meta.bytes === size) {
      return { name, path, bytes: size, events: meta.events, description: recipe.description };
    }
  } catch { /* build it */ }
  if (log) console.error(`building ${path} (${recipe.description}) …`);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    const bytes = enc.encode(pending.join(""));
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    pending = [];
    pendingLength = 0;
  };
  let events: number;
  let written = 0;
  const progress = startProgress(`building ${recipe.name}`, recipe.bytes ?? 0);
  try {
    events = recipe.build((text) => {
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength >= 4 << 20) {
        written += pendingLength;
        flush();
        progress.update(written);
      }
    });
    flush();
  } finally {
    progress.done();
    file.close();
  }
  const bytes = (await Deno.stat(path)).size;
  await Deno.writeTextFile(metaPath, JSON.stringify({ key: recipe.key, bytes, events }) + "\n");
  return { name, path, bytes, events, description: recipe.description };
}

/** Counts the event lines of an existing trace file (for real traces without a recipe). */
export async function countEvents(path: string): Promise<number> {
  const cache = `${benchDir()}/${path.replaceAll("/", "_")}.events.json`;
  const size = (await Deno.stat(path)).size;
  try {
    const meta = JSON.parse(await Deno.readTextFile(cache));
    if (meta.bytes === size) return meta.events;
  } catch { /* count */ }
  const { readTrace } = await import("../src/ingest/read_trace.ts");
  const reader = await readTrace(path, { keepEvent: () => false });
  for await (const _ of reader.batches()) { /* counting only */ }
  const events = reader.stats.events;
  await Deno.mkdir(benchDir(), { recursive: true });
  await Deno.writeTextFile(cache, JSON.stringify({ bytes: size, events }) + "\n");
  return events;
}
