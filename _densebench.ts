import { openInputs } from "./src/cli/trace_input.ts";
import { lintInput } from "./src/rules/lint_input.ts";
import { ruleOptionsFrom, selectRules } from "./src/cli/lint_command.ts";
import { MODEL_EVENT_NAMES } from "./src/model/normalize.ts";
const path = Deno.args[0];
const runs = Number(Deno.args[1] ?? 5);
let best = Infinity;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  let n = 0;
  for await (const input of openInputs([path], { keepEvent: (x) => MODEL_EVENT_NAMES.has(x) })) {
    const { rules, severities } = selectRules({ rule: [], disable: [] } as never, undefined);
    const r = await lintInput(input, { rules, severities, ruleOptions: ruleOptionsFrom({} as never, undefined) });
    n += r.findings.length;
  }
  const dt = performance.now() - t0;
  if (dt < best) best = dt;
}
console.log(`best ${best.toFixed(0)} ms`);
