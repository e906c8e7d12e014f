/**
 * The expectation a rule fixture carries in its own header: one
 * `# expect: <rule-id> <severity> line <N> <event> vcpu <V>` line per finding
 * linting it must produce, or a single `# expect: none` for a correct run.
 *
 * @module
 */

import type { Severity } from "../../src/rules/rule.ts";

/** One finding a fixture expects. */
export interface ExpectedFinding {
  /** The rule that reports it. */
  readonly ruleId: string;
  /** Its severity (written out even when it is the rule's default). */
  readonly severity: Severity;
  /** The fixture line of the event it is reported at. */
  readonly line: number;
  /** The name of that event. */
  readonly event: string;
  /** The vCPU concerned. */
  readonly vcpu: number;
}

/** A fixture's `# expect:` line that does not parse, with its file:line. */
export class ExpectLineError extends Error {
  /** Builds the error for `file`:`line`. */
  constructor(readonly file: string, readonly line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.name = "ExpectLineError";
  }
}

const FINDING = /^([a-z0-9-]+) (error|warning|info) line (\d+) ([a-z0-9_]+) vcpu (\d+)$/;

/**
 * The findings `text` (the fixture `file`) expects: `[]` for `# expect: none`.
 * Throws {@link ExpectLineError} when it has no `# expect:` line, mixes `none`
 * with findings, or has a line that does not parse.
 */
export function expectedFindings(file: string, text: string): ExpectedFinding[] {
  const out: ExpectedFinding[] = [];
  let none = 0;
  let seen = 0;
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.startsWith("# expect:")) continue;
    seen++;
    const body = line.slice("# expect:".length).trim();
    if (body === "none") {
      none = i + 1;
      continue;
    }
    const m = FINDING.exec(body);
    if (!m) {
      throw new ExpectLineError(
        file,
        i + 1,
        `\`${line}\` is not \`# expect: none\` or \`# expect: <rule-id> <severity> line <N> <event> vcpu <V>\``,
      );
    }
    out.push({
      ruleId: m[1],
      severity: m[2] as Severity,
      line: Number(m[3]),
      event: m[4],
      vcpu: Number(m[5]),
    });
  }
  if (seen === 0) throw new ExpectLineError(file, 1, "no `# expect:` line in the header");
  if (none > 0 && seen > 1) {
    throw new ExpectLineError(file, none, "`# expect: none` beside expected findings");
  }
  return out;
}
