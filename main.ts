/**
 * `kvmreq`: checks the KVM vCPU-request protocol in kernel traces.
 *
 * This file only parses the command line and hands over to a command in
 * `src/cli/`; errors become one line on stderr (src/cli/error_exit.ts): at the
 * input edge `kvmreq: file:line: reason` and exit code 2, anything else exit
 * code 4.
 *
 * @module
 */

import { message, text } from "@optique/core/message";
import { run } from "@optique/run";
import { runAnalyze } from "./src/cli/analyze_command.ts";
import { cli } from "./src/cli/cli.ts";
import { runEvents } from "./src/cli/events_command.ts";
import { debugWanted, reportError } from "./src/cli/error_exit.ts";
import { dropPermissions, needsOf, permissionsFor } from "./src/cli/permissions.ts";
import { EXIT, EXIT_CODES_TEXT } from "./src/cli/exit_codes.ts";
import { exampleLines } from "./src/cli/help_text.ts";
import { stdoutSink } from "./src/cli/output.ts";
import { runExplore } from "./src/cli/explore_command.ts";
import { runExport } from "./src/cli/export_command.ts";
import { runLint } from "./src/cli/lint_command.ts";
import { runRecord } from "./src/cli/record_command.ts";
import { runReplay } from "./src/cli/replay_command.ts";
import { runReport } from "./src/cli/report_command.ts";
import { runModel } from "./src/cli/model_command.ts";
import { runSimulate } from "./src/cli/simulate_command.ts";
import { runStats } from "./src/cli/stats_command.ts";
import { reversedWindow } from "./src/cli/time_arg.ts";
import { usageErrorText } from "./src/cli/usage_error.ts";
import denoJson from "./deno.json" with { type: "json" };

/** Runs the command `args` selects and returns its exit code. */
async function main(args: readonly string[]): Promise<number> {
  const parserErrors: string[] = [];
  const opts = run(cli, {
    programName: "kvmreq",
    args,
    aboveError: "none",
    stderr: (line) => parserErrors.push(line),
    onExit: (code) => {
      if (code !== EXIT.ok) {
        Deno.stderr.writeSync(new TextEncoder().encode(usageErrorText(args, parserErrors)));
      }
      Deno.exit(code);
    },
    help: { command: true, option: { names: ["-h", "--help"] } },
    version: { value: denoJson.version, option: true },
    completion: "both",
    errorExitCode: EXIT.error,
    brief:
      message`kvmreq checks the KVM vCPU-request protocol (requests, kicks, IPIs, vcpu->mode) in kernel traces.`,
    description:
      message`It reads ftrace text, trace_pipe captures, trace-cmd report text and its own JSON Lines, \
replays the events through a reference model of Documentation/virt/kvm/vcpu-requests.rst, and reports \
violations such as request-less kicks. Run ${"kvmreq COMMAND --help"} for each command.`,
    examples: exampleLines([
      ["kvmreq lint traces/", "check the bundled sample traces"],
      ["kvmreq events --event kvm_vcpu_kick boot.trace", "the kicks of a trace"],
      ["kvmreq stats /sys/kernel/tracing/trace", "what a live trace buffer holds"],
    ]),
    footer: [text(EXIT_CODES_TEXT)],
  });
  const reversed = "from" in opts && "until" in opts
    ? reversedWindow(opts.from, opts.until)
    : undefined;
  if (reversed !== undefined) {
    Deno.stderr.writeSync(new TextEncoder().encode(usageErrorText(args, [reversed])));
    return EXIT.error;
  }
  // Least privilege: the command keeps only the permissions it needs (src/cli/permissions.ts).
  const perms = permissionsFor(needsOf(opts));
  await dropPermissions(perms.keep);
  if (debugWanted()) {
    console.error(
      `kvmreq: permissions kept: ${[...perms.keep].join(", ")}${
        perms.why ? ` (${perms.why})` : ""
      }`,
    );
  }
  const out = stdoutSink();
  try {
    switch (opts.command) {
      case "events":
        return await runEvents(opts, out);
      case "stats":
        return await runStats(opts, out);
      case "analyze":
        return await runAnalyze(opts, out);
      case "replay":
        return await runReplay(opts, out);
      case "simulate":
        return await runSimulate(opts, out);
      case "export":
        return await runExport(opts, out, denoJson.version);
      case "report":
        return await runReport(opts, out, denoJson.version);
      case "record":
        return await runRecord(opts, out);
      case "explore":
        return await runExplore(opts, out);
      case "model":
        return await runModel(opts, out);
      case "lint":
        return await runLint(opts, out, denoJson.version);
    }
  } finally {
    await out.flush();
  }
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (err) {
    code = reportError(err);
  }
  Deno.exit(code);
}
