/**
 * `kvmreq lint --format json` (the contract for tools that read it): its
 * types, written out and documented field by field, and a zod schema that
 * {@link parseLintReport} validates reports with. A type-level check below
 * fails to compile when the schema and the types say different things.
 * `kvmreq lint` itself only uses the types, so zod is not loaded to print a
 * report.
 *
 * @module
 */

import { z } from "zod";

/** One line of a finding's evidence. */
export interface JsonEvidence {
  /** The input it is from. */
  file: string;
  /** Its line (record number for trace.dat). */
  line: number;
  /** Its timestamp, as the trace prints it. */
  timestamp: string;
  /** The event, as one ftrace-style line. */
  text: string;
  /** Its stack trace's frames, when one was recorded. */
  stack?: string[];
}

/** One finding in the JSON report. */
export interface JsonFinding {
  /** The rule that reports it. */
  ruleId: string;
  /** Its severity. */
  severity: "error" | "warning" | "info";
  /** The headings of vcpu-requests.rst the rule enforces, the main one first. */
  seedSections: string[];
  /** The VM concerned (`0` when the trace names none). */
  vm: string;
  /** The vCPU concerned, `null` when unknown. */
  vcpu: number | null;
  /** The input it is in. */
  file: string;
  /** The line of the event it is located at. */
  line: number;
  /** That event's timestamp, as the trace prints it. */
  timestamp: string;
  /** What is wrong, in a kernel engineer's words. */
  message: string;
  /** The events that prove it, in trace order. */
  evidence: JsonEvidence[];
  /** `lowered` near lost events or in traces that cannot show everything. */
  confidence: "normal" | "lowered";
  /** Why the confidence is lowered. */
  confidenceNote?: string;
  /** The call site of the event the finding is located at, when it names one. */
  site?: string;
  /**
   * What identical findings share (rule, severity, vCPU, site or message):
   * the text report shows the findings of one group once, with their count.
   */
  group: string;
}

/** The kernel tables a report used: version, architecture, and what chose them. */
export interface JsonKernel {
  /** The table's kernel version (`6.12`, `6.18`). */
  version: string;
  /** The architecture. */
  arch: string;
  /** The kernel release the input names, `null` when it names none. */
  release: string | null;
  /** What chose the version: the trace.dat's uname, a `# kernel:` header, `--kernel`, or the default. */
  source: "uname" | "header" | "option" | "default";
  /** The choice in words. */
  note: string;
}

/** What the report says about one input. */
export interface JsonFileReport {
  /** The input's name as given. */
  file: string;
  /** Its format, `null` when not known. */
  format: string | null;
  /** Unit of its timestamps. */
  timeUnit: "ns" | "ticks";
  /** Event lines read. */
  events: number;
  /** Lines read. */
  lines: number;
  /** Lines skipped. */
  skippedLines: number;
  /** Damaged parts of a trace.dat skipped (pages, compressed chunks; absent when none): their events are missing. */
  damagedParts?: number;
  /** Events the ring buffer lost. */
  lostEvents: number;
  /** vCPUs seen. */
  vcpus: number;
  /** The kernel tables used. */
  kernel: JsonKernel;
  /** Its findings, in trace order. */
  findings: JsonFinding[];
  /** Ids of the rules the input let kvmreq check. */
  checkedRules: string[];
  /** The rules it did not, with what each needs (alternatives of event names and capabilities). */
  notCheckedRules: { id: string; needs: string[][] }[];
  /** Protocol events whose fields could not be decoded. */
  undecodedProtocolEvents: number;
  /**
   * When the findings were cut to a window (`--from`, `--vcpu`, …): the
   * window in words and how many findings the whole input has.
   */
  window?: { text: string; findingsInInput: number };
}

/** The JSON report: one entry per input, and totals. */
export interface LintReport {
  /** The tool and its version. */
  tool: { name: "kvmreq"; version: string };
  /** One entry per input, in the order given. */
  files: JsonFileReport[];
  /** Findings of every input by severity, and per rule id. */
  totals: { error: number; warning: number; info: number; byRule: Record<string, number> };
}

const evidenceSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  timestamp: z.string(),
  text: z.string(),
  stack: z.array(z.string()).optional(),
});

const jsonFindingSchema = z.object({
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

const lintReportSchema = z.object({
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

/** True when `A` and `B` are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

// Compiles only while the schema and the documented types agree.
const SCHEMA_MATCHES_TYPES: Same<z.infer<typeof lintReportSchema>, LintReport> = true;
void SCHEMA_MATCHES_TYPES;

/**
 * `value` (a parsed JSON document) as a {@link LintReport}; throws a zod
 * error naming the first field that breaks the contract.
 */
export function parseLintReport(value: unknown): LintReport {
  return lintReportSchema.parse(value);
}
