/**
 * Summarizes a V8 CPU profile (`deno run --cpu-prof --cpu-prof-dir=DIR …`)
 * by pipeline stage (the `src/` directory a function lives in) and by
 * function (self time), so a profile can be read, compared and quoted.
 *
 * ```sh
 * deno run -A --cpu-prof --cpu-prof-dir=/tmp/prof main.ts lint big.trace > /dev/null
 * deno run --allow-read scripts/profile_summary.ts /tmp/prof/CPU.*.cpuprofile 25
 * ```
 *
 * @module
 */

/** The parts of a `.cpuprofile` used here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The pipeline stage of a function, from its file. */
export function stageOf(url: string, fn: string): string {
  if (fn === "(idle)") return "idle";
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)") return "V8 (program)";
  const m = /\/src\/([a-z_]+)\//.exec(url);
  if (m) return `src/${m[1]}`;
  if (url.includes("/@optique/") || url.includes("/zod/")) return "CLI libraries";
  if (url.startsWith("ext:") || fn.startsWith("op_")) return "Deno runtime";
  return "other";
}

/** Self time (µs) per key, over all samples of `p`. */
function selfTimes(p: CpuProfile, key: (url: string, fn: string, line: number) => string) {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const cf = byId.get(p.samples[i]);
    if (cf === undefined) continue;
    const k = key(cf.url, cf.functionName, cf.lineNumber);
    out.set(k, (out.get(k) ?? 0) + dt);
    total += dt;
  }
  return { out, total };
}

function table(rows: Map<string, number>, total: number, limit: number): string {
  return [...rows].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, us]) =>
    `${(100 * us / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`
  ).join("\n");
}

/** The summary text of profile `p`: stages, then the `top` functions by self time. */
export function summarize(p: CpuProfile, top = 25): string {
  const stages = selfTimes(p, (url, fn) => stageOf(url, fn));
  const fns = selfTimes(p, (url, fn, line) => {
    const where = url.split("/").slice(-2).join("/");
    return `${fn || "(anonymous)"} ${where}${where ? `:${line + 1}` : ""}`;
  });
  return `total ${(stages.total / 1000).toFixed(0)} ms\n\nby stage:\n${
    table(stages.out, stages.total, 20)
  }\n\nby function (self time):\n${table(fns.out, fns.total, top)}`;
}

if (import.meta.main) {
  const [file, n] = Deno.args;
  if (file === undefined) {
    console.error("usage: profile_summary.ts PROFILE.cpuprofile [TOP]");
    Deno.exit(2);
  }
  console.log(summarize(JSON.parse(Deno.readTextFileSync(file)) as CpuProfile, Number(n ?? 25)));
}
