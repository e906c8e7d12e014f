/**
 * Test helper: splits simulated ftrace text into checked event lines. Written
 * independently of the simulator (and of kvmreq's reader) so the tests do not
 * grade the simulator with its own code.
 *
 * @module
 */

/** One event line. */
export interface SimLine {
  /** 1-based line number. */
  readonly line: number;
  /** Task name, padding removed. */
  readonly comm: string;
  /** Thread id. */
  readonly pid: number;
  /** CPU column. */
  readonly cpu: number;
  /** Flag column. */
  readonly flags: string;
  /** Microseconds. */
  readonly us: number;
  /** Event name. */
  readonly name: string;
  /** `key=value` fields (`vcpu N,` style is read as `vcpu=N`). */
  readonly f: Readonly<Record<string, string>>;
}

/** The exact layout of an event line: `%16s-%-7d [%03d] flags %5lu.%06lu: name: fields`. */
export const EVENT_LINE =
  /^([ -~]{16})-(\d+)( +)\[(\d{3})\] ([dD.][.Nn][.hs][.0-9a-f][.0-9a-f]) ( *\d+)\.(\d{6}): ([a-z_]+): (.+)$/;

/** The 12 header lines of the kernel's `trace` file. */
export const HEADER_PATTERNS: readonly RegExp[] = [
  /^# tracer: nop$/,
  /^#$/,
  /^# entries-in-buffer\/entries-written: (\d+)\/\1 {3}#P:\d+$/,
  /^#$/,
  /^# {32}_-----=> irqs-off\/BH-disabled$/,
  /^# {31}\/ _----=> need-resched$/,
  /^# {30}\| \/ _---=> hardirq\/softirq$/,
  /^# {30}\|\| \/ _--=> preempt-depth$/,
  /^# {30}\|\|\| \/ _-=> migrate-disable$/,
  /^# {30}\|\|\|\| \/ {5}delay$/,
  /^# {11}TASK-PID {5}CPU# {2}\|\|\|\|\| {2}TIMESTAMP {2}FUNCTION$/,
  /^# {14}\| \| {9}\| {3}\|\|\|\|\| {5}\| {9}\|$/,
];

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const words = text.split(" ");
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const eq = w.indexOf("=");
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
    else if (i + 1 < words.length && !(w in out)) out[w] = words[i + 1].replace(/,$/, "");
  }
  return out;
}

/** Parses every line of `text`; throws on the first line that breaks the layout. */
export function parseTrace(text: string): { header: string[]; events: SimLine[] } {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = lines.slice(0, HEADER_PATTERNS.length);
  header.forEach((h, i) => {
    if (!HEADER_PATTERNS[i].test(h)) {
      throw new Error(`header line ${i + 1} breaks the layout: ${h}`);
    }
  });
  const events: SimLine[] = [];
  for (let i = HEADER_PATTERNS.length; i < lines.length; i++) {
    const m = EVENT_LINE.exec(lines[i]);
    if (m === null || m[2].length + m[3].length !== 8 || m[6].length < 5) {
      throw new Error(`line ${i + 1} breaks the layout: ${lines[i]}`);
    }
    events.push({
      line: i + 1,
      comm: m[1].trimStart(),
      pid: Number(m[2]),
      cpu: Number(m[4]),
      flags: m[5],
      us: Number(m[6]) * 1_000_000 + Number(m[7]),
      name: m[8],
      f: fields(m[9]),
    });
  }
  return { header, events };
}
