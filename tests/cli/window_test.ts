/**
 * Windows (`--from`, `--until`, `--vcpu`, `--cpu`, `--comm`) on lint and
 * analyze: they choose what is reported, never what the model sees. A
 * window reports exactly the whole trace's findings located inside it, and
 * its edges create none: cutting the trace instead (linting only the events
 * after `--from`) makes false request-less kicks out of requests made before
 * the cut, which the window does not.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lintText } from "../lint/lint_helpers.ts";
import { runKvmreq } from "./run_kvmreq.ts";

const SIM_PATH = "fixtures/report/sim4.trace";
const SIM = Deno.readTextFileSync(new URL(`../../${SIM_PATH}`, import.meta.url));

interface JsonFinding {
  ruleId: string;
  line: number;
  timestamp: string;
  vcpu: number | null;
  evidence: { line: number; text: string }[];
}

async function lintJson(...args: string[]): Promise<JsonFinding[]> {
  const r = await runKvmreq("lint", "--format", "json", "--fail-on", "never", ...args);
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { files: { findings: JsonFinding[] }[] }).files[0].findings;
}

const key = (f: { ruleId: string; line: number }) => `${f.ruleId}@${f.line}`;

/** Seconds as printed → ns, exactly. */
function ns(ts: string): bigint {
  const [s, frac = ""] = ts.split(".");
  return BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, "0"));
}

/** The located event of a finding, from its evidence: comm and CPU. */
function located(f: JsonFinding): { comm: string; cpu: number } {
  const e = f.evidence.find((x) => x.line === f.line)!;
  const m = /^(.*)-\d+ \[(\d+)\]/.exec(e.text)!;
  return { comm: m[1], cpu: Number(m[2]) };
}

Deno.test("lint with a window reports exactly the whole trace's findings inside it", async () => {
  const full = await lintJson(SIM_PATH);
  assert.ok(full.length > 20);
  const times = full.map((f) => f.timestamp).sort((a, b) => (ns(a) < ns(b) ? -1 : 1));
  const from = times[4];
  const until = times[times.length - 5];
  const cases: [string[], (f: JsonFinding) => boolean][] = [
    [["--from", from], (f) => ns(f.timestamp) >= ns(from)],
    [["--until", until], (f) => ns(f.timestamp) <= ns(until)],
    [
      ["--from", from, "--until", until, "--vcpu", "1", "--vcpu", "2"],
      (f) =>
        ns(f.timestamp) >= ns(from) && ns(f.timestamp) <= ns(until) &&
        (f.vcpu === 1 || f.vcpu === 2),
    ],
    [["--cpu", "4"], (f) => located(f).cpu === 4],
    [["--comm", "CPU */KVM"], (f) => /^CPU \d+\/KVM$/.test(located(f).comm)],
    [["--comm", "kworker/1:2"], (f) => located(f).comm === "kworker/1:2"],
  ];
  for (const [args, inside] of cases) {
    const expected = full.filter(inside).map(key);
    const got = (await lintJson(...args, SIM_PATH)).map(key);
    assert.deepEqual(got, expected, args.join(" "));
    assert.ok(expected.length < full.length, `${args.join(" ")} leaves something out`);
  }
  const json = JSON.parse(
    (await runKvmreq("lint", "-f", "json", "--fail-on", "never", "--from", from, SIM_PATH)).out,
  );
  assert.deepEqual(json.files[0].window, {
    text: `${from} to end`,
    findingsInInput: full.length,
  });
  const text = await runKvmreq("lint", "--fail-on", "never", "--from", from, SIM_PATH);
  assert.match(
    text.out,
    new RegExp(
      `\\n  window ${from.replace(".", "\\.")} to end: ${
        full.filter((f) => ns(f.timestamp) >= ns(from)).length
      } of the input's ${full.length} finding\\(s\\) are inside it \\(the whole input was replayed\\)\\n`,
    ),
  );
});

