/**
 * `kvmreq record`: records the stock events kvmreq reads from this machine's
 * tracefs while a command runs (or for a duration), streaming `trace_pipe`
 * to a file, and puts tracefs back as it was.
 *
 * @module
 */

import {
  argument,
  command,
  constant,
  flag,
  multiple,
  object,
  option,
  optional,
  withDefault,
} from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice, float, string } from "@optique/core/valueparser";
import { InputError } from "../ingest/errors.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { TRACEFS_ROOT } from "../record/tracefs.ts";

/** The parsed options of `kvmreq record`. */
export const recordCommand = command(
  "record",
  object({
    command: constant("record"),
    output: withDefault(
      option("-o", "--output", string({ metavar: "FILE" }), {
        description: message`Where the trace goes (default ${"kvmreq.trace"}).`,
      }),
      "kvmreq.trace",
    ),
    duration: optional(option("--duration", float({ min: 0.1, metavar: "SECONDS" }), {
      description: message`Record this long (default 10 s without a command; a cap with one).`,
    })),
    preset: withDefault(
      option("--preset", choice(["kvm", "kvm-all"]), {
        description:
          message`kvm: kvm:* without per-instruction floods, ipi:*, csd:*, sched wakeups/switches of the \
traced threads with a stack trace on each wakeup; kvm-all: the same with every kvm:* event.`,
      }),
      "kvm" as const,
    ),
    events: multiple(option("--events", string({ metavar: "LIST" }), {
      description:
        message`Enable exactly these events instead of a preset (comma-separated, ${"system:name"}).`,
    })),
    comm: multiple(option("--comm", string({ metavar: "GLOB" }), {
      description:
        message`Thread names to follow in sched events (default: the command's name and ${"CPU *"}).`,
    })),
    tracefs: withDefault(
      option("--tracefs", string({ metavar: "DIR" }), {
        description: message`tracefs mount point.`,
      }),
      TRACEFS_ROOT,
    ),
    repair: optional(flag("--repair", {
      description: message`Undo what a killed recording left (its tracefs instance, a tracefs it \
mounted), then exit; a normal recording does this by itself first.`,
    })),
    lint: optional(flag("--lint", {
      description:
        message`Lint the recording as it is made: findings as soon as proven, summary at the end.`,
    })),
    dryRun: optional(flag("-n", "--dry-run", {
      description: message`Print every tracefs write instead of making it (needs no root).`,
    })),
    // Positional words, not a greedy pass-through: that would swallow
    // `--help` and start recording. After `--` every word is the command's.
    argv: multiple(
      argument(string({ metavar: "COMMAND" }), {
        description:
          message`-- COMMAND ARGS: record while it runs (after ${"--"}, so its options stay its own).`,
      }),
    ),
  }),
  {
    brief:
      message`Record KVM, IPI, CSD and scheduler events (with kick stacks) from this machine's tracefs.`,
    description:
      message`Records in a tracefs instance of its own (instances/kvmreq-PID: its own buffer, events, \
filters, triggers, clock and options), so the machine's tracing settings are never changed: mounts \
tracefs if needed, sets the global clock and the preset in the instance, streams its trace_pipe to the \
output while COMMAND runs or for --duration, then removes the instance (and unmounts what it mounted) \
on success, error, SIGINT, SIGTERM and SIGHUP. A journal in /run/kvmreq lets the next run (or --repair) \
undo what a SIGKILL left, and refuses a second recording while one runs. The output replaces FILE only \
when the recording is made, readable by its owner only (the sudo user's). Exit status: that of the \
recording, not of COMMAND (whose status is printed): 0 recorded, 1 findings with --lint, 2 usage, \
130/143 interrupted (the trace so far is kept), 4 tracefs could not be put back. Needs root and \
tracefs; the kvm preset needs the kvm events.`,
    footer: examples(
      [
        "sudo kvmreq record -o boot.trace -- qemu-system-x86_64 -enable-kvm -smp 2 …",
        "record a guest",
      ],
      ["sudo kvmreq record --duration 5 -o host.trace", "whatever runs for 5 s"],
      ["kvmreq record --dry-run -- qemu-system-x86_64", "show the tracefs writes"],
      ["kvmreq lint boot.trace", "then check it"],
    ),
  },
);

/** Options of {@link runRecord}. */
export type RecordOptions = InferValue<typeof recordCommand>;

/** Runs `kvmreq record`. */
export async function runRecord(opts: RecordOptions, out: TextSink): Promise<number> {
  // The recording machinery (and live lint) is loaded only when recording.
  const { recordSession, repairSession } = await import("./record_session.ts");
  if (opts.repair) return await repairSession(opts.tracefs, out);
  const argv = opts.argv.length > 0 && opts.argv[0] === "--" ? opts.argv.slice(1) : [...opts.argv];
  if (opts.dryRun !== true && Deno.uid() !== 0) {
    throw new InputError("kvmreq record", 0, "needs root to write tracefs (or use --dry-run)");
  }
  return await recordSession({
    output: opts.output,
    durationMs: opts.duration === undefined ? undefined : opts.duration * 1000,
    preset: opts.preset,
    events: opts.events.flatMap((e) => e.split(",")).filter((e) => e !== ""),
    comm: opts.comm,
    tracefs: opts.tracefs,
    lint: opts.lint === true,
    dryRun: opts.dryRun === true,
    argv,
  }, out);
}
