/**
 * `kvmreq model`: prints the reference model's mode automaton (the table the
 * checker executes) as Graphviz DOT or Markdown, and the rule catalog.
 *
 * @module
 */

import { command, constant, object, option, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice } from "@optique/core/valueparser";
import { modelToDot, modelToMarkdown } from "../report/model_render.ts";
import { formatRuleCatalog } from "../report/rule_catalog.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";

/** The parsed options of `kvmreq model`. */
export const modelCommand = command(
  "model",
  object({
    command: constant("model"),
    format: withDefault(
      option("-f", "--format", choice(["dot", "md", "rules"]), {
        description:
          message`dot: the mode automaton for Graphviz; md: it as a Markdown table; rules: the rule catalog.`,
      }),
      "dot" as const,
    ),
  }),
  {
    brief: message`Print the mode automaton (DOT or Markdown) or the rule catalog.`,
    description:
      message`The automaton is the same table the checker runs: each edge is a legal write of \
vcpu->mode and who may make it (the vCPU thread, or a kick's cmpxchg).`,
    footer: examples(
      ["kvmreq model | dot -Tsvg > vcpu-mode.svg", "draw it"],
      "kvmreq model --format md",
      "kvmreq model --format rules",
    ),
  },
);

/** Options of {@link runModel}. */
export type ModelOptions = InferValue<typeof modelCommand>;

/** Runs `kvmreq model`. */
export async function runModel(opts: ModelOptions, out: TextSink): Promise<number> {
  const text = opts.format === "dot"
    ? modelToDot()
    : opts.format === "md"
    ? modelToMarkdown()
    : formatRuleCatalog();
  await out.write(text);
  return EXIT.ok;
}
