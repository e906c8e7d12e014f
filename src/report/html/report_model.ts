/**
 * The data `kvmreq report` embeds in its HTML page (as JSON in a
 * `<script type="application/json">`), and that the page's script reads.
 * Times are nanoseconds relative to the input's first event, as numbers;
 * series are flattened and delta-encoded to keep the page small.
 *
 * @module
 */

/** Everything the page shows. */
export interface ReportData {
  /** `kvmreq` and its version. */
  readonly tool: { readonly name: "kvmreq"; readonly version: string };
  /** Names of the row states, indexed by state code. */
  readonly states: readonly string[];
  /** Names of the thread scheduling states, indexed by code. */
  readonly threadStates: readonly string[];
  /** One entry per input. */
  readonly files: readonly FileData[];
  /** Findings listed with their evidence, all inputs, in lint's order. */
  readonly findings: readonly FindingData[];
  /** Findings counted but not listed (the list is capped), by rule id. */
  readonly unlisted: Readonly<Record<string, number>>;
  /** One-line description of each rule that has findings. */
  readonly rules: Readonly<Record<string, string>>;
}

/** What was checked, per input. */
export interface CoverageData {
  /** Rules checked, with the events that made them checkable. */
  readonly checked: readonly { readonly id: string; readonly using: string }[];
  /** Rules not checked, with what they need. */
  readonly notChecked: readonly { readonly id: string; readonly needs: string }[];
}

/** How much of the timeline was kept exactly, and how the rest was summarised. */
export interface DecimationData {
  /** True when every interval, kick and request is in the page. */
  readonly exact: boolean;
  /** Flattened `[start, end]` time windows drawn exactly (when not `exact`). */
  readonly windows: readonly number[];
  /** Mode intervals in the trace, and in the page. */
  readonly intervals: { readonly total: number; readonly kept: number };
  /** Kicks, IPI acks and other point events in the trace, and in the page. */
  readonly points: { readonly total: number; readonly kept: number };
  /** Requests (made → served) in the trace, and in the page. */
  readonly requests: { readonly total: number; readonly kept: number };
  /** Summary buckets per row over the whole time span. */
  readonly buckets: number;
  /** How many of the windows surround findings. */
  readonly findingWindows: number;
}

/** One input. */
export interface FileData {
  /** Input name. */
  readonly path: string;
  /** Input format, `null` when unknown. */
  readonly format: string | null;
  /** Unit of the trace's timestamps. */
  readonly timeUnit: "ns" | "ticks";
  /** Absolute time of relative 0, in ns (decimal string, exact). */
  readonly origin: string;
  /** First and last event timestamps as ftrace prints them. */
  readonly firstTs: string;
  /** See {@link FileData.firstTs}. */
  readonly lastTs: string;
  /** Last event minus first, ns. */
  readonly span: number;
  /** Events read. */
  readonly events: number;
  /** Lines read. */
  readonly lines: number;
  /** Lines skipped as unreadable. */
  readonly skippedLines: number;
  /** Events the ring buffers lost. */
  readonly lostEvents: number;
  /** Protocol events that could not be decoded. */
  readonly undecoded: number;
  /** Stock kicks whose target vCPU was not identified. */
  readonly unidentifiedKicks: number;
  /** Findings in the page. */
  readonly findings: number;
  /**
   * When the page shows a window of the input (`--from`, `--vcpu`, …): the
   * window in words and how many findings the whole input has.
   */
  readonly window: { readonly text: string; readonly findingsInInput: number } | null;
  /** Findings per severity (all of them, listed or not). */
  readonly severities: { readonly error: number; readonly warning: number; readonly info: number };
  /** Which rules were checked. */
  readonly coverage: CoverageData;
  /** What the page keeps of the timeline. */
  readonly decimation: DecimationData;
  /** Labels the rows' series refer to by index. */
  readonly labels: readonly string[];
  /**
   * One row per vCPU (ordered by VM then id: those with protocol events and
   * those identified by their thread), then one per host thread that kicked
   * a vCPU or made a request of one.
   */
  readonly rows: readonly RowData[];
}

/** Point-event kinds in {@link RowData.pt}. */
export const POINT_KINDS = [
  "kick ipi",
  "kick wake",
  "kick none",
  "kick self",
  "IPI ack",
  "posted interrupt",
  "request (no new bit)",
  "consumed, never made",
  "guest exit",
] as const;

