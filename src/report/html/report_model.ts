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
  readonly path: string;
  readonly format: string | null;
  readonly timeUnit: "ns" | "ticks";
  /** Absolute time of relative 0, in ns (decimal string, exact). */
  readonly origin: string;
  /** First and last event timestamps as ftrace prints them. */
  readonly firstTs: string;
  /** See {@link FileData.firstTs}. */
  readonly lastTs: string;
  /** Last event minus first, ns. */
  readonly span: number;
  readonly events: number;
  readonly lines: number;
  readonly skippedLines: number;
  readonly lostEvents: number;
  readonly undecoded: number;
  readonly unidentifiedKicks: number;
  readonly findings: number;
  /**
   * When the page shows a window of the input (`--from`, `--vcpu`, …): the
   * window in words and how many findings the whole input has.
   */
  readonly window: { readonly text: string; readonly findingsInInput: number } | null;
  /** Findings per severity (all of them, listed or not). */
  readonly severities: { readonly error: number; readonly warning: number; readonly info: number };
  readonly coverage: CoverageData;
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
  readonly count: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  /** Log₂ bins `[low, high, count]` (ns; the first bin may start at 0). */
  readonly bins: readonly (readonly [number, number, number])[];
}

/** Per-vCPU statistics (see `kvmreq analyze`). */
export interface StatsData {
  readonly requestsMade: readonly (readonly [string, number])[];
  readonly requestsServed: readonly (readonly [string, number])[];
  readonly kicks: readonly (readonly [string, number])[];
  readonly ipisSent: number;
  readonly ipisCoalesced: number;
  readonly entries: number;
  readonly exits: number;
  /** Time per state, ns. */
  readonly timeInMode: readonly (readonly [string, number])[];
  readonly serviceLatency: LatencyData;
  readonly kickToExit: LatencyData;
}

/** One evidence line. */
export interface EvidenceData {
  readonly line: number;
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
  readonly rule: string;
  readonly severity: "error" | "warning" | "info";
  readonly seed: string;
  readonly vm: string;
  readonly vcpu: number | null;
  /** Index into the file's rows, −1 when the vCPU is unknown. */
  readonly row: number;
  readonly line: number;
  /** Relative time, ns. */
  readonly t: number;
  /** The timestamp as printed. */
  readonly ts: string;
  readonly message: string;
  readonly evidence: readonly EvidenceData[];
  /** Evidence lines left out of the page. */
  readonly moreEvidence: number;
  readonly confidence: "normal" | "lowered";
  readonly note: string | null;
  /** What the threads did around it. */
  readonly context: ContextData;
}
