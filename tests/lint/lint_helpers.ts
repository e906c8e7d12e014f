/**
 * Test helper: lint trace text held in memory with the default rules.
 *
 * @module
 */

import { ruleOptionsFrom, selectRules } from "../../src/cli/lint_command.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { lintInput, type LintResult } from "../../src/check/lint_input.ts";

/** Lints `text` as the file `name` with every rule at default settings. */
export async function lintText(text: string, name = "test.trace"): Promise<LintResult> {
  const reader = readTraceFrom(memoryByteSource(name, new TextEncoder().encode(text)), {
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  });
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return await lintInput(
    { path: name, reader, batches: () => reader.batches() },
    {
      rules,
      severities,
      ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
    },
  );
}
