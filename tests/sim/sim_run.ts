/**
 * Test helper: runs the simulator into memory and parses what it wrote.
 *
 * @module
 */

import type { Injection } from "../../src/sim/bugs.ts";
import { simulate, type SimulationOptions, type SimulationResult } from "../../src/sim/simulate.ts";
import { parseTrace, type SimLine } from "./trace_lines.ts";

/** One in-memory simulation. */
export interface SimRun {
  /** The whole trace. */
  readonly text: string;
  /** The chunks the sink received. */
  readonly chunks: readonly string[];
  /** What `simulate` returned. */
  readonly result: SimulationResult;
  /** The header lines. */
  readonly header: readonly string[];
  /** The parsed event lines. */
  readonly events: readonly SimLine[];
}

/** Simulates `options` (defaults: 4 vCPUs, 2 requesters, 20 000 events, seed 1, no bugs). */
export function runSim(options: Partial<SimulationOptions> = {}): SimRun {
  const o: SimulationOptions = {
    vcpus: 4,
    requesters: 2,
    events: 20_000,
    seed: 1,
    inject: [] as Injection[],
    ...options,
  };
  const chunks: string[] = [];
  const result = simulate(o, (c) => chunks.push(c));
  const text = chunks.join("");
  const { header, events } = parseTrace(text);
  return { text, chunks, result, header, events };
}

/** SHA-256 of `text`, hex. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
