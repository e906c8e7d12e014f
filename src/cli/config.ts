/**
 * `kvmreq.json`: optional per-project configuration of `kvmreq lint`.
 * Finding and reading the file is here; its schema and validation are in
 * `config_schema.ts`, imported only when there is a file to validate (zod is
 * not loaded for runs without one).
 *
 * ```json
 * {
 *   "rules": { "redundant-ipi": "off", "request-latency": "error" },
 *   "latencyThresholdMs": 5,
 *   "allowedKickSites": ["kvm_arch_memslots_updated"]
 * }
 * ```
 *
 * @module
 */

import { InputError } from "../ingest/errors.ts";
import { describeOsError } from "../ingest/byte_source.ts";
import type { KvmreqConfig } from "./config_schema.ts";

export type { KvmreqConfig } from "./config_schema.ts";

/** The default configuration file name, looked up in the current directory. */
export const CONFIG_FILE = "kvmreq.json";

/** Reads `path`, or `kvmreq.json` when it exists and no path is given; `undefined` when there is none. */
export async function loadConfig(path: string | undefined): Promise<KvmreqConfig | undefined> {
  const file = path ?? CONFIG_FILE;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (path === undefined && err instanceof Deno.errors.NotFound) return undefined;
    throw new InputError(file, 0, `cannot read configuration: ${describeOsError(err)}`);
  }
  const { parseConfig } = await import("./config_schema.ts");
  return parseConfig(file, text);
}
