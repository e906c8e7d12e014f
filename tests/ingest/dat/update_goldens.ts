/**
 * Rewrites the JSONL snapshots in fixtures/dat/golden from the current reader's output.
 * Run after an intended output change, then review the diff:
 * `deno run --allow-read --allow-write tests/ingest/dat/update_goldens.ts`.
 * @module
 */
import { datRecords } from "./compare.ts";
import { toJsonLine } from "./dat_golden_test.ts";

/** Fixtures (under fixtures/dat) that have a snapshot in fixtures/dat/golden. */
export const SNAPSHOT_FIXTURES = ["v6", "stacktrace-v6"] as const;

/** Writes one snapshot per fixture in {@link SNAPSHOT_FIXTURES}. */
export async function updateGoldens(): Promise<void> {
  const dir = new URL("../../../fixtures/dat/", import.meta.url);
  for (const name of SNAPSHOT_FIXTURES) {
    const { records } = await datRecords(new URL(`${name}.dat`, dir).pathname);
    const out = new URL(`golden/${name}.jsonl`, dir);
    await Deno.writeTextFile(out, records.map(toJsonLine).join("\n") + "\n");
    console.log(`wrote ${out.pathname} (${records.length} records)`);
  }
}

if (import.meta.main) await updateGoldens();
