/**
 * `kvmreq lint` of one file in-process, with every rule at its default
 * severity — for tests that compare two readings of one recording.
 *
 * @module
 */

import { ruleOptionsFrom, selectRules } from "../../src/cli/lint_command.ts";
import { readTrace } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { lintInput, type LintResult } from "../../src/check/lint_input.ts";

/** Lints `path`; `kernel` (`"6.12"`) picks the kernel tables as `--kernel` does. */
export async function lintFile(path: string, kernel?: string): Promise<LintResult> {
  const reader = await readTrace(path, { keepEvent: (n) => MODEL_EVENT_NAMES.has(n) });
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return await lintInput(
    { path, reader, batches: () => reader.batches() },
    {
      rules,
      severities,
      ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
      ...(kernel !== undefined ? { kernelOption: { version: kernel } } : {}),
    },
  );
}
