/**
 * The schema of `kvmreq.json` (optional per-project configuration of
 * `kvmreq lint`), validated with zod; errors name the file, the line of the
 * bad key and the key path. Loaded only when a configuration file exists
 * (see `config.ts`).
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

import { z } from "zod";
import { InputError } from "../ingest/errors.ts";
import { RULES } from "../rules/index.ts";

const ruleIds = RULES.map((r) => r.meta.id) as [string, ...string[]];

/** The schema of `kvmreq.json`. */
export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  rules: z.record(z.enum(ruleIds), z.enum(["off", "error", "warning", "info"])).optional(),
  latencyThresholdMs: z.number().positive().optional(),
  allowedKickSites: z.array(z.string().min(1)).optional(),
});

/** A validated configuration. */
export type KvmreqConfig = z.infer<typeof configSchema>;

function lineOfKey(text: string, key: string | number | symbol | undefined): number {
  if (typeof key !== "string") return 0;
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? 0 : text.slice(0, at).split("\n").length;
}

/** Parses configuration `text` read from `file`; throws {@link InputError} pointing at the bad key. */
export function parseConfig(file: string, text: string): KvmreqConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(file, 0, `not valid JSON: ${(err as Error).message}`);
  }
  const res = configSchema.safeParse(raw);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const path = issue.path.map(String).join(".");
  let key = issue.path.at(-1);
  if (issue.code === "unrecognized_keys") key = issue.keys[0];
  if (issue.code === "invalid_key" || (issue.code === "invalid_value" && issue.path.length === 2)) {
    key = issue.path.at(-1);
  }
  const where = issue.code === "unrecognized_keys"
    ? `${path ? path + "." : ""}${issue.keys.join(", ")}`
    : path;
  const hint = issue.path[0] === "rules" && issue.code === "invalid_key"
    ? ` (rule ids: ${ruleIds.join(", ")})`
    : "";
  throw new InputError(
    file,
    lineOfKey(text, key),
    `${where || "(top level)"}: ${issue.message}${hint}`,
  );
}