/** One vCPU, or one host thread that acted on vCPUs. */
export interface RowData {
  /** A vCPU's row, or a host thread's (a kicker or requester that is no vCPU). */
  readonly kind: "vcpu" | "thread";
  /** VM id. */
  readonly vm: string;
  /** The vCPU id (−1 on a thread row). */
  readonly vcpu: number;
  /** The thread, `comm-pid`, when known. */
  readonly thread: string;
  /** Its thread id, when known. */
  readonly pid: number | null;
  /**
   * The thread's scheduling state over time, from sched_switch and wakeups:
   * flattened `[start − previous start, duration, state]`, state indexing
   * {@link ReportData.threadStates}; empty when the trace has no scheduling
   * events for it.
   */
  readonly th: readonly number[];
  /** Exact mode intervals, flattened `[start − previous start, duration, state]`. */
  readonly iv: readonly number[];
  /** Point events, flattened `[t − previous t, kind, label]`. */
  readonly pt: readonly number[];
  /** Requests, flattened `[made − previous made, latency or −1 if never served, label]`. */
  readonly rq: readonly number[];
  /** Dominant state per summary bucket: one character per bucket, `0`–`4`, `.` for none. */
  readonly sum: string;
  /** Point events per summary bucket (empty when exact). */
  readonly psum: readonly number[];
  /** The statistics of `analyze`. */
  readonly stats: StatsData;
}

/** A latency distribution. */
export interface LatencyData {
  /** Number of samples. */
  readonly count: number;
  /** Median, ns. */
  readonly p50: number | null;
  /** 99th percentile, ns. */
  readonly p99: number | null;
  /** Largest, ns. */
  readonly max: number | null;
  /** Log₂ bins `[low, high, count]` (ns; the first bin may start at 0). */
  readonly bins: readonly (readonly [number, number, number])[];
}

/** Per-vCPU statistics (see `kvmreq analyze`). */
export interface StatsData {
  /** Requests made of the vCPU, by name. */
  readonly requestsMade: readonly (readonly [string, number])[];
  /** Requests it served, by name. */
  readonly requestsServed: readonly (readonly [string, number])[];
  /** Kicks of it, by action. */
  readonly kicks: readonly (readonly [string, number])[];
  /** Kicks that sent it an IPI. */
  readonly ipisSent: number;
  /** Kicks that found it already exiting (no IPI needed). */
  readonly ipisCoalesced: number;
  /** Guest entries. */
  readonly entries: number;
  /** Guest exits. */
  readonly exits: number;
  /** Time per state, ns. */
  readonly timeInMode: readonly (readonly [string, number])[];
  /** Request service latency (made → consumed). */
  readonly serviceLatency: LatencyData;
  /** Kick with IPI → next guest exit. */
  readonly kickToExit: LatencyData;
}

/** One evidence line. */
export interface EvidenceData {
  /** Input line. */
  readonly line: number;
  /** The line as the trace printed it. */
  readonly text: string;
  /** Relative time, ns (`null` for lost-event markers). */
  readonly t: number | null;
  /**
   * The stack trace attached to the event (its tracing frames left out),
   * innermost first: for a stock kick, the frames that prove it.
   */
  readonly stack?: readonly string[];
}

/** Events around a finding that concern its threads: scheduling, guest entries and exits. */
export interface ContextData {
  /** Before the finding's event, in trace order. */
  readonly before: readonly EvidenceData[];
  /** After it. */
  readonly after: readonly EvidenceData[];
}

/** One finding. */
export interface FindingData {
  /** Index into {@link ReportData.files}. */
  readonly file: number;
  /** Rule id. */
  readonly rule: string;
  /** Severity. */
  readonly severity: "error" | "warning" | "info";
  /** The seed document's sections the rule enforces, by heading. */
  readonly seeds: readonly string[];
  /** VM id. */
  readonly vm: string;
  /** vCPU id, `null` when unknown. */
  readonly vcpu: number | null;
  /** Index into the file's rows, −1 when the vCPU is unknown. */
  readonly row: number;
  /** Input line of the event it is located at. */
  readonly line: number;
  /** Relative time, ns. */
  readonly t: number;
  /** The timestamp as printed. */
  readonly ts: string;
  /** What is wrong. */
  readonly message: string;
  /** Evidence lines in the page. */
  readonly evidence: readonly EvidenceData[];
  /** Evidence lines left out of the page. */
  readonly moreEvidence: number;
  /** `lowered` when events were lost near the evidence. */
  readonly confidence: "normal" | "lowered";
  /** Why confidence is lowered, `null` otherwise. */
  readonly note: string | null;
  /** What the threads did around it. */
  readonly context: ContextData;
}
