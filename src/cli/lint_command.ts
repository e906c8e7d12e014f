/**
 * `kvmreq lint FILE...`: replays traces through the reference model and
 * reports rule violations, as text, JSON or SARIF, with CI exit codes.
 *
 * @module
 */

import {
  command,
  constant,
  flag,
  merge,
  multiple,
  object,
  option,
  optional,
  withDefault,
} from "@optique/core";
import { message, text } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice, float, string } from "@optique/core/valueparser";
import { InputError } from "../ingest/errors.ts";
import { MODEL_EVENT_NAMES } from "../events/normalize.ts";
import { buildLintReport } from "../report/lint_json.ts";
import { countBySeverity, formatLintText } from "../report/lint_text.ts";
import { buildSarif } from "../report/sarif.ts";
import { RULES } from "../rules/index.ts";
import { lintInput, type LintResult } from "../check/lint_input.ts";
import { type Rule, type RuleOptions, SEVERITIES, type Severity } from "../rules/rule.ts";
import { kernelOptions, modelOptionsOf, readOptions, traceFiles } from "./common_options.ts";
import { stdoutPalette } from "./color.ts";
import { followLint } from "./lint_follow.ts";
import { type KvmreqConfig, loadConfig } from "./config.ts";
import { EXIT, EXIT_CODES_TEXT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";
import { termSafe } from "../report/term_safe.ts";
import { findingWindowOptions, inWindow } from "./window_options.ts";

const ruleIds = RULES.map((r) => r.meta.id);

/** The parsed options of `kvmreq lint`. */
export const lintCommand = command(
  "lint",
  merge(
    object({
      command: constant("lint"),
      format: withDefault(
        option("-f", "--format", choice(["text", "json", "sarif"]), {
          description:
            message`Report format: text for people, json for scripts, sarif for code scanning.`,
        }),
        "text" as const,
      ),
      rule: multiple(option("-r", "--rule", choice(ruleIds, { metavar: "RULE" }), {
        description: message`Run only this rule (repeatable).`,
      })),
      disable: multiple(option("-d", "--disable", choice(ruleIds, { metavar: "RULE" }), {
        description: message`Do not run this rule (repeatable).`,
      })),
      failOn: withDefault(
        option("--fail-on", choice(["error", "warning", "info", "never"]), {
          description: message`Exit 1 when a finding of this severity or worse is reported.`,
        }),
        "error" as const,
      ),
      config: optional(option("--config", string({ metavar: "FILE" }), {
        description:
          message`Configuration file (default: ${"kvmreq.json"} in the current directory, if present).`,
      })),
      latencyThresholdMs: optional(option("--latency-threshold", float({ min: 0, metavar: "MS" }), {
        description:
          message`Milliseconds a request may stay pending before request-latency reports it (default 10).`,
      })),
      follow: optional(flag("--follow", {
        description:
          message`Read one live input (a FIFO such as trace_pipe, or a growing file) and print each \
finding as soon as it is proven; summary on EOF or Ctrl-C.`,
      })),
      verbose: optional(flag("-v", "--verbose", {
        description: message`Say what every unchecked rule needs.`,
      })),
      noGroup: optional(flag("--no-group", {
        description: message`List every finding: by default identical findings (same rule, site \
and vCPU) are shown once with their count and first and last time (text only; JSON and SARIF always \
list each).`,
      })),
      noColor: optional(flag("--no-color", {
        description: message`No colour (also when ${"NO_COLOR"} is set, or the output is not a \
terminal).`,
      })),
      allowUnchecked: optional(flag("--allow-unchecked", {
        description: message`Accept an input on which no rule could be checked (by default that \
exits ${String(EXIT.unchecked)}: a trace without the events any rule needs proves nothing).`,
      })),
    }),
    findingWindowOptions,
    readOptions,
    kernelOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Check traces against the vCPU-request protocol and report violations.`,
    description: [
      ...message`Replays each trace through kvmreq's reference model of \
Documentation/virt/kvm/vcpu-requests.rst and runs the rule catalog on it. Each finding names its rule, \
the vCPU, the events that prove it (file, line, text) and the seed section it breaks. Rules the trace \
cannot support (missing events, no flag column) are listed as not checked, never as passed.`,
      text(` ${EXIT_CODES_TEXT}`),
    ],
    footer: examples(
      ["kvmreq lint traces/", "the bundled real traces"],
      ["kvmreq lint --format sarif boot.trace > kvmreq.sarif", "for code scanning"],
      [
        "kvmreq lint --rule request-less-kick --fail-on warning /sys/kernel/tracing/trace",
        "one rule, in CI",
      ],
      ["kvmreq lint --format json boot.trace | jq '.files[].findings[].ruleId'", "script it"],
    ),
  },
);

