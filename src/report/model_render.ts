/**
 * The mode automaton rendered from its table: Graphviz DOT in the style of
 * the kernel's Runtime Verification models (tools/verification/models/*.dot:
 * `state_automaton`, an invisible `__init_` node, event names on edges), and
 * a Markdown table for the docs.
 *
 * @module
 */

import { AUTOMATON_STATES, INITIAL_MODE, MODE_TRANSITIONS } from "../model/mode_automaton.ts";

/** The automaton as DOT (render with `dot -Tsvg`). */
export function modelToDot(): string {
  const lines = [
    "digraph state_automaton {",
    "\tcenter = true;",
    '\tsize = "7,11";',
    `\t{node [shape = plaintext, style=invis, label=""] "__init_${INITIAL_MODE}"};`,
  ];
  for (const s of AUTOMATON_STATES) {
    lines.push(`\t{node [shape = ${s === INITIAL_MODE ? "doublecircle" : "circle"}] "${s}"};`);
  }
  lines.push(`\t"__init_${INITIAL_MODE}" -> "${INITIAL_MODE}";`);
  const edges = new Map<string, string[]>();
  for (const t of MODE_TRANSITIONS) {
    const key = `\t"${t.from}" -> "${t.to}"`;
    const label = t.by === "kicker" ? `${t.event} (kicker)` : t.event;
    edges.set(key, [...(edges.get(key) ?? []), label]);
  }
  for (const [key, labels] of edges) lines.push(`${key} [ label = "${labels.join("\\n")}" ];`);
  lines.push(
    '\tlabel = "kvmreq: vcpu->mode (Documentation/virt/kvm/vcpu-requests.rst)";',
    "}",
  );
  return lines.join("\n") + "\n";
}

/** The automaton as a Markdown table. */
export function modelToMarkdown(): string {
  let text =
    `Initial mode: \`${INITIAL_MODE}\`. Any write not listed is \`invalid-mode-transition\`.\n\n`;
  text += "| from | to | written by | event | when |\n|---|---|---|---|---|\n";
  for (const t of MODE_TRANSITIONS) {
    text += `| ${t.from} | ${t.to} | ${
      t.by === "vcpu" ? "vCPU thread" : "kicker (cmpxchg)"
    } | \`${t.event}\` | ${t.why} |\n`;
  }
  return text;
}
