/**
 * Where `kvmreq lint`'s time per event goes, stage by stage, on one thread:
 * the input is read as lint reads it, batch by batch, and each batch is
 * first normalized whole, then its model events go through the checker, so
 * the time of each part can be taken per batch without a clock read per
 * event. Passes with every rule alternate with passes without rules (the
 * model alone); each part's cost is its best time over the passes, and the
 * rules' cost the checker's time with rules minus without. From those it
 * prints the fastest any arrangement of the same code could go: one core
 * doing everything, and all cores sharing the same work perfectly (no
 * transfer cost, no idle time), so a throughput target can be checked
 * against what the stages cost before anything is rebuilt.
 *
 * ```
 * deno run -A bench/stages.ts              # the dense simulated trace (bench/inputs.ts)
 * deno run -A bench/stages.ts dense-small  # a bench input by name
 * deno run -A bench/stages.ts FILE --runs 5
 * ```
 *
 * @module
 */

import { findLineFeed, wordView } from "../src/ingest/ascii.ts";
import { createLineScan, LineKind, PrefixCache } from "../src/ingest/ftrace_line.ts";
import { NameTable } from "../src/ingest/name_table.ts";
import { readTrace } from "../src/ingest/read_trace.ts";
import { EventNormalizer, MODEL_EVENT_NAMES } from "../src/events/normalize.ts";
import { Checker } from "../src/check/checker.ts";
import { RULES } from "../src/rules/index.ts";
import type { RuleOptions } from "../src/rules/rule.ts";
import type { ModelEvent } from "../src/events/model_event.ts";
import { benchInput, RECIPES } from "./inputs.ts";
import { statusLine } from "./status.ts";

/**
 * The stages, in pipeline order: finding and scanning the lines (`scan`),
 * building the records lint keeps (`build`), normalizing them to model
 * events, the model, the rules.
 */
export type Stage = "scan" | "build" | "normalize" | "model" | "rules";

/** The stages, in pipeline order. */
export const STAGES: readonly Stage[] = ["scan", "build", "normalize", "model", "rules"];

/** Lint's default rule options (10 ms latency threshold, no allowed kick sites). */
const RULE_OPTIONS: RuleOptions = { latencyThresholdNs: 10_000_000n, allowedKickSites: [] };

/** Time spent in each part of one pass, and what it saw. */
export interface PassResult {
  /** ms waiting for the reader's batches (reading, scanning, building records). */
  readonly readMs: number;
  /** ms turning records into model events. */
  readonly normalizeMs: number;
  /** ms in the checker (the model, and the rules when run). */
  readonly checkMs: number;
  /** Events the reader counted. */
  readonly events: number;
  /** Model events produced. */
  readonly modelEvents: number;
  /** The input's format, as the reader found it. */
  readonly format: string | undefined;
}

/**
 * Reads `path` as `kvmreq lint` does (only modelled events built, on one
 * thread), streaming batch by batch: each batch is normalized whole, then
 * its model events go through the checker (with every rule, or with none:
 * the model alone), each part timed per batch.
 */
export async function runPass(path: string, withRules: boolean): Promise<PassResult> {
  const reader = await readTrace(path, {
    keepEvent: (name) => MODEL_EVENT_NAMES.has(name),
    parallel: false,
  });
  const normalizer = new EventNormalizer(path);
  const checker = new Checker({ rules: withRules ? RULES : [], ruleOptions: RULE_OPTIONS });
  const events: ModelEvent[] = [];
  let readMs = 0;
  let normalizeMs = 0;
  let checkMs = 0;
  let modelEvents = 0;
  const batches = reader.batches()[Symbol.asyncIterator]();
  for (;;) {
    const t0 = performance.now();
    const next = await batches.next();
    const t1 = performance.now();
    readMs += t1 - t0;
    if (next.done) break;
    const batch = next.value;
    for (let i = 0; i < batch.length; i++) {
      const ev = normalizer.toModel(batch[i]);
      if (ev !== undefined) events.push(ev);
    }
    const t2 = performance.now();
    normalizeMs += t2 - t1;
    for (let i = 0; i < events.length; i++) checker.push(events[i]);
    modelEvents += events.length;
    events.length = 0;
    checkMs += performance.now() - t2;
  }
  const t3 = performance.now();
  checker.finish();
  checkMs += performance.now() - t3;
  const stats = reader.stats;
  return {
    readMs,
    normalizeMs,
    checkMs,
    events: stats.events,
    modelEvents,
    format: stats.format,
  };
}

/**
 * Reads `path` (an ftrace text file) in the reader's 256 KB reads and only
 * finds and scans its lines, with the reader's own scanner (prefix cache,
 * name table): the part of reading that every line costs, kept or not.
 * Returns the ms taken and the event lines seen.
 */
export function scanPass(path: string): { ms: number; events: number } {
  const t0 = performance.now();
  const readSize = 1 << 18;
  const maxLine = 65536;
  const buf = new Uint8Array(readSize + maxLine + 1);
  const words = wordView(buf);
  const view = new DataView(buf.buffer);
  const scan = createLineScan();
  const prefixes = new PrefixCache();
  const names = new NameTable();
  let events = 0;
  let filled = 0;
  const file = Deno.openSync(path, { read: true });
  try {
    while (true) {
      const n = file.readSync(buf.subarray(filled, filled + readSize));
      if (n === null || n === 0) break;
      filled += n;
      let s = 0;
      while (true) {
        const nl = findLineFeed(buf, words, s, filled);
        if (nl < 0) break;
        if (prefixes.scan(buf, view, s, nl, scan) === LineKind.Event) {
          names.lookup(buf, scan.nameStart, scan.nameEnd, scan.nameHash);
          events++;
        }
        s = nl + 1;
      }
      if (filled - s > maxLine) throw new Error(`${path}: a line longer than ${maxLine} bytes`);
      buf.copyWithin(0, s, filled);
      filled -= s;
    }
  } finally {
    file.close();
  }
  return { ms: performance.now() - t0, events };
}

