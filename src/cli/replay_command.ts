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
import type { ThreadIdentity, VcpuIdentity } from "../events/identity.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import type { ModelEvent } from "../events/model_event.ts";
import { type EventNormalizer, MODEL_EVENT_NAMES } from "../events/normalize.ts";
import { evidenceText } from "../report/evidence.ts";
import { termSafe } from "../report/term_safe.ts";
import { describeVcpu } from "../report/state_text.ts";
import type { Checker } from "../check/checker.ts";
import type { Finding } from "../rules/finding.ts";
import { RULES } from "../rules/index.ts";
import { lintInput } from "../check/lint_input.ts";
import { kernelOptions, modelOptionsOf, readOptions, traceFiles } from "./common_options.ts";
import { loadConfig } from "./config.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import type { TextSink } from "./output.ts";
import { resolveTimeArg, type TimeArg, timeValue } from "./time_arg.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";

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
    kernelOptions,
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
  // KVM_RUN returns are model events (rules and analyze read them) but not protocol steps.
  if (b.kind === "userspace_exit") return undefined;
  if ("vcpu" in b && b.vcpu !== undefined) return { vm: b.vm, vcpu: b.vcpu };
  return undefined;
}

/**
 * Why `--vcpu` printed nothing for `missing`: the vCPUs the input has (those
 * events were about, and those whose thread was identified by kvm_entry, a
 * QEMU `CPU N/KVM` name or a protocol event), and for an identified one, its
 * thread and that no replayed event was about it.
 */
export function missingVcpuNote(
  missing: readonly number[],
  seen: ReadonlySet<number>,
  identity: VcpuIdentity | undefined,
  cut: boolean,
): string {
  const threads = new Map<number, { pid: number; source: ThreadIdentity["source"] }>();
  for (const [pid, t] of identity?.threads() ?? []) {
    if (!threads.has(t.vcpu)) threads.set(t.vcpu, { pid, source: t.source });
  }
  const known = [...new Set([...seen, ...threads.keys()])].sort((a, b) => a - b);
  const head = `no event of vCPU ${missing.join(", ")}${cut ? " up to the time given" : ""}`;
  if (known.length === 0) {
    return `${head} (no vCPU is identified in it: that takes kvm_entry, protocol events or QEMU ` +
      "debug-threads names)";
  }
  const threadNotes = missing.filter((v) => threads.has(v)).map((v) => {
    const t = threads.get(v)!;
    const how = t.source === "comm" ? `named CPU ${v}/KVM` : `from ${t.source}`;
    return `; vCPU ${v} is thread ${t.pid} (${how}), which appears only as the actor of events ` +
      `about other vCPUs (\`kvmreq events --pid ${t.pid}\` lists its events)`;
  });
  return `${head} (vCPUs in it: ${known.join(", ")}${threadNotes.join("")})`;
}

/**
 * Notices for a time window that misses the input: before its first event,
 * after its last (`last` is `undefined` when reading stopped early).
 */
function windowNotes(
  opts: ReplayOptions,
  unit: TimeUnit,
  first: bigint | undefined,
  last: bigint | undefined,
): string[] {
  if (first === undefined) return [];
  const ts = (t: bigint) => formatTimestamp(t, unit);
  const notes: string[] = [];
  const t = (a: TimeArg) => resolveTimeArg(a, unit);
  if (opts.at !== undefined && t(opts.at) < first) {
    notes.push(
      `--at ${opts.at.text} is before the first event (${ts(first)}): ` +
        "no vCPU has a state yet",
    );
  } else if (opts.at !== undefined && last !== undefined && t(opts.at) > last) {
    notes.push(
      `--at ${opts.at.text} is after the last event (${ts(last)}): ` +
        "the state shown is the final one",
    );
  }
  if (
    opts.at === undefined && opts.from !== undefined && last !== undefined && t(opts.from) > last
  ) {
    notes.push(`--from ${opts.from.text} is after the last event (${ts(last)})`);
  }
  if (opts.at === undefined && opts.until !== undefined && t(opts.until) < first) {
    notes.push(`--until ${opts.until.text} is before the first event (${ts(first)})`);
  }
  return notes;
}

