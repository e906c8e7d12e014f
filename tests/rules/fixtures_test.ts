/**
 * Every rule fixture, found by glob (`fixtures/rules/<rule-id>/*.trace`), against
 * the expectation in its own header (tests/rules/expect_lines.ts):
 *
 * - `# expect: <rule-id> <severity> line <N> <event> vcpu <V>`, one line per
 *   finding: linting the fixture must report exactly those findings, and its
 *   JSON report (`kvmreq lint --format json`) must equal `<name>.golden.json`
 *   beside it, validated against `parseLintReport`;
 * - `# expect: none`: a correct execution, linting it must report nothing.
 *
 * Each fixture must read cleanly and let kvmreq check the rule its folder is
 * named after. Every rule of `RULES` needs a folder with a fixture expecting
 * it at its default severity, so a new rule without one fails here; a folder
 * that names no rule, a golden without its fixture, a fixture without an
 * `# expect:` line fail too.
 *
 * To add a fixture, write the trace with its `# expect:` lines, then make its
 * golden (and, after a deliberate change of messages or evidence, all of them) with
 *
 *     KVMREQ_UPDATE_GOLDEN=1 deno test -A tests/rules/fixtures_test.ts
 *
 * and review the diff of `fixtures/rules/*\/*.golden.json`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildLintReport } from "../../src/report/lint_json.ts";
import { parseLintReport } from "../../src/report/lint_json_schema.ts";
import { RULES } from "../../src/rules/index.ts";
import type { Finding } from "../../src/rules/finding.ts";
import type { LintResult } from "../../src/check/lint_input.ts";
import { defaultCheckerOptions, lintFile, lintText, ROOT } from "./lint_fixture.ts";
import { type ExpectedFinding, expectedFindings, ExpectLineError } from "./expect_lines.ts";

/** The tool version written into goldens (fixed, so version bumps do not touch them). */
const GOLDEN_VERSION = "0.0.0-golden";

const UPDATE = Deno.env.get("KVMREQ_UPDATE_GOLDEN") === "1";

/** One fixture: its folder (a rule id), file name and expectation. */
interface Fixture {
  readonly ruleId: string;
  readonly file: string;
  readonly rel: string;
  readonly expected: readonly ExpectedFinding[];
}

function fixture(id: string, file: string): string {
  return `fixtures/rules/${id}/${file}`;
}

/** Every `fixtures/rules/<id>/*.trace`, and every other file there, sorted. */
function listFixtures(): { fixtures: Fixture[]; others: string[] } {
  const fixtures: Fixture[] = [];
  const others: string[] = [];
  const dir = new URL("fixtures/rules/", ROOT);
  for (const d of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!d.isDirectory) {
      others.push(`fixtures/rules/${d.name}`);
      continue;
    }
    const files = [...Deno.readDirSync(new URL(`${d.name}/`, dir))].map((e) => e.name).sort();
    for (const file of files) {
      const rel = fixture(d.name, file);
      if (!file.endsWith(".trace")) {
        others.push(rel);
        continue;
      }
      const text = Deno.readTextFileSync(new URL(rel, ROOT));
      fixtures.push({ ruleId: d.name, file, rel, expected: expectedFindings(rel, text) });
    }
  }
  return { fixtures, others };
}

const { fixtures: FIXTURES, others: OTHER_FILES } = listFixtures();

function goldenOf(rel: string): string {
  return rel.replace(/\.trace$/, ".golden.json");
}

const EVENT_LINE =
  /^\s*(.+)-(\d+)\s+\[(\d{3})\] (\S{5}) +(\d+)\.(\d{6}): (<stack trace>$|[a-z0-9_]+: )/;

/** Checks the fixture itself: ftrace header first, events in strictly increasing time. */
async function checkLayout(rel: string): Promise<void> {
  const text = await Deno.readTextFile(new URL(rel, ROOT));
  const lines = text.split("\n");
  assert.equal(lines[0], "# tracer: nop", `${rel}: first line`);
  assert.equal(lines.at(-1), "", `${rel}: ends with a newline`);
  let last = -1n;
  let events = 0;
  for (const [i, line] of lines.entries()) {
    if (line === "" || line.startsWith("#") || line.startsWith(" => ")) continue;
    const m = EVENT_LINE.exec(line);
    assert.ok(m, `${rel}:${i + 1}: not an ftrace event line: ${line}`);
    const ts = BigInt(m[5]) * 1_000_000n + BigInt(m[6]);
    assert.ok(ts > last, `${rel}:${i + 1}: timestamp does not increase`);
    last = ts;
    events++;
  }
  assert.ok(events > 0, `${rel}: no events`);
}

/** What every fixture must satisfy as input: read cleanly, all protocol events decoded. */
function checkClean(rel: string, r: LintResult, ruleId: string): void {
  assert.equal(r.stats.skippedLines, 0, `${rel}: skipped lines`);
  assert.equal(r.decodeProblemCount, 0, `${rel}: undecodable protocol events`);
  assert.equal(r.stats.format, "ftrace");
  assert.equal(r.timeUnit, "ns");
  assert.ok(
    r.coverage.checked.some((c) => c.id === ruleId),
    `${rel}: ${ruleId} is not checkable on this trace`,
  );
}

/** A finding as an `# expect:` line would say it. */
function expectLine(f: Finding | ExpectedFinding): string {
  if ("at" in f) {
    return `# expect: ${f.ruleId} ${f.severity} line ${f.at.line} ${f.at.name} vcpu ${f.vcpu}`;
  }
  return `# expect: ${f.ruleId} ${f.severity} line ${f.line} ${f.event} vcpu ${f.vcpu}`;
}

function describeFindings(r: LintResult): string {
  return r.findings.map((f) => `  ${expectLine(f)}\n    ${f.message}`).join("\n") || "  (none)";
}

