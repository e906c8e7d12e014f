/**
 * Lints a trace the way `kvmreq lint` does (same event filter, every rule,
 * default options), through the library instead of a subprocess.
 *
 * @module
 */

import { ruleOptionsFrom, selectRules } from "../../src/cli/lint_command.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import type { CheckerOptions } from "../../src/check/checker.ts";
import { lintInput, type LintResult } from "../../src/check/lint_input.ts";

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url);

/** Checker options of `kvmreq lint` with no flags and no configuration file. */
export function defaultCheckerOptions(): CheckerOptions {
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return {
    rules,
    severities,
    ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
  };
}

/** Lints trace `text`, naming it `name` in findings and evidence. */
export function lintText(
  name: string,
  text: string,
  options: CheckerOptions = defaultCheckerOptions(),
): Promise<LintResult> {
  const reader = readTraceFrom(memoryByteSource(name, new TextEncoder().encode(text)), {
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  });
  return lintInput({ path: name, reader, batches: () => reader.batches() }, options);
}

/** Lints the repository file `rel` (a path from the root, which is also its name in the report). */
export async function lintFile(rel: string): Promise<LintResult> {
  return lintText(rel, await Deno.readTextFile(new URL(rel, ROOT)));
}
