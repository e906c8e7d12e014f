/**
 * The zod schema of `kvmreq lint --format json` (the contract for tools
 * that read it). Tests validate reports against it; `kvmreq lint` itself
 * only uses its type, so zod is not loaded to print a report.
 *
 * @module
 */

import { z } from "zod";

const evidenceSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  timestamp: z.string(),
  text: z.string(),
  stack: z.array(z.string()).optional(),
});

/** One finding in the JSON report. */
export const jsonFindingSchema = z.object({
  ruleId: z.string(),
  severity: z.enum(["error", "warning", "info"]),
  seedSections: z.array(z.string()).min(1),
  vm: z.string(),
  vcpu: z.number().int().nullable(),
  file: z.string(),
  line: z.number().int(),
  timestamp: z.string(),
  message: z.string(),
  evidence: z.array(evidenceSchema).min(1),
  confidence: z.enum(["normal", "lowered"]),
  confidenceNote: z.string().optional(),
  /** The call site of the event the finding is located at, when it names one. */
  site: z.string().optional(),
  /**
   * What identical findings share (rule, severity, vCPU, site or message):
   * the text report shows the findings of one group once, with their count.
   */
  group: z.string(),
});

/** The JSON report: one entry per input, and totals. */
export const lintReportSchema = z.object({
  tool: z.object({ name: z.literal("kvmreq"), version: z.string() }),
  files: z.array(z.object({
    file: z.string(),
    format: z.string().nullable(),
    timeUnit: z.enum(["ns", "ticks"]),
    events: z.number().int(),
    lines: z.number().int(),
    skippedLines: z.number().int(),
    /** Damaged parts of a trace.dat skipped (pages, compressed chunks; absent when none): their events are missing. */
    damagedParts: z.number().int().optional(),
    lostEvents: z.number().int(),
    vcpus: z.number().int(),
    /** The kernel tables used: version, architecture, and what chose them. */
    kernel: z.object({
      version: z.string(),
      arch: z.string(),
      release: z.string().nullable(),
      source: z.enum(["uname", "header", "option", "default"]),
      note: z.string(),
    }),
    findings: z.array(jsonFindingSchema),
    checkedRules: z.array(z.string()),
    notCheckedRules: z.array(z.object({ id: z.string(), needs: z.array(z.array(z.string())) })),
    undecodedProtocolEvents: z.number().int(),
    /**
     * When the findings were cut to a window (`--from`, `--vcpu`, …): the
     * window in words and how many findings the whole input has.
     */
    window: z.object({ text: z.string(), findingsInInput: z.number().int() }).optional(),
  })),
  totals: z.object({
    error: z.number().int(),
    warning: z.number().int(),
    info: z.number().int(),
    /** Findings per rule id. */
    byRule: z.record(z.string(), z.number().int()),
  }),
});

/** The JSON report's type. */
export type LintReport = z.infer<typeof lintReportSchema>;
