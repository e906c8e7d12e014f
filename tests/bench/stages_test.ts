import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import {
  formatStages,
  measureStages,
  type PassResult,
  runPass,
  scanPass,
  stageBounds,
  stageCosts,
} from "../../bench/stages.ts";
import { stagesArgs } from "../../bench/run.ts";

const TRACE = new URL("../../traces/boot-2vcpu-debug-threads.trace", import.meta.url).pathname;

const pass = (readMs: number, normalizeMs: number, checkMs: number): PassResult => ({
  readMs,
  normalizeMs,
  checkMs,
  events: 1_000_000,
  modelEvents: 900_000,
  format: "ftrace",
});

Deno.test("stages: each part's best time; rules = checker with rules minus without", () => {
  const costs = stageCosts(
    [pass(600, 200, 400), pass(650, 180, 380)],
    [pass(590, 210, 170), pass(700, 190, 160)],
    [320, 300, 310],
  );
  equal(costs.events, 1_000_000);
  deepEqual(costs.nsPerEvent, { scan: 300, build: 290, normalize: 180, model: 160, rules: 220 });
});

Deno.test("stages: without scan passes, building takes all of reading", () => {
  const costs = stageCosts([pass(600, 200, 400)], [pass(590, 210, 170)]);
  deepEqual(costs.nsPerEvent, { scan: 0, build: 590, normalize: 200, model: 170, rules: 230 });
});

Deno.test("stages: scanning never costs more than reading", () => {
  const costs = stageCosts([pass(600, 200, 400)], [pass(590, 210, 170)], [700]);
  equal(costs.nsPerEvent.scan, 590);
  equal(costs.nsPerEvent.build, 0);
});

Deno.test("stages: rules never cost less than nothing", () => {
  const costs = stageCosts([pass(1, 1, 100)], [pass(1, 1, 120)]);
  equal(costs.nsPerEvent.rules, 0);
});

Deno.test("stages: bounds on one core and on cores sharing the work", () => {
  const costs = stageCosts([pass(500, 100, 400)], [pass(500, 100, 200)], [200]);
  const b = stageBounds(costs, 2);
  // 500 + 100 + 200 + 200 = 1000 ns per event.
  equal(Math.round(b.one), 1_000_000);
  equal(Math.round(b.shared), 2_000_000);
  const text = formatStages(costs, 2);
  ok(text.includes("1.00 M events/s on one core"), text);
  ok(text.includes("at most 2.00 M events/s with 2 cores"), text);
});

Deno.test("stages: passes over a real trace agree on what they read", async () => {
  const full = await runPass(TRACE, true);
  const modelOnly = await runPass(TRACE, false);
  ok(full.events > 1000, `events ${full.events}`);
  equal(modelOnly.events, full.events);
  equal(modelOnly.modelEvents, full.modelEvents);
  ok(full.modelEvents > 0 && full.modelEvents <= full.events);
  for (const p of [full, modelOnly]) {
    ok(p.readMs > 0 && p.normalizeMs >= 0 && p.checkMs >= 0);
  }
  // The scan-only pass sees every event line the reader does.
  const scanned = scanPass(TRACE);
  equal(scanned.events, full.events);
  ok(scanned.ms > 0);
});

Deno.test("stages: a binary trace.dat is refused by name, not scanned as text", async () => {
  const dat = new URL("../../fixtures/dat/", import.meta.url).pathname;
  const file = [...Deno.readDirSync(dat)].map((e) => e.name).find((n) => n.endsWith(".dat"));
  ok(file !== undefined, `a trace.dat fixture in ${dat}`);
  await rejects(() => measureStages(dat + file, 1), /dat input; the stage benchmark reads text/);
});

Deno.test("stages: run with kvmreq's runtime flags, on the given file", () => {
  const args = stagesArgs("/tmp/x.trace", 4);
  ok(args.some((a) => a.endsWith("/bench/stages.ts")), args.join(" "));
  ok(!args.some((a) => a.endsWith("/main.ts")), args.join(" "));
  deepEqual(args.slice(-3), ["/tmp/x.trace", "--runs", "4"]);
  ok(args.includes("--v8-flags=--max-semi-space-size=8"), args.join(" "));
});

Deno.test("stages: an empty list of passes is refused, not divided by", () => {
  throws(() => stageCosts([], []));
});
