/**
 * Task names by pid, as `trace-cmd report` finds them: the saved_cmdlines
 * copied into trace.dat, plus the names the sched plugin learns from
 * `sched_switch` / `sched_wakeup` records for pids that table lacks.
 * pid 0 is `<idle>`; unknown pids are `<...>`.
 *
 * @module
 */

const LINE = /^\s*([+-]?\d+)\s+([^\n]+)/;

/** pid → comm. */
export class CommTable {
  readonly #comms = new Map<number, string>();

  /** Loads saved_cmdlines text (`pid comm` lines); stops at the first bad line. */
  load(text: string): void {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const m = LINE.exec(line);
      if (!m) break;
      const pid = Number(m[1]) | 0;
      if (pid !== 0 && !this.#comms.has(pid)) this.#comms.set(pid, m[2]);
    }
  }

  /** The name of `pid` (`<idle>` for 0, `<...>` when unknown). */
  comm(pid: number): string {
    if (pid === 0) return "<idle>";
    return this.#comms.get(pid) ?? "<...>";
  }

  /** Adds a name for `pid` unless it already has one (libtraceevent's `tep_register_comm`). */
  learn(pid: number, comm: string): void {
    if (pid !== 0 && !this.#comms.has(pid)) this.#comms.set(pid, comm);
  }

  /** Number of known pids. */
  get size(): number {
    return this.#comms.size;
  }
}
