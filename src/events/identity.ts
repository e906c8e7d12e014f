/**
 * Which thread is which vCPU, and which vCPU runs on which physical CPU, as
 * far as the trace says — never guessed. Learned from `kvm_entry: vcpu N`
 * (the thread entering is vCPU N), QEMU's `CPU N/KVM` thread names
 * (`-name guest,debug-threads=on`), and the vCPU thread's own protocol
 * events; CPU occupancy from every event's CPU column and `sched_switch`.
 *
 * @module
 */

/** What is known of one thread. */
export interface ThreadIdentity {
  /** vCPU id. */
  readonly vcpu: number;
  /** How it was learned. */
  readonly source: "kvm_entry" | "comm" | "protocol";
}

const COMM_VCPU = /^CPU (\d+)\/KVM$/;

/** CPUs below this are tracked in an array (every event updates its CPU's entry). */
const DENSE_CPUS = 1024;

/** Tracks thread → vCPU and CPU → running thread over a trace. */
export class VcpuIdentity {
  readonly #threads = new Map<number, ThreadIdentity>();
  /** Running thread per CPU: an array for small CPU numbers, a map for others. */
  readonly #runningDense: (number | undefined)[] = [];
  readonly #running = new Map<number, number>();

  /** Records that `pid` is vCPU `vcpu`, learned from `source` (entry ids win over names). */
  learn(pid: number, vcpu: number, source: ThreadIdentity["source"]): void {
    const known = this.#threads.get(pid);
    if (known === undefined || (source === "kvm_entry" && known.source !== "kvm_entry")) {
      this.#threads.set(pid, { vcpu, source });
    }
  }

  /** Notes an event by `pid` named `comm` on `cpu`: it runs there now, and its name may say which vCPU it is. */
  observe(pid: number, comm: string, cpu: number): void {
    this.#setRunning(cpu, pid);
    if (comm.charCodeAt(0) === 67 /* C */ && !this.#threads.has(pid)) {
      const m = COMM_VCPU.exec(comm);
      if (m !== null) this.learn(pid, Number(m[1]), "comm");
    }
  }

  /** Notes a context switch to `pid` on `cpu`. */
  switchedTo(cpu: number, pid: number): void {
    this.#setRunning(cpu, pid);
  }

  /** The vCPU thread `pid` is, when known. */
  vcpuOfThread(pid: number): ThreadIdentity | undefined {
    return this.#threads.get(pid);
  }

  /** The vCPU whose thread last ran on `cpu`, when that thread's identity is known. */
  vcpuOnCpu(cpu: number): ThreadIdentity | undefined {
    let pid: number | undefined;
    if (cpu >= 0 && cpu < DENSE_CPUS && Number.isInteger(cpu)) pid = this.#runningDense[cpu];
    else pid = this.#running.get(cpu);
    return pid === undefined ? undefined : this.#threads.get(pid);
  }

  #setRunning(cpu: number, pid: number): void {
    if (cpu >= 0 && cpu < DENSE_CPUS && Number.isInteger(cpu)) {
      const dense = this.#runningDense;
      while (dense.length < cpu) dense.push(undefined);
      dense[cpu] = pid;
    } else this.#running.set(cpu, pid);
  }

  /** Every identified thread: id and identity, in the order they were learned. */
  threads(): IterableIterator<[number, ThreadIdentity]> {
    return this.#threads.entries();
  }

  /** Number of threads identified. */
  get size(): number {
    return this.#threads.size;
  }
}