Deno.test("a window's edge makes no finding; cutting the trace there would", async () => {
  const lines = SIM.split("\n");
  const events = lines.map((l, i) => ({ l, i })).filter((x) => /^\s*\S.*\d+\.\d+: /.test(x.l));
  const whole = await lintText(SIM, SIM_PATH);
  const wholeKeys = new Set(whole.findings.map((f) => key({ ruleId: f.ruleId, line: f.at.line })));
  let edges = 0;
  for (let k = 20; k < events.length && edges < 2; k += 37) {
    // Keep line numbers: the cut trace has the events before the cut blanked.
    const cut = lines.map((l, i) => (l.startsWith("#") || i >= events[k].i ? l : "")).join("\n");
    const r = await lintText(cut, SIM_PATH);
    const made = r.findings.filter((f) =>
      !wholeKeys.has(key({ ruleId: f.ruleId, line: f.at.line }))
    );
    if (made.length === 0) continue;
    edges++;
    const from = /(\d+\.\d+): /.exec(events[k].l)![1];
    const windowed = (await lintJson("--from", from, SIM_PATH)).map(key);
    for (const f of made) {
      assert.ok(
        !windowed.includes(key({ ruleId: f.ruleId, line: f.at.line })),
        `--from ${from} reports ${f.ruleId} at line ${f.at.line}, made by the cut`,
      );
    }
    for (const k2 of windowed) {
      assert.ok(wholeKeys.has(k2), `${k2} is a finding of the whole trace`);
    }
  }
  assert.ok(edges >= 1, "some cut of the sample trace makes a false finding");
});

Deno.test("analyze with a window counts inside it and carries state in from before it", async () => {
  const all = JSON.parse((await runKvmreq("analyze", "--format", "json", SIM_PATH)).out);
  const lines = SIM.split("\n").filter((l) => / kvm_make_request: vcpu=2 /.test(l));
  const stamps = lines.map((l) => /(\d+\.\d+): /.exec(l)![1]);
  const from = stamps[Math.floor(stamps.length / 4)];
  const until = stamps[Math.floor((3 * stamps.length) / 4)];
  const r = await runKvmreq(
    "analyze",
    "--format",
    "json",
    "--vcpu",
    "2",
    "--from",
    from,
    "--until",
    until,
    SIM_PATH,
  );
  assert.equal(r.code, 0, r.err);
  const win = JSON.parse(r.out);
  assert.equal(win.window, `${from} to ${until}, vCPU 2`);
  assert.deepEqual(win.vcpus.map((v: { vcpu: number }) => v.vcpu), [2]);
  const v = win.vcpus[0];
  // Requests made of vCPU 2 inside the window, counted from the text.
  const made = stamps.filter((t) => ns(t) >= ns(from) && ns(t) <= ns(until)).length;
  const counted = Object.values(v.requestsMade as Record<string, number>).reduce(
    (a, b) => a + b,
    0,
  );
  assert.equal(counted, made);
  // Time in mode fills the window exactly (the vCPU's mode is known before it starts).
  const spent = Object.values(v.timeInModeNs as Record<string, number>).reduce((a, b) => a + b, 0);
  const inModes = Object.entries(v.timeInModeNs as Record<string, number>)
    .filter(([m]) => m !== "blocked").reduce((a, [, b]) => a + b, 0);
  assert.ok(spent > 0);
  assert.equal(inModes, Number(ns(until) - ns(from)));
  const whole = all.vcpus.find((x: { vcpu: number }) => x.vcpu === 2);
  assert.ok(whole.entries > v.entries);
});

Deno.test("--from later than --until is a usage error in every command that takes both (it reported nothing, exit 0)", async () => {
  for (const cmd of ["lint", "analyze", "report", "export", "events", "replay"]) {
    const r = await runKvmreq(cmd, "--from", "100.5", "--until", "100.25", SIM_PATH);
    assert.equal(r.code, 2, `${cmd}: ${r.err}`);
    assert.equal(r.out, "", cmd);
    assert.equal(
      r.err,
      "kvmreq: --from 100.5 is later than --until 100.25: the window would be empty\n" +
        `see 'kvmreq ${cmd} --help'\n`,
      cmd,
    );
  }
  const same = await runKvmreq("lint", "--from", "100.5", "--until", "100.500", SIM_PATH);
  assert.notEqual(same.code, 2, "an instant (from = until) is a window: " + same.err);
});

Deno.test("a window outside the trace is said on stderr (lint, analyze, report and export gave an empty result in silence)", async () => {
  for (const cmd of ["lint", "analyze", "export", "events"]) {
    const args = cmd === "export" ? ["-o", "/dev/null"] : [];
    const after = await runKvmreq(cmd, "--from", "99999", ...args, SIM_PATH);
    assert.notEqual(after.code, 2, `${cmd}: ${after.err}`);
    assert.match(
      after.err,
      /kvmreq: note: fixtures\/report\/sim4\.trace: --from 99999 is after its last event \(104\.956035\): nothing of it is in the window\n/,
      cmd,
    );
    const before = await runKvmreq(cmd, "--until", "1.5", ...args, SIM_PATH);
    assert.match(before.err, /--until 1\.5 is before its first event \(\d+\.\d+\)/, cmd);
    const inside = await runKvmreq(cmd, "--from", "100", ...args, SIM_PATH);
    assert.doesNotMatch(inside.err, /nothing of it is in the window/, cmd);
  }
});
