/**
 * `kvmreq events FILE...`: the normalized events, as a readable table or as
 * kvmreq JSON Lines, filtered by event name, CPU, pid, comm and time range.
 *
 * @module
 */

import {
  command,
  constant,
  merge,
  multiple,
  object,
  option,
  optional,
  withDefault,
} from "@optique/core";
import type { InferValue } from "@optique/core/parser";
import { message } from "@optique/core/message";
import { choice, integer, string } from "@optique/core/valueparser";
import type { TraceRecord } from "../events/types.ts";
import { jsonlMetaLine, recordToJsonl } from "../report/event_jsonl.ts";
import { recordToTableLine } from "../report/event_table.ts";
import { InputError } from "../ingest/errors.ts";
import { readOptions, traceFiles } from "./common_options.ts";
import { outputOption } from "./export_command.ts";
import { expandInputs } from "./inputs.ts";
import { withOutput } from "./output_target.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import { eventNameFilter } from "./name_filter.ts";
import type { TextSink } from "./output.ts";
import { resolveTimeArg, timeValue } from "./time_arg.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";

/** The parsed options of `kvmreq events`. */
export const eventsCommand = command(
  "events",
  merge(
    object({
      command: constant("events"),
      format: withDefault(
        option("-f", "--format", choice(["table", "jsonl"]), {
          description:
            message`Output format: a readable table, or JSON Lines that every kvmreq command reads back.`,
        }),
        "table" as const,
      ),
      output: outputOption,
      event: multiple(option("-e", "--event", string({ metavar: "NAME" }), {
        description:
          message`Only events with this name (repeatable; ${"kvm_*"} globs, ${"kvm:kvm_exit"} and comma lists work).`,
      })),
      cpu: multiple(option("-c", "--cpu", integer({ min: 0 }), {
        description: message`Only events recorded on this CPU (repeatable).`,
      })),
      pid: multiple(option("-p", "--pid", integer({ min: 0 }), {
        description: message`Only events of this thread id (repeatable).`,
      })),
      comm: multiple(option("--comm", string({ metavar: "COMM" }), {
        description:
          message`Only events whose task name is exactly this (repeatable), e.g. ${"CPU 0/KVM"}.`,
      })),
      from: optional(option("--from", timeValue(), {
        description: message`Only events at or after this time (seconds as printed, or ticks).`,
      })),
      until: optional(option("--until", timeValue(), {
        description: message`Only events at or before this time.`,
      })),
    }),
    readOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Print the normalized events of traces.`,
    description:
      message`Reads each trace and prints its events, markers (lost events, buffer starts) and \
attached stack traces in one normalized form, whatever the input format. Filters combine with AND; \
repeated filters of one kind combine with OR. -o names the output file, as in every command (it used \
to name the format, which is now --format).`,
    footer: examples(
      ["kvmreq events traces/ --event sched_waking --cpu 1", "wakeups on CPU 1, with their stacks"],
      [
        "kvmreq events --format jsonl -o boot.jsonl /sys/kernel/tracing/trace",
        "save as JSON Lines",
      ],
      [
        'kvmreq events boot.jsonl --comm "CPU 0/KVM" --from 7166.3 --until 7166.4',
        "one vCPU thread",
      ],
    ),
  },
);

/** Options of {@link runEvents}, as parsed by {@link eventsCommand}. */
export type EventsOptions = InferValue<typeof eventsCommand>;

/** Runs `kvmreq events`; returns the exit code. */
export async function runEvents(opts: EventsOptions, stdout: TextSink): Promise<number> {
  if (opts.output === "table" || opts.output === "jsonl") {
    throw new InputError(
      `-o ${opts.output}`,
      0,
      `-o names the output file (as in every kvmreq command); the format is --format ${opts.output} ` +
        `(to write a file called ${opts.output}, say -o ./${opts.output})`,
    );
  }
  const paths = await expandInputs(opts.files);
  return await withOutput(
    opts.output,
    stdout,
    paths,
    (out) => writeEvents(opts, out),
    (code) => code !== EXIT.error,
  );
}

async function writeEvents(opts: EventsOptions, out: TextSink): Promise<number> {
  const cpus = new Set(opts.cpu);
  const pids = new Set(opts.pid);
  const comms = new Set(opts.comm);
  const inputs = await forEachInput(
    opts.files,
    { ...opts, keepEvent: eventNameFilter(opts.event) },
    async (input) => {
      if (out.closed) return; // the reader went away (`| head`): nothing more to print
      const { reader } = input;
      let from: bigint | undefined;
      let until: bigint | undefined;
      let started = false;
      for await (const batch of input.batches()) {
        const unit = reader.stats.timeUnit ?? "ns";
        if (!started) {
          started = true;
          from = opts.from && resolveTimeArg(opts.from, reader.stats.timeUnit);
          until = opts.until && resolveTimeArg(opts.until, reader.stats.timeUnit);
          if (opts.format === "jsonl") {
            await out.write(jsonlMetaLine(input.path, reader.stats.format, unit));
          }
        }
        for (const r of batch) {
          if (!selected(r, cpus, pids, comms, from, until)) continue;
          await out.write(opts.format === "jsonl" ? recordToJsonl(r) : recordToTableLine(r, unit));
          if (out.closed) return;
        }
      }
    },
  );
  return exitCodeWith(EXIT.ok, inputs);
}

function selected(
  r: TraceRecord,
  cpus: ReadonlySet<number>,
  pids: ReadonlySet<number>,
  comms: ReadonlySet<string>,
  from: bigint | undefined,
  until: bigint | undefined,
): boolean {
  if (cpus.size > 0 && !cpus.has(r.cpu)) return false;
  if (r.type !== "event") return true;
  if (pids.size > 0 && !pids.has(r.pid)) return false;
  if (comms.size > 0 && !comms.has(r.comm)) return false;
  if (from !== undefined && r.ts < from) return false;
  return until === undefined || r.ts <= until;
}
