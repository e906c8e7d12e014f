/**
 * The command line of `deno task lab`.
 *
 * @module
 */

/** What one run of the lab does. */
export interface LabOptions {
  /** Workloads to run (empty: all of them). */
  readonly workloads: readonly string[];
  /** Mutant id (`M03`) applied on top of the series. */
  readonly mutant?: string;
  /** Build stock KVM (no patches) whatever the series holds. */
  readonly stock: boolean;
  /** Where traces go (default traces/lab, or traces/lab/mutants with a mutant). */
  readonly out?: string;
  /** Skip linting the traces. */
  readonly lint: boolean;
  /** Keep the guest's files (initramfs, disk image, console log) in the run directory. */
  readonly keep: boolean;
  /** vCPUs of the QEMU machine that runs the nested KVM. */
  readonly smp: number;
  /** make -j for kernel builds. */
  readonly jobs: number;
  /** Seconds the guest may run before QEMU is stopped (default: {@link defaultTimeout}). */
  readonly timeoutSec?: number;
  /** Record each workload with trace-cmd in the guest: a trace.dat and its report text. */
  readonly dat: boolean;
  /** One long trace-cmd recording of the workloads run over and over (for benchmarks). */
  readonly big: boolean;
  /** How long the `--big` workloads run, guest seconds. */
  readonly seconds: number;
  /** Repeat count of each workload's main loop (`LAB_ROUNDS` in the guest); default: the workload's. */
  readonly rounds?: number;
  /** Only list the workloads. */
  readonly list: boolean;
  /** Stop after building the modules (for patch and mutant builds). */
  readonly buildOnly: boolean;
  /** Print help. */
  readonly help: boolean;
}