/** Cost of each stage. */
export interface StageCosts {
  /** Events in the input. */
  readonly events: number;
  /** ns per event of each stage. */
  readonly nsPerEvent: Readonly<Record<Stage, number>>;
}

/**
 * Per-stage cost from the best (smallest) time of each part over passes with
 * rules (`full`) and without (`modelOnly`), and of the scan-only passes
 * (`scanMs`; none: building takes all of reading): building is reading
 * minus scanning, the rules' cost the checker's time with rules minus its
 * time without (neither below 0). Throws a `RangeError` when `full` or
 * `modelOnly` is empty.
 */
export function stageCosts(
  full: readonly PassResult[],
  modelOnly: readonly PassResult[],
  scanMs: readonly number[] = [],
): StageCosts {
  const min = (xs: readonly PassResult[], f: (p: PassResult) => number) => Math.min(...xs.map(f));
  if (full.length === 0 || modelOnly.length === 0) {
    throw new RangeError("stage costs need at least one pass with rules and one without");
  }
  const all = [...full, ...modelOnly];
  const events = all[0].events;
  const model = min(modelOnly, (p) => p.checkMs);
  const read = min(all, (p) => p.readMs);
  const scan = Math.min(read, ...scanMs);
  const ms: Record<Stage, number> = {
    scan: scanMs.length === 0 ? 0 : scan,
    build: scanMs.length === 0 ? read : read - scan,
    normalize: min(all, (p) => p.normalizeMs),
    model,
    rules: Math.max(0, min(full, (p) => p.checkMs) - model),
  };
  const nsPerEvent = {} as Record<Stage, number>;
  for (const stage of STAGES) nsPerEvent[stage] = ms[stage] * 1e6 / Math.max(1, events);
  return { events, nsPerEvent };
}

/**
 * The fastest the stages allow, in events per second: one core running them
 * one after another, and `cores` cores sharing the same total work perfectly.
 */
export function stageBounds(costs: StageCosts, cores: number): { one: number; shared: number } {
  let total = 0;
  for (const stage of STAGES) total += costs.nsPerEvent[stage];
  const one = total > 0 ? 1e9 / total : Infinity;
  return { one, shared: one * Math.max(1, cores) };
}

/**
 * Runs `runs` passes with rules and `runs` without on `path`, alternating,
 * and returns the stage costs. Throws when two passes saw different inputs.
 */
export async function measureStages(path: string, runs: number): Promise<StageCosts> {
  const status = statusLine();
  const full: PassResult[] = [];
  const modelOnly: PassResult[] = [];
  const scanMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const withRules of [true, false]) {
      status.show(`stages of ${path}: pass ${3 * r + (withRules ? 1 : 2)} of ${3 * runs}`);
      const pass = await runPass(path, withRules);
      status.clear();
      if (pass.format !== "ftrace" && pass.format !== "trace-pipe" && pass.format !== "report") {
        throw new Error(`${path}: ${pass.format} input; the stage benchmark reads text traces`);
      }
      const first = full[0] ?? modelOnly[0];
      if (
        first !== undefined &&
        (pass.events !== first.events || pass.modelEvents !== first.modelEvents)
      ) {
        throw new Error(
          `${path}: a pass read ${pass.events} events (${pass.modelEvents} modelled), ` +
            `the first ${first.events} (${first.modelEvents})`,
        );
      }
      (withRules ? full : modelOnly).push(pass);
    }
    status.show(`stages of ${path}: pass ${3 * r + 3} of ${3 * runs} (scan only)`);
    const scanned = scanPass(path);
    status.clear();
    scanMs.push(scanned.ms);
    if (r === 0 && scanned.events !== full[0].events) {
      // Lines the reader skips (a clock mismatch, say) still scan as events.
      console.error(
        `note: ${path}: the scan pass saw ${scanned.events} event lines, the reader ` +
          `${full[0].events} events; the scan stage covers the difference too`,
      );
    }
  }
  return stageCosts(full, modelOnly, scanMs);
}

/** The stage table as printed. */
export function formatStages(costs: StageCosts, cores: number): string {
  const labels: Record<Stage, string> = {
    scan: "find and scan lines",
    build: "build kept records",
    normalize: "normalize to model events",
    model: "reference model",
    rules: `rules (${RULES.length})`,
  };
  const lines = [`stages, one thread, ${(costs.events / 1e6).toFixed(2)} M events:`];
  for (const stage of STAGES) {
    const ns = costs.nsPerEvent[stage];
    lines.push(
      `  ${labels[stage].padEnd(28)} ${ns.toFixed(0).padStart(6)} ns/event  ${
        (ns > 0 ? 1e3 / ns : Infinity).toFixed(2).padStart(7)
      } M events/s alone`,
    );
  }
  const bounds = stageBounds(costs, cores);
  lines.push(
    `  all stages: ${(bounds.one / 1e6).toFixed(2)} M events/s on one core; at most ${
      (bounds.shared / 1e6).toFixed(2)
    } M events/s with ${cores} cores sharing the same work perfectly`,
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const args = [...Deno.args];
  let runs = 3;
  const ri = args.indexOf("--runs");
  if (ri >= 0) {
    runs = Math.max(1, Number(args[ri + 1]) || 1);
    args.splice(ri, 2);
  }
  const target = args[0] ?? "dense";
  const path = RECIPES[target] !== undefined ? (await benchInput(target)).path : target;
  const cores = navigator.hardwareConcurrency ?? 1;
  console.log(formatStages(await measureStages(path, runs), cores));
}
