/**
 * Bringing the traces out: the guest's tar archive is read from the raw
 * disk, every file is checked against the SHA-256 sums the guest computed,
 * and each trace is written with a `#` header saying what made it.
 *
 * @module
 */

import { LabError, run } from "./exec.ts";

/** Extracts the guest's archive from `disk` into `dir` and verifies every file's checksum. */
export async function extractGuestFiles(disk: string, dir: string, log: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  try {
    await run("tar", ["-xf", disk, "-C", dir], { log });
  } catch (e) {
    throw new LabError(
      "the guest wrote no readable archive to its disk",
      e instanceof LabError ? e.detail : [],
    );
  }
  let sums: string;
  try {
    sums = await Deno.readTextFile(`${dir}/SHA256SUMS`);
  } catch {
    throw new LabError(`the guest's archive has no SHA256SUMS (${dir})`);
  }
  const bad: string[] = [];
  const files: string[] = [];
  for (const line of sums.split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(.+)$/.exec(line);
    if (m === null) continue;
    const got = await sha256Hex(
      await Deno.readFile(`${dir}/${m[2]}`).catch(() => new Uint8Array(0)),
    );
    if (got !== m[1]) bad.push(`${m[2]}: guest sha256 ${m[1]}, host ${got}`);
    files.push(m[2]);
  }
  if (bad.length > 0) throw new LabError("files changed on the way out of the guest", bad);
  return files;
}

/** Hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a lab trace's header says. */
export interface TraceHeader {
  /** Workload name and summary. */
  readonly workload: string;
  readonly summary: string;
  /** Kernel release and the Debian package version. */
  readonly kernel: string;
  readonly debianVersion: string;
  /** Series key and what it holds. */
  readonly seriesKey: string;
  readonly series: string;
  /** The workload's exit code and verdict line. */
  readonly exitCode: number;
  readonly verdict: string;
  /** QEMU's command line and version. */
  readonly qemu: string;
  /** The command that remakes the trace. */
  readonly command: string;
}

/** The `#` lines written before the guest's trace (`# kernel:` and `# arch:` choose kvmreq's tables). */
export function headerLines(h: TraceHeader): string[] {
  return [
    `# kvmreq lab trace: workload ${h.workload} - ${h.summary}`,
    `# kernel: ${h.kernel}`,
    "# arch: x86_64",
    `# debian: linux-image-${h.kernel}-unsigned ${h.debianVersion} booted under QEMU TCG; ` +
    `kvm.ko and kvm-amd.ko built from linux-source-6.12 ${h.debianVersion}`,
    `# series: ${h.seriesKey} (${h.series})`,
    `# workload exit code ${h.exitCode}: ${h.verdict}`,
    `# qemu: ${h.qemu}`,
    `# remake: ${h.command}`,
  ];
}

/** Writes `header` and the guest's trace `body` to `path`. */
export async function writeTrace(
  path: string,
  header: TraceHeader,
  body: Uint8Array,
): Promise<void> {
  const head = new TextEncoder().encode(headerLines(header).map((l) => `${l}\n`).join(""));
  const all = new Uint8Array(head.length + body.length);
  all.set(head, 0);
  all.set(body, head.length);
  await Deno.writeFile(path, all);
}

/**
 * Events the ring buffer lost, from the concatenated per-CPU `stats` files
 * of tracefs (`overrun:`, `commit overrun:`, `dropped events:` summed).
 */
export function lostInStats(stats: string): number {
  let lost = 0;
  for (const m of stats.matchAll(/^(?:overrun|commit overrun|dropped events): (\d+)$/gm)) {
    lost += Number(m[1]);
  }
  return lost;
}
