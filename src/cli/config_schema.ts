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
  // A partial record: any subset of the rule ids (z.record with an enum key
  // demands every id, which rejected the README's own example).
  rules: z.partialRecord(z.enum(ruleIds), z.enum(["off", "error", "warning", "info"])).optional(),
  latencyThresholdMs: z.number().positive().optional(),
  allowedKickSites: z.array(z.string().min(1)).optional(),
});

/** A validated configuration. */
export type KvmreqConfig = z.infer<typeof configSchema>;

/**
 * The 1-based line of the value at `path` in `text` (the line of its key;
 * for an array element, of the array's key), found by walking the keys in
 * order; 1 when the path is empty, 0 when a key cannot be found.
 */
export function lineOfPath(text: string, path: readonly PropertyKey[]): number {
  let at = 0;
  let found = path.length === 0 ? 0 : -1;
  for (const key of path) {
    if (typeof key !== "string") break;
    const re = new RegExp(`${escapeRegExp(JSON.stringify(key))}\\s*:`, "g");
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return found < 0 ? 0 : lineAt(text, found);
    at = found = m.index;
  }
  return lineAt(text, Math.max(0, found));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The line of a JSON.parse error: V8 says `(line L column C)` or `at position P`. */
function lineOfSyntaxError(text: string, message: string): number {
  const lc = /\(line (\d+) column \d+\)/.exec(message);
  if (lc !== null) return Number(lc[1]);
  const pos = /at position (\d+)/.exec(message);
  if (pos !== null) return lineAt(text, Number(pos[1]));
  return text.trim() === "" ? 1 : 0;
}

/** Parses configuration `text` read from `file`; throws {@link InputError} pointing at the bad key. */
export function parseConfig(file: string, text: string): KvmreqConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    throw new InputError(file, lineOfSyntaxError(text, msg), `not valid JSON: ${msg}`);
  }
  const res = configSchema.safeParse(raw);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const path = issue.path.map(String).join(".");
  let keyPath: PropertyKey[] = [...issue.path];
  if (issue.code === "unrecognized_keys") keyPath = [...issue.path, issue.keys[0]];
  const where = issue.code === "unrecognized_keys"
    ? `${path ? path + "." : ""}${issue.keys.join(", ")}`
    : path;
  const hint = keyPath[0] === "rules" && keyPath.length === 2 &&
      (issue.code === "invalid_key" || issue.code === "unrecognized_keys")
    ? ` (rule ids: ${ruleIds.join(", ")})`
    : "";
  throw new InputError(
    file,
    Math.max(1, lineOfPath(text, keyPath)),
    `${where || "(top level)"}: ${issue.message}${hint}`,
  );
}
