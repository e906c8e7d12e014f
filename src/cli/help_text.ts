/**
 * Help-text helpers: optique folds plain newlines in messages, so example
 * lists are built from explicit line breaks.
 *
 * @module
 */

import { lineBreak, type Message, type MessageTerm, text } from "@optique/core/message";

/** An example: a command line, or a command line and a comment on what it does. */
export type Example = string | readonly [string, string];

/** Example command lines, one per line, each with an optional `# comment`. */
export function exampleLines(lines: readonly Example[]): Message {
  const terms: MessageTerm[] = [];
  for (const line of lines) {
    if (terms.length > 0) terms.push(lineBreak());
    if (typeof line === "string") terms.push(text(line));
    else terms.push(text(line[0]), text(`   # ${line[1]}`));
  }
  return terms;
}

/** An "Examples:" block for a command's help footer. */
export function examples(...lines: readonly Example[]): Message {
  return [
    text("Examples:"),
    lineBreak(),
    ...exampleLines(lines.map((l) => typeof l === "string" ? `  ${l}` : [`  ${l[0]}`, l[1]])),
  ];
}