/** Runs `kvmreq replay`. */
export async function runReplay(opts: ReplayOptions, out: TextSink): Promise<number> {
  const config = await loadConfig(undefined);
  const { severities } = selectRules({ rule: [], disable: [] }, config);
  const vcpus = new Set(opts.vcpu);
  const inputs = await forEachInput(opts.files, {
    ...opts,
    // replay says itself where --from and --at fall (before, after the trace).
    from: undefined,
    until: undefined,
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  }, async (input) => {
    const unit = (): TimeUnit => input.reader.stats.timeUnit ?? "ns";
    const found: Finding[] = [];
    let text: string[] = [`${termSafe(input.path)}\n`];
    let previous: ModelEvent | undefined;
    let checkerRef: Checker | undefined;
    let printed = 0;
    const printStep = (ev: ModelEvent, checker: Checker) => {
      // Not a protocol step: its findings, if any, print under the next step.
      if (ev.body.kind === "userspace_exit") return;
      const id = vcpuOf(ev);
      const steps = found.splice(0);
      if (vcpus.size > 0 && (id === undefined || !vcpus.has(id.vcpu))) return;
      if (opts.from && ev.origin.ts < resolveTimeArg(opts.from, unit())) return;
      printed++;
      text.push(
        `${String(ev.origin.line).padStart(8)}  ${termSafe(evidenceText(ev.origin, unit()))}\n`,
      );
      if (id !== undefined) {
        text.push(
          `          -> ${termSafe(describeVcpu(checker.model.vcpu(id.vm, id.vcpu), unit()))}\n`,
        );
      }
      for (const f of steps) {
        text.push(`          !! ${f.severity} ${f.ruleId}: ${termSafe(f.message)}\n`);
      }
    };
    /** vCPUs that events in this input were about. */
    const seen = new Set<number>();
    let identity: VcpuIdentity | undefined;
    let stopped = false;
    const observe = (ev: ModelEvent, checker: Checker, normalizer: EventNormalizer) => {
      checkerRef = checker;
      identity = normalizer.identity;
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
      ...modelOptionsOf(opts),
      onFinding: (f: Finding) => found.push(f),
    };
    try {
      await lintInput(input, checkerOptions, observe, flush);
      if (previous !== undefined && checkerRef !== undefined) printStep(previous, checkerRef);
    } catch (err) {
      if (!(err instanceof StopReplay)) throw err;
      stopped = true;
    }
    if (opts.at !== undefined && checkerRef !== undefined) {
      text.push(`state at ${opts.at.text}:\n`);
      for (const v of checkerRef.model.allVcpus()) {
        if (vcpus.size === 0 || vcpus.has(v.vcpu)) {
          text.push(`  ${termSafe(describeVcpu(v, unit()))}\n`);
        }
      }
    }
    await flush();
    const span = input.reader.timeSpan();
    const notes = windowNotes(opts, unit(), span.first, stopped ? undefined : span.last);
    for (const note of notes) console.error(termSafe(`kvmreq replay: ${input.path}: ${note}`));
    const missing = [...vcpus].filter((v) => !seen.has(v));
    if (opts.at === undefined && printed === 0 && notes.length === 0 && missing.length === 0) {
      // A window between two steps: say so rather than print nothing.
      const of = vcpus.size > 0 ? ` of vCPU ${[...vcpus].join(", ")}` : "";
      const within = opts.from !== undefined || opts.until !== undefined
        ? ` from ${opts.from?.text ?? "the start"} to ${opts.until?.text ?? "the end"}`
        : "";
      console.error(termSafe(`kvmreq replay: ${input.path}: no protocol step${of}${within}`));
    }
    if (missing.length > 0) {
      // Say why nothing was printed for them rather than print nothing.
      console.error(termSafe(
        `kvmreq replay: ${input.path}: ${
          missingVcpuNote(
            missing,
            seen,
            identity,
            opts.at !== undefined || opts.until !== undefined,
          )
        }`,
      ));
    }
  });
  return exitCodeWith(EXIT.ok, inputs);
}