/** Options of {@link runLint}. */
export type LintOptions = InferValue<typeof lintCommand>;

const RANK: Record<Severity | "never", number> = { error: 0, warning: 1, info: 2, never: -1 };

/** Chooses the rules and severities from options and configuration. */
export function selectRules(
  opts: Pick<LintOptions, "rule" | "disable">,
  config: KvmreqConfig | undefined,
): { rules: Rule[]; severities: Map<string, Severity> } {
  const severities = new Map<string, Severity>();
  const off = new Set<string>(opts.disable);
  for (const [id, level] of Object.entries(config?.rules ?? {})) {
    if (level === "off") off.add(id);
    else if (level !== undefined) severities.set(id, level);
  }
  const only = new Set<string>(opts.rule);
  const rules = RULES.filter((r) => (only.size === 0 ? !off.has(r.meta.id) : only.has(r.meta.id)));
  return { rules, severities };
}

/** The rule options from configuration and the command line. */
export function ruleOptionsFrom(
  opts: Pick<LintOptions, "latencyThresholdMs">,
  config: KvmreqConfig | undefined,
): RuleOptions {
  const ms = opts.latencyThresholdMs ?? config?.latencyThresholdMs ?? 10;
  return {
    latencyThresholdNs: BigInt(Math.round(ms * 1e6)),
    allowedKickSites: config?.allowedKickSites ?? [],
  };
}

/** Runs `kvmreq lint`; returns the exit code. */
export async function runLint(opts: LintOptions, out: TextSink, version: string): Promise<number> {
  const config = await loadConfig(opts.config);
  const { rules, severities } = selectRules(opts, config);
  if (rules.length === 0) {
    throw new InputError("kvmreq lint", 0, "every rule is disabled; nothing to check");
  }
  const checkerOptions = {
    rules,
    severities,
    ruleOptions: ruleOptionsFrom(opts, config),
    ...modelOptionsOf(opts),
  };
  if (opts.follow) return await runFollow(opts, checkerOptions, out);
  const results: LintResult[] = [];
  const inputs = await forEachInput(opts.files, {
    ...opts,
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  }, async (input) => {
    results.push(inWindow(await lintInput(input, checkerOptions), opts));
  });
  if (results.length === 0 && inputs.failed > 0) {
    // Nothing was read: the errors on stderr are the whole report (no "✔ 0 findings").
    return EXIT.error;
  }
  if (opts.format === "json") {
    await out.write(JSON.stringify(buildLintReport(results, version), null, 2) + "\n");
  } else if (opts.format === "sarif") {
    await out.write(JSON.stringify(buildSarif(results, version), null, 2) + "\n");
  } else {
    await out.write(formatLintText(results, {
      verbose: opts.verbose === true,
      group: opts.noGroup !== true,
      palette: stdoutPalette(opts.noColor === true),
    }));
  }
  return exitCodeWith(exitCodeFor(results, opts), inputs);
}

/**
 * Lint's exit code: {@link EXIT.findings} when a finding is at or above
 * `--fail-on`; else {@link EXIT.unchecked} when an input had no rule
 * checked (saying so on stderr) unless `--allow-unchecked`; else OK.
 */
function exitCodeFor(
  results: readonly LintResult[],
  opts: Pick<LintOptions, "failOn" | "allowUnchecked">,
): number {
  const n = countBySeverity(results);
  const limit = RANK[opts.failOn];
  const failing = SEVERITIES.some((s) => RANK[s] <= limit && n[s] > 0);
  if (failing) return EXIT.findings;
  const unchecked = results.filter((r) => r.coverage.checked.length === 0);
  if (unchecked.length === 0 || opts.allowUnchecked) return EXIT.ok;
  for (const r of unchecked) {
    console.error(
      `kvmreq: ${
        termSafe(r.file)
      }: no rule could be checked: the trace has none of the events any rule ` +
        `needs (\`kvmreq lint -v\` says what each needs; --allow-unchecked accepts this)`,
    );
  }
  return EXIT.unchecked;
}

async function runFollow(
  opts: LintOptions,
  checkerOptions: Parameters<typeof followLint>[2],
  out: TextSink,
): Promise<number> {
  if (opts.files.length !== 1) {
    throw new InputError("kvmreq lint", 0, "--follow reads exactly one input");
  }
  if (opts.format !== "text") throw new InputError("kvmreq lint", 0, "--follow prints text only");
  const abort = new AbortController();
  const stop = () => abort.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    const result = await followLint(
      opts.files[0],
      {
        ...opts,
        palette: stdoutPalette(opts.noColor === true),
        window: opts,
        group: opts.noGroup !== true,
      },
      checkerOptions,
      out,
      abort.signal,
    );
    return exitCodeFor([result], opts);
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
  }
}
