/**
 * The kernel versions and architectures kvmreq has tables for, and how the
 * tables for one trace are chosen: from what the trace says (a trace.dat's
 * uname option, a `# kernel:` header comment), from `--kernel`/`--arch`, or
 * else the newest known version — always with a sentence saying which and
 * why, so a report never silently applies 6.18's tables to a 6.12 trace.
 *
 * Requests are added, renamed and removed between kernel versions (6.12's
 * bit 37 is KVM_REQ_MSR_FILTER_CHANGED, 6.18's is KVM_REQ_RECALC_INTERCEPTS),
 * kick call sites move (vmx_pi_start_assignment became vmx_pi_start_bypass)
 * and the kick itself changed shape (6.12's out-of-line kvm_vcpu_kick() is an
 * inline wrapper of __kvm_vcpu_kick(vcpu, wait) in 6.18). Every per-version
 * table row names the versions whose source it was checked against.
 *
 * @module
 */

import type { KernelHint } from "./kernel_hint.ts";

/** Kernel versions (major.minor) with request and kick-site tables. */
export const KERNEL_VERSIONS = ["6.12", "6.18"] as const;

/** A kernel version kvmreq has tables for. */
export type KernelVersion = typeof KERNEL_VERSIONS[number];

/** The newest known version: the tables used when a trace does not say its kernel. */
export const NEWEST_KERNEL: KernelVersion = "6.18";

/** Architectures with tables (x86 now; others are data to add later). */
export const KERNEL_ARCHES = ["x86_64"] as const;

/** An architecture kvmreq has tables for. */
export type KernelArch = typeof KERNEL_ARCHES[number];

/** Where each known version's facts were read. */
export const KERNEL_SOURCES: Readonly<Record<KernelVersion, string>> = {
  "6.12": "Debian linux-source-6.12 6.12.118-1~deb12u1",
  "6.18": "linux-6.18.y (mainline)",
};

/** Where the kernel a trace ran on was learned. */
export type KernelSource = "uname" | "header" | "option" | "default";

export type { KernelHint };

/** The tables chosen for one trace, and why. */
export interface KernelChoice {
  /** The version whose tables apply. */
  readonly version: KernelVersion;
  /** The architecture whose tables apply. */
  readonly arch: KernelArch;
  /** The release the trace or option named, when one was. */
  readonly release: string | undefined;
  /** Where the version came from. */
  readonly source: KernelSource;
  /** One sentence for reports: which tables, and why. */
  readonly note: string;
}

/** `6.12.118+deb12-amd64` → `[6, 12]`; `undefined` when it is not a release. */
export function parseRelease(text: string): readonly [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?![\d])/.exec(text.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

function versionKey(v: string): number {
  const [a, b] = v.split(".").map(Number);
  return a * 1000 + b;
}

/**
 * The known version whose tables fit `release` best: the same major.minor,
 * else the newest known version older than it, else the oldest known one.
 * `exact` says whether the release is a known version.
 */
export function closestKnownVersion(
  release: readonly [number, number],
): { readonly version: KernelVersion; readonly exact: boolean } {
  const key = release[0] * 1000 + release[1];
  const sorted = [...KERNEL_VERSIONS].sort((a, b) => versionKey(a) - versionKey(b));
  const same = sorted.find((v) => versionKey(v) === key);
  if (same !== undefined) return { version: same, exact: true };
  const older = sorted.filter((v) => versionKey(v) < key).at(-1);
  return { version: older ?? sorted[0], exact: false };
}

/** `x86_64`, `amd64`, `i686` → `x86_64`; `undefined` for an architecture without tables. */
export function knownArch(machine: string): KernelArch | undefined {
  const m = machine.trim().toLowerCase();
  if (m === "x86_64" || m === "amd64" || m === "x86" || /^i[3-6]86$/.test(m)) return "x86_64";
  return undefined;
}

const FROM_WORDS: Readonly<Record<"uname" | "header", string>> = {
  uname: "the trace.dat uname",
  header: "the trace's `# kernel:` header",
};

/**
 * Chooses the tables for a trace: `option` (`--kernel VERSION`) wins, then
 * what the trace says (`hint`), then {@link NEWEST_KERNEL}. A release that is
 * not a known version gets the closest older known tables, said in the note.
 * Only x86 has tables; another architecture named by the trace is reported
 * in the note and x86's tables are used.
 */
export function chooseKernel(
  hint: KernelHint = {},
  option?: { readonly version?: string; readonly arch?: string },
): KernelChoice {
  const archText = option?.arch ?? hint.arch;
  const arch = archText === undefined ? "x86_64" : knownArch(archText);
  const archNote = archText !== undefined && arch === undefined
    ? `; ${archText} has no tables yet, x86_64's are used`
    : "";
  const pick = (
    release: string,
    source: KernelSource,
    said: string,
  ): KernelChoice | undefined => {
    const parsed = parseRelease(release);
    if (parsed === undefined) return undefined;
    const { version, exact } = closestKnownVersion(parsed);
    const how = exact ? said : `${said}, not a known version: the closest older known tables`;
    return {
      version,
      arch: arch ?? "x86_64",
      release,
      source,
      note: `kernel ${version} ${arch ?? "x86_64"} tables (${how}${archNote})`,
    };
  };
  if (option?.version !== undefined) {
    const also = hint.release === undefined
      ? ""
      : `; ${FROM_WORDS[hint.from ?? "header"]} says ${hint.release}`;
    const chosen = pick(option.version, "option", `--kernel ${option.version}${also}`);
    if (chosen !== undefined) return chosen;
  }
  if (hint.release !== undefined) {
    const from = hint.from ?? "header";
    const chosen = pick(hint.release, from, `${FROM_WORDS[from]} says ${hint.release}`);
    if (chosen !== undefined) return chosen;
  }
  return {
    version: NEWEST_KERNEL,
    arch: arch ?? "x86_64",
    release: undefined,
    source: "default",
    note: `kernel ${NEWEST_KERNEL} ${arch ?? "x86_64"} tables (the newest known: the trace ` +
      `does not say its kernel; --kernel VERSION chooses, known: ${KERNEL_VERSIONS.join(", ")}` +
      `${archNote})`,
  };
}
