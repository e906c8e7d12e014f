/**
 * lint's text output as a person sees it: identical findings grouped (one
 * entry with the count and first and last time; `--no-group` lists each)
 * with a count per rule in the summary, every finding kept in JSON and
 * SARIF (with the group they share), and colour only on a terminal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseLintReport } from "../../src/report/lint_json_schema.ts";
import { groupFindings, groupKey } from "../../src/check/finding_groups.ts";
import type { Finding } from "../../src/rules/finding.ts";
import { runKvmreq, runKvmreqWith } from "./run_kvmreq.ts";

const BOOT = "traces/boot-2vcpu-debug-threads.trace";

Deno.test("lint groups identical findings: one entry, its count, first and last time", async () => {
  const r = await runKvmreq("lint", BOOT);
  // The memslots kicks are intentional (info), so lint exits 0.
  assert.equal(r.code, 0);
  const entries = r.out.match(/^ +\d+ {2}info {5}request-less-kick /gm) ?? [];
  assert.equal(entries.length, 1, r.out);
  assert.ok(
    r.out.includes(
      "           24 like this (same rule, site and vCPU): first at line 1750 (2544.062127), " +
        "last at line 6008 (2547.981485); --no-group lists each\n" +
        '           seed: "Request-less VCPU Kicks"\n',
    ),
    r.out,
  );
  assert.match(
    r.out,
    /\n✖ 24 findings \(0 errors, 0 warnings, 24 info\) in 1 file\n {2}24 request-less-kick: a kick of a vCPU/,
  );
  const all = await runKvmreq("lint", "--no-group", BOOT);
  assert.equal((all.out.match(/^ +\d+ {2}info {5}request-less-kick /gm) ?? []).length, 24);
  assert.doesNotMatch(all.out, /like this/);
});

Deno.test("lint JSON and SARIF keep every finding, each naming its group", async () => {
  const json = parseLintReport(
    JSON.parse((await runKvmreq("lint", "-f", "json", BOOT)).out),
  );
  const findings = json.files[0].findings;
  assert.equal(findings.length, 24);
  assert.equal(new Set(findings.map((f) => f.group)).size, 1);
  assert.equal(findings[0].site, "kvm_arch_memslots_updated");
  assert.deepEqual(json.totals.byRule, { "request-less-kick": 24 });
  const sarif = JSON.parse((await runKvmreq("lint", "-f", "sarif", BOOT)).out);
  const results = sarif.runs[0].results as { properties: { group: string } }[];
  assert.equal(results.length, 24);
  assert.deepEqual([...new Set(results.map((x) => x.properties.group))], [findings[0].group]);
});

function finding(over: Partial<Finding>): Finding {
  const at = {
    file: "t",
    line: 1,
    ts: 1000n,
    comm: "CPU 0/KVM",
    pid: 10,
    cpu: 0,
    flags: undefined,
    name: "sched_waking",
    fields: "",
  };
  return {
    ruleId: "request-less-kick",
    severity: "error",
    seedSections: ["Request-less VCPU Kicks"],
    vm: "0",
    vcpu: 1,
    at,
    seq: 1,
    message: "m",
    evidence: [at],
    confidence: "normal",
    confidenceNote: undefined,
    site: "kvm_arch_memslots_updated",
    ...over,
  };
}

Deno.test("groups split on rule, severity, vCPU and site; a finding without a site groups by message", () => {
  const base = finding({});
  const list = [
    base,
    finding({ seq: 2, message: "other kicker" }), // same site: same group
    finding({ seq: 3, vcpu: 2 }),
    finding({ seq: 4, severity: "info" }),
    finding({ seq: 5, site: "kvm_vcpu_kick_x" }),
    finding({ seq: 6, ruleId: "redundant-ipi" }),
    finding({ seq: 7, site: undefined, message: "a" }),
    finding({ seq: 8, site: undefined, message: "a" }),
    finding({ seq: 9, site: undefined, message: "b" }),
    finding({ seq: 10, vcpu: undefined, message: "thread 5" }),
    finding({ seq: 11, vcpu: undefined, message: "thread 6" }),
  ];
  const groups = groupFindings(list);
  assert.deepEqual(groups.map((g) => g.count), [2, 1, 1, 1, 1, 2, 1, 1, 1]);
  assert.equal(groups[0].first.seq, 1);
  assert.equal(groups[0].last.seq, 2);
  assert.equal(groupKey(base), groupKey(list[1]));
});

const ESC = "\u001b";
const COLOUR = new RegExp(`${ESC}\\[[0-9;]*m`);

Deno.test("lint colours rule ids, severities and the summary only when it should", async () => {
  const env = (extra: Record<string, string>) => ({ ...extra });
  const forced = await runKvmreqWith({ env: env({ FORCE_COLOR: "1" }) }, "lint", BOOT);
  assert.ok(
    forced.out.includes(`${ESC}[34minfo   ${ESC}[0m  ${ESC}[1mrequest-less-kick${ESC}[0m`),
    forced.out,
  );
  assert.ok(forced.out.includes(`${ESC}[1;33m✖ 24 findings`));
  const plain = await runKvmreq("lint", BOOT);
  assert.equal(
    forced.out.replace(new RegExp(COLOUR.source, "g"), ""),
    plain.out,
    "colour adds only SGR codes",
  );
  for (
    const [setup, args] of [
      [{ env: env({}) }, []], // piped: no colour
      [{ env: env({ FORCE_COLOR: "1", NO_COLOR: "1" }) }, []],
      [{ env: env({ FORCE_COLOR: "1" }) }, ["--no-color"]],
    ] as const
  ) {
    const r = await runKvmreqWith(setup, "lint", ...args, BOOT);
    assert.doesNotMatch(r.out, COLOUR, JSON.stringify(setup) + args.join(" "));
  }
});

Deno.test("lint colours its output on a terminal (a pty from script(1)), and NO_COLOR turns it off", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const cmd = `${Deno.execPath()} run -A main.ts lint ${BOOT}`;
  const run = async (env: Record<string, string>) => {
    const r = await new Deno.Command("script", {
      args: ["-qec", cmd, "/dev/null"],
      cwd: root,
      env: { HOME: Deno.env.get("HOME") ?? "/root", PATH: Deno.env.get("PATH") ?? "", ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(r.stdout);
  };
  let tty: string;
  try {
    tty = await run({});
  } catch (err) {
    console.warn(`skipped: script(1) is not available (${err})`);
    return;
  }
  assert.match(tty, COLOUR);
  assert.match(tty, /request-less-kick/);
  assert.doesNotMatch(await run({ NO_COLOR: "1" }), COLOUR);
});

Deno.test("lint says where events were lost without a count, and events out of order (it said 'lost 0 event(s)', and nothing of the order)", async () => {
  const lines = Deno.readTextFileSync(new URL(`../../${BOOT}`, import.meta.url)).split("\n");
  const at = lines.findIndex((l) => / sched_waking: /.test(l) && l.includes("[001]"));
  const ev = lines.findIndex((l, i) => i > at + 40 && / sched_switch: /.test(l));
  const moved = lines.slice();
  moved[ev] = moved[ev].replace(/ (\d+)\.(\d{6}): /, " 1.000000: ");
  moved.splice(at, 0, "CPU:1 [LOST EVENTS]");
  const r = await runKvmreqWith({ stdin: moved.join("\n") }, "lint", "-");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /\n {2}the trace lost events at 1 place\(s\) that do not say how many \(CPU 1\); findings near/,
  );
  assert.doesNotMatch(r.out, /lost 0 event/);
  assert.match(
    r.out,
    new RegExp(`\n {2}1 event\\(s\\) earlier than one before them \\(first at line ${ev + 2}\\): `),
  );
});
