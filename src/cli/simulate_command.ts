/**
 * `kvmreq simulate`: runs the protocol as the kernel does on a deterministic
 * scheduler and writes the protocol-event trace, optionally with named bugs
 * planted and a labels file saying where each one is.
 *
 * @module
 */

import { command, constant, multiple, object, option, optional, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { integer, string } from "@optique/core/valueparser";
import { InputError } from "../ingest/errors.ts";
import {
  BUG_NAMES,
  BUGS,
  labelsJson,
  MAX_REQUESTERS,
  MAX_VCPUS,
  parseInjection,
  simulate,
} from "../sim/simulate.ts";
import type { Injection } from "../sim/bugs.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { createOutputFile, writeFailure } from "./output_file.ts";
import { isStdout, writeOutputText } from "./output_target.ts";

/** The parsed options of `kvmreq simulate`. */
export const simulateCommand = command(
  "simulate",
  object({
    command: constant("simulate"),
    vcpus: withDefault(
      option("--vcpus", integer({ min: 1, max: MAX_VCPUS }), {
        description: message`vCPU threads.`,
      }),
      4,
    ),
    requesters: withDefault(
      option("--requesters", integer({ min: 0, max: MAX_REQUESTERS }), {
        description:
          message`Requester threads (kvm_make_request + kick, all-CPUs requests, posted interrupts).`,
      }),
      2,
    ),
    events: withDefault(
      option("--events", integer({ min: 1 }), {
        description:
          message`Events to emit before the run winds down (every thread then finishes).`,
      }),
      100_000,
    ),
    seed: withDefault(
      option("--seed", integer({ min: 0 }), {
        description: message`PRNG seed: the same seed gives the same bytes.`,
      }),
      1,
    ),
    inject: multiple(option("--inject", string({ metavar: "BUG[:RATE]" }), {
      description:
        message`Plant a bug with this probability per opportunity (default 0.001); repeatable. Bugs: ${
          BUG_NAMES.map((b) => `${b} (→ ${BUGS[b].rule})`).join(", ")
        }.`,
    })),
    output: withDefault(
      option("-o", "--output", string({ metavar: "TRACE" }), {
        description: message`Trace file (default: standard output).`,
      }),
      "-",
    ),
    labels: optional(option("--labels", string({ metavar: "LABELS.json" }), {
      description: message`Write where each planted bug is: rule, line, vCPU, timestamp.`,
    })),
  }),
  {
    brief: message`Simulate the protocol (with planted bugs and ground-truth labels) into a trace.`,
    description:
      message`vCPU threads run the kernel's entry loop (process requests, disable interrupts, \
write IN_GUEST_MODE, full barrier, final request check, enter or abort, exit, block and wake, shadow-page-table \
walks); requesters make requests and kick, make all-CPUs requests (NO_WAKEUP, WAIT, KVM_REQ_OUTSIDE_GUEST_MODE, \
VM_DEAD) and deliver posted interrupts. The trace uses the protocol events of the event contract.`,
    footer: examples(
      ["kvmreq simulate --vcpus 4 --events 1000000 --seed 7 -o sim.trace", "a correct execution"],
      [
        "kvmreq simulate --inject lost-wakeup:0.01 --inject irqs-on-entry -o bug.trace --labels bug.json",
        "plant bugs",
      ],
      ["kvmreq lint bug.trace", "lint finds exactly the labelled bugs"],
    ),
  },
);

/** Options of {@link runSimulate}. */
export type SimulateOptions = InferValue<typeof simulateCommand>;

/** Runs `kvmreq simulate`. */
export async function runSimulate(opts: SimulateOptions, out: TextSink): Promise<number> {
  let inject: Injection[];
  try {
    inject = opts.inject.map(parseInjection);
  } catch (err) {
    throw new InputError("--inject", 0, (err as Error).message);
  }
  const options = {
    vcpus: opts.vcpus,
    requesters: opts.requesters,
    events: opts.events,
    seed: opts.seed,
    inject,
  };
  if (opts.labels !== undefined && opts.labels === opts.output) {
    throw new InputError(opts.labels, 0, "is both the trace (-o) and the labels (--labels)");
  }
  const enc = new TextEncoder();
  const file = isStdout(opts.output) ? undefined : await createOutputFile(opts.output);
  const parts: string[] = [];
  let result;
  try {
    result = simulate(options, (chunk) => {
      if (file === undefined) parts.push(chunk);
      else {
        const data = enc.encode(chunk);
        let off = 0;
        try {
          while (off < data.length) off += file.file.writeSync(data.subarray(off));
        } catch (err) {
          throw writeFailure(file.path, err);
        }
      }
    });
    await file?.commit();
  } catch (err) {
    if (err instanceof RangeError) throw new InputError("kvmreq simulate", 0, err.message);
    throw err;
  } finally {
    await file?.discard();
  }
  for (const p of parts) await out.write(p);
  if (opts.labels !== undefined) await writeOutputText(opts.labels, labelsJson(options, result));
  if (opts.output !== "-") {
    console.error(
      `kvmreq simulate: ${result.events} events, ${result.lines} lines to ${opts.output}; ${result.labels.length} bug(s) planted`,
    );
  }
  return EXIT.ok;
}