async function checkFixture(fx: Fixture): Promise<void> {
  const { rel, ruleId, expected } = fx;
  await checkLayout(rel);
  const r = await lintFile(rel);
  checkClean(rel, r, ruleId);
  assert.deepEqual(
    r.findings.map(expectLine).sort(),
    expected.map(expectLine).sort(),
    `${rel}: the findings differ from its # expect: lines; it reports\n${describeFindings(r)}`,
  );
  for (const f of r.findings) {
    assert.equal(f.confidence, "normal", `${rel}:${f.at.line}: confidence`);
    assert.ok(
      f.evidence.some((e) => e.line === f.at.line),
      `${rel}:${f.at.line}: evidence holds the finding's event`,
    );
  }

  const goldenUrl = new URL(goldenOf(rel), ROOT);
  if (expected.length === 0) {
    if (UPDATE) await Deno.remove(goldenUrl).catch(() => {});
    return;
  }
  const report = buildLintReport([r], GOLDEN_VERSION);
  parseLintReport(report);
  const text = JSON.stringify(report, null, 2) + "\n";
  if (UPDATE) await Deno.writeTextFile(goldenUrl, text);
  const golden = JSON.parse(await Deno.readTextFile(goldenUrl));
  parseLintReport(golden);
  assert.deepEqual(report, golden, `${rel}: report differs from its golden ${goldenOf(rel)}`);
}

for (const fx of FIXTURES) {
  const what = fx.expected.length === 0
    ? "reports nothing"
    : `reports ${fx.expected.map((e) => `${e.ruleId} at line ${e.line}`).join(", ")}`;
  Deno.test(`rules: ${fx.rel} ${what}, as its # expect: lines say`, () => checkFixture(fx));
}

Deno.test("rules: every rule has a fixture expecting it at its default severity", () => {
  const missing = RULES.filter((rule) =>
    !FIXTURES.some((fx) =>
      fx.ruleId === rule.meta.id &&
      fx.expected.some((e) => e.ruleId === rule.meta.id && e.severity === rule.meta.severity)
    )
  ).map((rule) => rule.meta.id);
  assert.deepEqual(
    missing,
    [],
    `write fixtures/rules/<id>/fail.trace with a \`# expect: <id> <severity> line …\` line for: ${
      missing.join(", ")
    }`,
  );
});

Deno.test("rules: every fixture folder names a rule, every golden has its fixture", () => {
  const ids = new Set(RULES.map((r) => r.meta.id));
  const strays = FIXTURES.filter((fx) => !ids.has(fx.ruleId)).map((fx) => fx.rel);
  const withFindings = new Set(
    FIXTURES.filter((fx) => fx.expected.length > 0).map((fx) => goldenOf(fx.rel)),
  );
  const orphans = OTHER_FILES.filter((f) => !withFindings.has(f));
  assert.deepEqual([...strays, ...orphans], [], "fixtures of no rule, or files no fixture owns");
});

Deno.test("expectedFindings: parses findings and none; a missing or bad line names file:line", () => {
  assert.deepEqual(
    expectedFindings(
      "f.trace",
      "# tracer: nop\n# expect: lost-wakeup error line 27 kvm_vcpu_kick vcpu 0\n",
    ),
    [{ ruleId: "lost-wakeup", severity: "error", line: 27, event: "kvm_vcpu_kick", vcpu: 0 }],
  );
  assert.deepEqual(expectedFindings("f.trace", "# expect: none\n"), []);
  assert.throws(() => expectedFindings("f.trace", "# tracer: nop\n"), ExpectLineError);
  assert.throws(
    () => expectedFindings("f.trace", "#\n# expect: lost-wakeup error at 27\n"),
    /^ExpectLineError: f\.trace:2: /,
  );
  assert.throws(
    () =>
      expectedFindings("f.trace", "# expect: none\n# expect: x error line 1 kvm_entry vcpu 0\n"),
    /f\.trace:1: `# expect: none` beside/,
  );
});

Deno.test("rules: the stock memslots kick is info naming its call site, reason and source", async () => {
  const r = await lintFile(fixture("request-less-kick", "stock-intentional.trace"));
  const [f] = r.findings;
  assert.equal(f.severity, "info");
  assert.match(f.message, /kvm_arch_memslots_updated\(\)/);
  assert.match(f.message, /woke vCPU 1/);
  assert.match(
    f.message,
    /intentional: .*record_steal_time\(\).*arch\/x86\/kvm\/x86\.c, 6\.12 and 6\.18/,
  );
  assert.equal(r.kernel.version, "6.18");
  assert.equal(r.kernel.source, "header");
});

Deno.test("rules: allowedKickSites silences a request-less kick site", async () => {
  const options = defaultCheckerOptions();
  const r = await lintText(
    "intentional.trace",
    await Deno.readTextFile(new URL(fixture("request-less-kick", "intentional.trace"), ROOT)),
    {
      ...options,
      ruleOptions: { ...options.ruleOptions, allowedKickSites: ["kvm_arch_memslots_updated"] },
    },
  );
  assert.deepEqual(r.findings, []);
});

Deno.test("rules: `kvmreq lint --format json` prints the golden report", async () => {
  const rel = fixture("kick-without-ipi", "fail.trace");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "lint", "--format", "json", rel],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1, new TextDecoder().decode(out.stderr));
  const report = parseLintReport(JSON.parse(new TextDecoder().decode(out.stdout)));
  const golden = JSON.parse(
    await Deno.readTextFile(new URL(fixture("kick-without-ipi", "fail.golden.json"), ROOT)),
  );
  assert.deepEqual({ ...report, tool: { ...report.tool, version: GOLDEN_VERSION } }, golden);
});
