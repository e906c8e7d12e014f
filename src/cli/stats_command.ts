/**
 * `kvmreq stats FILE...`: what each input holds and how every line was read.
 *
 * @module
 */

import { command, constant, merge, object, option, withDefault } from "@optique/core";
import { message } from "@optique/core/message";
import type { InferValue } from "@optique/core/parser";
import { choice } from "@optique/core/valueparser";
import { addCount } from "../ingest/read_stats.ts";
import { formatStatsText, type StatsSummary, summarizeStats } from "../report/stats_summary.ts";
import { readOptions, traceFiles } from "./common_options.ts";
import { EXIT } from "./exit_codes.ts";
import { examples } from "./help_text.ts";
import type { TextSink } from "./output.ts";
import { exitCodeWith, forEachInput } from "./trace_input.ts";

/** The parsed options of `kvmreq stats`. */
export const statsCommand = command(
  "stats",
  merge(
    object({
      command: constant("stats"),
      format: withDefault(
        option("-f", "--format", choice(["text", "json"]), {
          description: message`Output format.`,
        }),
        "text" as const,
      ),
    }),
    readOptions,
    object({ files: traceFiles }),
  ),
  {
    brief: message`Summarize traces: span, events per name, CPU and comm, lost and skipped lines.`,
    description:
      message`Every input line is counted exactly once, as an event, a stack line, a header \
line, a marker or a skipped line (by reason, with the first line numbers), so nothing is dropped \
silently: lines = events + stack lines + header lines + markers + skipped.`,
    footer: examples(
      "kvmreq stats traces/",
      [
        "kvmreq stats --format json /sys/kernel/tracing/trace | jq .skipped",
        "why lines were skipped",
      ],
    ),
  },
);

/** Options of {@link runStats}. */
export type StatsOptions = InferValue<typeof statsCommand>;

/** Runs `kvmreq stats`; returns the exit code. */
export async function runStats(opts: StatsOptions, out: TextSink): Promise<number> {
  const all: StatsSummary[] = [];
  const inputs = await forEachInput(
    opts.files,
    { ...opts, allFormats: true, describeOnly: true },
    async (input) => {
      const comms = new Map<string, number>();
      for await (const batch of input.batches()) {
        for (const r of batch) if (r.type === "event") addCount(comms, r.comm);
      }
      const summary = summarizeStats(
        input.reader.stats,
        comms,
        input.reader.timeSpan(),
        input.reader.datStats,
      );
      if (opts.format === "text") {
        await out.write((all.length > 0 ? "\n" : "") + formatStatsText(summary));
      }
      all.push(summary);
    },
  );
  if (opts.format === "json") {
    await out.write(JSON.stringify(all.length === 1 ? all[0] : all, null, 2) + "\n");
  }
  return exitCodeWith(EXIT.ok, inputs);
}
