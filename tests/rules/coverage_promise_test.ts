/**
 * Coverage is a promise (issue 16.13): a rule the output lists as not checked
 * must never report a finding. Every trace we have — the rule fixtures, the
 * simulator with every bug planted, the real stock traces — is linted whole
 * and then once per event name with every event of that name removed (and,
 * for patched-kernel traces, with the protocol events ignored as
 * `--stock-only` does); in every run each finding's rule must be among the
 * checked ones.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type BugName, BUGS } from "../../src/sim/bugs.ts";
import type { LintResult } from "../../src/check/lint_input.ts";
import { runSim } from "../sim/sim_run.ts";
import { defaultCheckerOptions, lintText, ROOT } from "./lint_fixture.ts";

/** The event name of an ftrace text line, `undefined` for headers and stack lines. */
function eventName(line: string): string | undefined {
  if (line.startsWith("#") || line.startsWith(" => ")) return undefined;
  const m = /: ([a-z0-9_]+): /.exec(line);
  return m?.[1];
}

/** `text` without the events named `name` (and the stack lines that follow them). */
function withoutEvent(text: string, name: string): string {
  const out: string[] = [];
  let dropping = false;
  for (const line of text.split("\n")) {
    if (line.startsWith(" => ")) {
      if (!dropping) out.push(line);
      continue;
    }
    const n = eventName(line);
    if (n === undefined && /: <stack trace>$/.test(line)) {
      if (!dropping) out.push(line);
      continue;
    }
    dropping = n === name;
    if (!dropping) out.push(line);
  }
  return out.join("\n");
}

function eventNames(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const n = eventName(line);
    if (n !== undefined) names.add(n);
  }
  return [...names].sort();
}

function assertKept(r: LintResult, what: string): void {
  const checked = new Set(r.coverage.checked.map((c) => c.id));
  for (const f of r.findings) {
    assert.ok(
      checked.has(f.ruleId),
      `${what}: ${f.ruleId} fired at line ${f.at.line} but the output lists it as not checked ` +
        `(${f.message})`,
    );
  }
}

/** Lints `text` whole, without each of its event names, and stock-only. */
async function checkPromise(name: string, text: string): Promise<number> {
  let runs = 0;
  assertKept(await lintText(name, text), name);
  assertKept(await lintText(name, text, { ...defaultCheckerOptions(), stockOnly: true }), name);
  for (const event of eventNames(text)) {
    assertKept(await lintText(name, withoutEvent(text, event)), `${name} without ${event}`);
    runs++;
  }
  return runs;
}

async function* traceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.isDirectory ? `${e.name}/` : e.name, dir);
    if (e.isDirectory) yield* traceFiles(url);
    else if (e.name.endsWith(".trace")) yield url;
  }
}

Deno.test("coverage promise: no rule fires on a rule fixture that lists it as not checked", async () => {
  let runs = 0;
  for await (const url of traceFiles(new URL("fixtures/rules/", ROOT))) {
    const rel = url.href.slice(ROOT.href.length);
    runs += await checkPromise(rel, await Deno.readTextFile(url));
  }
  assert.ok(runs > 100, `only ${runs} runs`);
});

Deno.test("coverage promise: nor on simulated traces with each bug planted", async () => {
  for (const bug of Object.keys(BUGS) as BugName[]) {
    const sim = runSim({
      vcpus: 2,
      requesters: 2,
      events: 3000,
      seed: 7,
      inject: [{ bug, rate: 0.05 }],
    });
    await checkPromise(`sim ${bug}`, sim.text);
  }
});

Deno.test("coverage promise: nor on the real stock and lab traces", async () => {
  for await (const url of traceFiles(new URL("traces/", ROOT))) {
    const rel = url.href.slice(ROOT.href.length);
    const text = await Deno.readTextFile(url);
    // Whole and stock-only; dropping each event of these larger traces is the fixtures' job.
    assertKept(await lintText(rel, text), rel);
    assertKept(await lintText(rel, text, { ...defaultCheckerOptions(), stockOnly: true }), rel);
  }
});

Deno.test("coverage promise: a WAIT fan-out without traced acknowledgements", async () => {
  // issue 16.13: with kvm_vcpu_ipi_ack not traced at all, a missing ack proves nothing; what
  // the trace proves is that the target was still in the guest (its kvm_exit after phase=end).
  const rel = "fixtures/rules/wait-unacknowledged/fail.trace";
  const noAcks = withoutEvent(await Deno.readTextFile(new URL(rel, ROOT)), "kvm_vcpu_ipi_ack");
  const r = await lintText(rel, noAcks);
  assert.deepEqual(r.findings.map((f) => [f.ruleId, f.at.line]), [["wait-unacknowledged", 24]]);
  assert.match(r.findings[0].message, /still in the guest/);
  // Without entries and exits either, nothing is provable: not checked, and silent.
  const blind = withoutEvent(withoutEvent(noAcks, "kvm_entry"), "kvm_exit");
  const r2 = await lintText(rel, blind);
  assert.deepEqual(r2.findings, []);
  assert.ok(r2.coverage.notChecked.some((n) => n.id === "wait-unacknowledged"));
});
