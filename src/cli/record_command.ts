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
import { basename } from "node:path";
import { InputError } from "../ingest/errors.ts";
import { eventsPlan, kvmPreset } from "../record/preset.ts";
import { recordTrace } from "../record/recorder.ts";
import { formatWrite, Tracefs, TRACEFS_ROOT } from "../record/tracefs.ts";
import { EXIT } from "./exit_codes.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import { followLint } from "./lint_follow.ts";
import type { LintResult } from "../rules/lint_input.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";

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
      message`Mounts tracefs if needed, saves every setting it touches (events, filters, triggers, \
buffer size, clock, options), sets the global clock and the preset, streams trace_pipe to the output while \
COMMAND runs or for --duration, and restores every saved setting on success, error, SIGINT and SIGTERM. \
Needs root, tracefs and /dev/kvm.`,
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new InputError(
        path,
        0,
        "Deno needs --allow-all to look at device files; run kvmreq record with -A",
      );
    }
    return false;
  }
}

async function ensureTracefs(root: string, log: (m: string) => void): Promise<boolean> {
  if (await exists(`${root}/tracing_on`)) return false;
  if (root !== TRACEFS_ROOT) throw new InputError(root, 0, "no tracefs here (no tracing_on file)");
  log(`mounting tracefs on ${root}`);
  const r = await new Deno.Command("mount", {
    args: ["-t", "tracefs", "nodev", root],
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new InputError(
      root,
      0,
      `tracefs is not mounted and mounting it failed: ${new TextDecoder().decode(r.stderr).trim()}`,
    );
  }
  return true;
}

function defaultCheckerOptions() {
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return {
    rules,
    severities,
    ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
  };
}

/** Runs `kvmreq record`. */
export async function runRecord(opts: RecordOptions, out: TextSink): Promise<number> {
  const log = (m: string) => console.error(`kvmreq record: ${m}`);
  const argv = opts.argv.length > 0 && opts.argv[0] === "--" ? opts.argv.slice(1) : [...opts.argv];
  const dryRun = opts.dryRun === true;
  if (!dryRun) {
    if (Deno.uid() !== 0) {
      throw new InputError("kvmreq record", 0, "needs root to write tracefs (or use --dry-run)");
    }
    if (opts.preset !== undefined && opts.events.length === 0 && !(await exists("/dev/kvm"))) {
      throw new InputError("/dev/kvm", 0, "KVM is not available on this machine");
    }
  }
  const mounted = dryRun ? false : await ensureTracefs(opts.tracefs, log);
  const comms = opts.comm.length > 0 ? opts.comm : [
    ...(argv.length > 0 ? [`${basename(argv[0]).slice(0, 15)}*`] : ["qemu*"]),
    "CPU *",
  ];
  const events = opts.events.flatMap((e) => e.split(",")).filter((e) => e !== "");
  const plan = events.length > 0
    ? eventsPlan(events)
    : kvmPreset(comms, [], opts.preset === "kvm-all");
  const tracefs = new Tracefs(
    opts.tracefs,
    dryRun,
    dryRun ? (w) => void out.write(formatWrite(tracefs, w) + "\n") : undefined,
  );
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const writerDone = new AbortController();
  let live: Promise<LintResult> | undefined;
  try {
    const r = await recordTrace({
      tracefs,
      plan,
      output: opts.output,
      command: argv,
      durationMs: opts.duration === undefined ? undefined : opts.duration * 1000,
      log,
      signal: abort.signal,
      onStarted: opts.lint && !dryRun
        ? () => {
          live = followLint(
            opts.output,
            {},
            defaultCheckerOptions(),
            out,
            new AbortController().signal,
            writerDone.signal,
          );
        }
        : undefined,
    });
    writerDone.abort();
    const linted = await live;
    if (!dryRun) {
      log(
        `${r.bytes} bytes written to ${opts.output}; tracefs restored${
          r.interrupted ? " (interrupted)" : ""
        }`,
      );
    }
    if (r.interrupted) return 130;
    if (linted !== undefined && linted.findings.some((f) => f.severity === "error")) {
      return EXIT.findings;
    }
    return r.commandCode !== undefined && r.commandCode !== 0 ? EXIT.findings : EXIT.ok;
  } finally {
    writerDone.abort();
    await live?.catch(() => {});
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (mounted) await new Deno.Command("umount", { args: [opts.tracefs] }).output();
  }
}
