import { equal, match } from "node:assert/strict";
import { type CpuProfile, stageOf, summarize } from "../../scripts/profile_summary.ts";

Deno.test("profile summary: stages from file paths", () => {
  equal(stageOf("file:///w/src/ingest/ascii.ts", "get"), "src/ingest");
  equal(stageOf("file:///w/src/check/checker.ts", "push"), "src/check");
  equal(stageOf("", "(garbage collector)"), "GC");
  equal(stageOf("file:///c/npm/@optique/core/dist/x.js", "f"), "CLI libraries");
  equal(stageOf("ext:core/01_core.js", "f"), "Deno runtime");
});

Deno.test("profile summary: self time per stage and per function, largest first", () => {
  const frame = (id: number, functionName: string, url: string) => ({
    id,
    callFrame: { functionName, url, lineNumber: id },
  });
  const p: CpuProfile = {
    nodes: [
      frame(1, "scan", "file:///w/src/ingest/ftrace_line.ts"),
      frame(2, "apply", "file:///w/src/model/protocol_model.ts"),
      frame(3, "(garbage collector)", ""),
    ],
    samples: [1, 1, 1, 2, 3, 1],
    timeDeltas: [1000, 1000, 1000, 2000, 1000, 2000],
  };
  const text = summarize(p, 2);
  match(text, /^total 8 ms/);
  match(
    text,
    /by stage:\n 62\.5%\s+5 ms {2}src\/ingest\n 25\.0%\s+2 ms {2}src\/model\n 12\.5%\s+1 ms {2}GC/,
  );
  match(
    text,
    /by function \(self time\):\n 62\.5%\s+5 ms {2}scan ingest\/ftrace_line\.ts:2\n 25\.0%/,
  );
  equal(text.split("by function")[1].trim().split("\n").length, 3); // header + top 2
});
