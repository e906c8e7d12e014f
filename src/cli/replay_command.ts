/**
 * `kvmreq replay FILE`: steps through the protocol events with the state each
 * one leaves behind, and the findings it triggers; `--at` prints every vCPU's
 * state at one instant.
 *
 * @module
 */

import { command, constant, merge, multiple, object, option, optional } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { integer } from "@optique/core/valueparser";
import type { TimeUnit } from "../events/types.ts";
import type { ModelEvent } from "../model/model_event.ts";
import { MODEL_EVENT_NAMES } from "../model/normalize.ts";
import { evidenceText } from "../report/evidence.ts";
import { describeVcpu } from "../report/state_text.ts";
import type { Checker } from "../rules/checker.ts";
import type { Finding } from "../rules/finding.ts";
import { RULES } from "../rules/index.ts";
import { lintInput } from "../rules/lint_input.ts";
import { readOptions, traceFiles } from "./common_options.ts";
import { loadConfig } from "./config.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import type { TextSink } from "./output.ts";
import { resolveTimeArg, timeValue } from "./time_arg.ts";
import { openInputs } from "./trace_input.ts";

/** The parsed options of `kvmreq replay`. */
export const replayCommand = command(
  "replay",
  merge(
    object({
      command: constant("replay"),
      vcpu: multiple(option("--vcpu", integer({ min: 0 }), {
        description: message`Only steps that concern this vCPU (repeatable).`,
      })),
      from: optional(option("--from", timeValue(), { description: message`Start at this time.` })),
      until: optional(
        option("--until", timeValue(), { description: message`Stop after this time.` }),
      ),
      at: optional(option("--at", timeValue(), {
        description: message`Print every vCPU's state at this instant instead of the steps.`,
      })),
    }),
    readOptions,
    object({ files: traceFiles }),
  ),
  {
    brief:
      message`Step through protocol events with the model state after each, or the state at an instant.`,
    description:
      message`Each step shows the event as the trace printed it, the state of the vCPU it \
concerns after it (mode, irqs, in guest, blocked, pending requests, IPI in flight), and any finding it \
triggers.`,
    footer: examples(
      [
        "kvmreq replay --vcpu 1 --from 100.000010 --until 100.000040 sim.trace",
        "one vCPU, a window",
      ],
      ["kvmreq replay --at 100.000031 sim.trace", "every vCPU at one instant"],
    ),
  },
);

/** Options of {@link runReplay}. */
export type ReplayOptions = InferValue<typeof replayCommand>;

class StopReplay extends Error {}

function vcpuOf(ev: ModelEvent): { vm: string; vcpu: number } | undefined {
  const b = ev.body;
  if ("vcpu" in b && b.vcpu !== undefined) return { vm: b.vm, vcpu: b.vcpu };
  return undefined;
}

/** Runs `kvmreq replay`. */
export async function runReplay(opts: ReplayOptions, out: TextSink): Promise<number> {
  const config = await loadConfig(undefined);
  const { severities } = selectRules({ rule: [], disable: [] }, config);
  const vcpus = new Set(opts.vcpu);
  for await (
    const input of openInputs(opts.files, {
      ...opts,
      keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
    })
  ) {
    const unit = (): TimeUnit => input.reader.stats.timeUnit ?? "ns";
    const found: Finding[] = [];
    let text: string[] = [`${input.path}\n`];
    let previous: ModelEvent | undefined;
    let checkerRef: Checker | undefined;
    const printStep = (ev: ModelEvent, checker: Checker) => {
      const id = vcpuOf(ev);
      const steps = found.splice(0);
      if (vcpus.size > 0 && (id === undefined || !vcpus.has(id.vcpu))) return;
      if (opts.from && ev.origin.ts < resolveTimeArg(opts.from, unit())) return;
      text.push(`${String(ev.origin.line).padStart(8)}  ${evidenceText(ev.origin, unit())}\n`);
      if (id !== undefined) {
        text.push(`          -> ${describeVcpu(checker.model.vcpu(id.vm, id.vcpu), unit())}\n`);
      }
      for (const f of steps) text.push(`          !! ${f.severity} ${f.ruleId}: ${f.message}\n`);
    };
    /** vCPUs that events in this input were about. */
    const seen = new Set<number>();
    const observe = (ev: ModelEvent, checker: Checker) => {
      checkerRef = checker;
      const id = vcpuOf(ev);
      if (id !== undefined) seen.add(id.vcpu);
      if (opts.at !== undefined) {
        if (ev.origin.ts > resolveTimeArg(opts.at, unit())) throw new StopReplay();
        return;
      }
      if (previous !== undefined) printStep(previous, checker);
      previous = ev;
      if (opts.until && ev.origin.ts > resolveTimeArg(opts.until, unit())) throw new StopReplay();
    };
    const flush = async () => {
      if (text.length > 0) await out.write(text.join(""));
      text = [];
    };
    const checkerOptions = {
      rules: RULES,
      severities,
      ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, config),
      onFinding: (f: Finding) => found.push(f),
    };
    try {
      await lintInput(input, checkerOptions, observe, flush);
      if (previous !== undefined && checkerRef !== undefined) printStep(previous, checkerRef);
    } catch (err) {
      if (!(err instanceof StopReplay)) throw err;
    }
    if (opts.at !== undefined && checkerRef !== undefined) {
      text.push(`state at ${opts.at.text}:\n`);
      for (const v of checkerRef.model.allVcpus()) {
        if (vcpus.size === 0 || vcpus.has(v.vcpu)) text.push(`  ${describeVcpu(v, unit())}\n`);
      }
    }
    await flush();
    const missing = [...vcpus].filter((v) => !seen.has(v));
    if (missing.length > 0) {
      // Say why nothing was printed for them rather than print nothing.
      const known = [...seen].sort((a, b) => a - b);
      console.error(
        `kvmreq replay: ${input.path}: no event of vCPU ${missing.join(", ")}${
          opts.at !== undefined || opts.until !== undefined ? " up to the time given" : ""
        } (${
          known.length === 0
            ? "no vCPU is identified in it: that takes kvm_entry, protocol events or QEMU debug-threads names"
            : `vCPUs in it: ${known.join(", ")}`
        })`,
      );
    }
  }
  return EXIT.ok;
}