/** A command-line mistake, said as one line. */
export class UsageError extends Error {
  /** A usage error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The help text of `deno task lab`. */
export const LAB_HELP = `deno task lab — real KVM traces from a nested-KVM lab (QEMU TCG with SVM)

Usage: deno task lab [OPTIONS]

Boots Debian's 6.12.118 kernel under qemu-system-x86_64 (TCG, -cpu EPYC,+svm),
loads KVM modules built from Debian's linux-source-6.12 with the tracepoint
series kernel/patches/linux-6.12/*.patch applied (an empty series builds stock
KVM), runs each workload of kernel/lab/workloads/*.c in the guest with the
kvm:*, ipi:*, csd:* and scheduler events enabled (a stack trace on kicks and on
wakeups of vCPU threads), writes traces/lab/<workload>.trace and lints each with
kvmreq.

Steps (each cached: a second run with the same patches takes a few minutes):
  prerequisites   apt-get install what is missing (qemu-system-x86, busybox-static,
                  gcc, make, flex, bison, bc, libelf-dev, libssl-dev, dwarves, …)
  download        apt-get download of the five pinned 6.12.118-1~deb12u1 packages
  unpack          dpkg-deb -x of the image and headers packages
  prepare         the source unpacked, .config and Module.symvers from the headers,
                  make olddefconfig modules_prepare (once)
  build           the series (and mutant) applied to a hard-linked copy of the tree,
                  make M=arch/x86/kvm modules (once per set of patches)
  workloads       gcc -O2 -static -pthread of each workload
  initramfs       busybox, the workloads, kvm.ko/kvm-amd.ko and their dependencies
  boot            QEMU runs every workload; traces come out on a raw virtio disk
  traces          header added, checksums verified, written to the output directory
  lint            kvmreq lint of each trace (its verdict printed)

Options:
  --workload NAME   run only this workload (repeatable; default: all)
  --mutant MNN      apply kernel/mutants/MNN-*.patch on top of the series; the trace
                    goes to traces/lab/mutants/MNN-<what-it-breaks>.trace (one workload)
                    or MNN-<what-it-breaks>-<workload>.trace (several)
  --stock           build stock KVM, ignoring the series: traces go to traces/lab/stock
                    (what an unpatched kernel shows: kvm:*, ipi:*, csd:*, sched)
  --out DIR         write traces to DIR instead
  --no-lint         do not lint the traces
  --keep            keep the run directory (initramfs, disk image, console log)
  --smp N           vCPUs of the QEMU machine (default 2)
  --jobs N          make -j for the kernel builds (default 2)
  --timeout SEC     stop QEMU after SEC seconds (default 900; --big: --seconds + 1800)
  --dat             record each workload with trace-cmd record inside the guest
                    (Debian's trace-cmd 3.1.6 and its libraries, apt-get download'ed
                    into the cache): DIR/lab-<workload>.dat (trace-cmd's default file
                    version and compression) and DIR/lab-<workload>.report.txt
                    (trace-cmd report, made in the guest and checked byte for byte
                    against the host's trace-cmd when it has one); DIR = --out or
                    $KVMREQ_LAB_CACHE/dat. Lint compares kvmreq on the .dat and on
                    the text: the same findings or the lab fails
  --big             one long trace-cmd recording for benchmarks (issue 17): the
                    workloads (default: all that need no kvm_amd reload) run one
                    after the other, over and over, for --seconds under a single
                    trace-cmd record (QEMU TCG single-threaded, guest -m 6144);
                    writes DIR/big.dat, DIR/big.trace (its trace-cmd report text)
                    and DIR/big.txt (how it was made, sizes, times, events); DIR =
                    --out, else $KVMREQ_BIG_DIR, else /work/big (bench/run.ts reads
                    the same; never the repository)
  --seconds S       how long the --big workloads run (default 660: about 4 M events
                    under single-threaded TCG, ~6 k events/s)
  --rounds N        repeat each workload's main loop N times instead of its default
                    (LAB_ROUNDS in the guest: ipi 24 IPIs per phase, signals 12,
                    irq-inject 16, memslot/dirty-log/shadow-mmu 8, clock 4 s)
  --build-only      stop after building the KVM modules (to test a patch or mutant)
  --list            list the workloads and what each exercises
  -h, --help        this help

Environment:
  KVMREQ_LAB_CACHE  cache directory (default $HOME/.cache/kvmreq-lab): debs, the
                    prepared source (~1.6 GB), patched trees, modules, logs
  KVMREQ_BIG_DIR    where --big writes (default /work/big); bench/run.ts reads the
                    same directory

Examples:
  deno task lab                                # every workload, traces/lab/*.trace
  deno task lab --workload ipi --keep          # one workload, keep the guest's files
  deno task lab --mutant M04 --workload ipi    # a seeded bug (issue 15)
  deno task lab --build-only                   # does the series build?
  deno task lab --dat --workload ipi           # trace.dat of one workload
  deno task lab --big                          # big.dat + big.trace for deno task bench
`;

function intArg(flag: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} ${v}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** Parses the lab's arguments; throws {@link UsageError} on a mistake. */
export function parseLabArgs(args: readonly string[]): LabOptions {
  const workloads: string[] = [];
  let mutant: string | undefined;
  let stock = false;
  let out: string | undefined;
  let lint = true;
  let keep = false;
  let smp = 2;
  let jobs = 2;
  let timeoutSec: number | undefined;
  let dat = false;
  let big = false;
  let seconds = 660;
  let rounds: number | undefined;
  let list = false;
  let buildOnly = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined || v.startsWith("-")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--workload":
        workloads.push(value());
        break;
      case "--mutant": {
        const m = value().toUpperCase();
        if (!/^M\d\d$/.test(m)) throw new UsageError(`--mutant ${m}: expected an id like M03`);
        mutant = m;
        break;
      }
      case "--stock":
        stock = true;
        break;
      case "--out":
        out = value();
        break;
      case "--no-lint":
        lint = false;
        break;
      case "--keep":
        keep = true;
        break;
      case "--smp":
        smp = intArg(flag, value(), 2, 8);
        break;
      case "--jobs":
        jobs = intArg(flag, value(), 1, 64);
        break;
      case "--timeout":
        timeoutSec = intArg(flag, value(), 10, 24 * 3600);
        break;
      case "--dat":
        dat = true;
        break;
      case "--big":
        big = true;
        break;
      case "--seconds":
        seconds = intArg(flag, value(), 5, 24 * 3600);
        break;
      case "--rounds":
        rounds = intArg(flag, value(), 1, 30000);
        break;
      case "--list":
        list = true;
        break;
      case "--build-only":
        buildOnly = true;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${a} (deno task lab --help lists the options)`);
    }
  }
  if (stock && mutant !== undefined) {
    throw new UsageError("--stock and --mutant exclude each other");
  }
  if (dat && big) throw new UsageError("--dat and --big exclude each other");
  return {
    workloads,
    mutant,
    stock,
    out,
    lint,
    keep,
    smp,
    jobs,
    timeoutSec,
    dat,
    big,
    seconds,
    rounds,
    list,
    buildOnly,
    help,
  };
}

/** QEMU's time limit: `--timeout`, else 900 s, or for `--big` its seconds + 1800 s. */
export function defaultTimeout(opts: LabOptions): number {
  if (opts.timeoutSec !== undefined) return opts.timeoutSec;
  return opts.big ? opts.seconds + 1800 : 900;
}
