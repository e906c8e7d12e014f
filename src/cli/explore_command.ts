/**
 * `kvmreq explore`: enumerates every interleaving of a small instance of the
 * protocol (sequentially consistent, or x86-TSO with store buffers) and says
 * whether a request can be left unseen while the vCPU runs the guest.
 *
 * @module
 */

import { command, constant, object, option, optional, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice, integer, string } from "@optique/core/valueparser";
import {
  counterexampleTrace,
  EXPECTED_RULE,
  EXPLORE_DEFAULTS,
  exploreProtocol,
  formatCounterexample,
  PROPERTIES,
  VARIANT_NAMES,
  VARIANTS,
} from "../explore/explore.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { writeOutputText } from "./output_target.ts";

/** The parsed options of `kvmreq explore`. */
export const exploreCommand = command(
  "explore",
  object({
    command: constant("explore"),
    vcpus: withDefault(
      option("--vcpus", choice([1, 2] as const), {
        description: message`vCPU threads in the instance.`,
      }),
      EXPLORE_DEFAULTS.vcpus as 1 | 2,
    ),
    requesters: withDefault(
      option("--requesters", choice([1, 2] as const), {
        description:
          message`Requester threads: 1 makes a request and kicks; 2 adds a KVM_REQ_OUTSIDE_GUEST_MODE sender.`,
      }),
      EXPLORE_DEFAULTS.requesters as 1 | 2,
    ),
    memoryModel: withDefault(
      option("--memory-model", choice(["sc", "tso"]), {
        description:
          message`sc: sequential consistency; tso: x86-TSO with per-thread store buffers and fences.`,
      }),
      "sc" as const,
    ),
    variant: withDefault(
      option("--variant", choice([...VARIANT_NAMES, "all"]), {
        description: message`The protocol variant to check, or all of them.`,
      }),
      "correct" as const,
    ),
    maxStates: optional(option("--max-states", integer({ min: 1 }), {
      description: message`Stop after this many states (the result then says truncated).`,
    })),
    output: optional(option("-o", "--output", string({ metavar: "TRACE" }), {
      description:
        message`Write the shortest counterexample as a protocol-event trace that kvmreq lint flags.`,
    })),
    format: withDefault(
      option("-f", "--format", choice(["text", "json"]), {
        description: message`Output format.`,
      }),
      "text" as const,
    ),
  }),
  {
    brief: message`Model-check every interleaving of a small protocol instance (sc or tso).`,
    description: message`Variants: ${
      VARIANT_NAMES.map((v) => `${v} (${VARIANTS[v]})`).join("; ")
    }. Exit status: 0 when every checked variant is safe, 1 when one can leave a request unseen.`,
    footer: examples(
      [
        "kvmreq explore --variant no-barrier --memory-model tso -o cex.trace",
        "find the Dekker failure",
      ],
      ["kvmreq lint cex.trace", "lint flags the counterexample"],
      ["kvmreq explore --variant all --memory-model tso --vcpus 2", "every variant"],
    ),
  },
);

/** Options of {@link runExplore}. */
export type ExploreCliOptions = InferValue<typeof exploreCommand>;

/** Runs `kvmreq explore`. */
export async function runExplore(opts: ExploreCliOptions, out: TextSink): Promise<number> {
  const variants = opts.variant === "all" ? VARIANT_NAMES : [opts.variant];
  let violations = 0;
  const json: unknown[] = [];
  for (const variant of variants) {
    const start = performance.now();
    const r = exploreProtocol({
      vcpus: opts.vcpus,
      requesters: opts.requesters,
      memoryModel: opts.memoryModel,
      variant,
      maxStates: opts.maxStates,
    });
    const ms = performance.now() - start;
    if (r.verdict === "violation") violations++;
    if (opts.format === "json") {
      json.push({ ...r, expectedRule: EXPECTED_RULE[variant] ?? null, elapsedMs: Math.round(ms) });
      continue;
    }
    let text = `${variant} (${opts.memoryModel}, ${opts.vcpus} vCPU${opts.vcpus > 1 ? "s" : ""}, ` +
      `${opts.requesters} requester${opts.requesters > 1 ? "s" : ""}): `;
    text += r.verdict === "safe"
      ? `safe — ${r.statesExplored} states, ${r.transitions} transitions explored${
        r.truncated ? " (TRUNCATED)" : ""
      }`
      : `VIOLATION of ${r.property}: ${
        PROPERTIES[r.property!]
      } — found after ${r.statesExplored} states`;
    text += ` in ${ms.toFixed(0)} ms\n`;
    if (r.verdict === "violation" && variants.length === 1) text += formatCounterexample(r);
    await out.write(text);
    if (opts.output !== undefined && r.verdict === "violation" && variants.length === 1) {
      await writeOutputText(opts.output, counterexampleTrace(r));
      await out.write(
        `counterexample trace written to ${opts.output}` +
          (EXPECTED_RULE[variant] ? `; kvmreq lint flags it as ${EXPECTED_RULE[variant]}\n` : "\n"),
      );
    }
  }
  if (opts.format === "json") {
    await out.write(JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + "\n");
  }
  return violations > 0 ? EXIT.findings : EXIT.ok;
}
