/**
 * What a trace says about the kernel it was recorded on: a trace.dat's
 * uname option (`Linux vm 6.18.44-fc-v657 x86_64`), or header comment lines
 * of a text trace (`# kernel: 6.12.118+deb12-amd64`, `# arch: x86_64`, as
 * the lab writes them). The model chooses its request and kick-site tables
 * from it (src/kernels/kernel_version.ts).
 *
 * @module
 */

/** What a trace (or the command line) says about its kernel. */
export interface KernelHint {
  /** The release as printed (`6.12.118+deb12-amd64`), `undefined` when not said. */
  readonly release?: string;
  /** The machine as printed (`x86_64`), `undefined` when not said. */
  readonly arch?: string;
  /** Where it was read: a trace.dat uname option, or a `# kernel:` header line. */
  readonly from?: "uname" | "header";
}

const MACHINE = /^(x86_64|amd64|i[3-6]86|aarch64|arm64|s390x|ppc64le|ppc64|riscv64|loongarch64)$/i;

/**
 * Reads a kernel hint from trace header comment lines: `# kernel: RELEASE
 * [MACHINE]` and `# arch: MACHINE`. Returns `undefined` when neither is there.
 *
 * @example
 * ```ts
 * import { kernelHintFromHeader } from "./kernel_hint.ts";
 * const h = kernelHintFromHeader(["# tracer: nop", "# kernel: 6.12.118+deb12-amd64 x86_64"]);
 * if (h?.release !== "6.12.118+deb12-amd64" || h.arch !== "x86_64") throw new Error();
 * ```
 */
export function kernelHintFromHeader(lines: readonly string[]): KernelHint | undefined {
  let release: string | undefined;
  let arch: string | undefined;
  for (const line of lines) {
    const m = /^#\s*(kernel|arch)\s*:\s*(\S+)(?:\s+(\S+))?/i.exec(line);
    if (m === null) continue;
    if (m[1].toLowerCase() === "kernel") {
      release ??= m[2];
      if (m[3] !== undefined && MACHINE.test(m[3])) arch ??= m[3];
    } else arch ??= m[2];
  }
  if (release === undefined && arch === undefined) return undefined;
  return { release, arch, from: "header" };
}

/**
 * Reads a kernel hint from a trace.dat uname option, which trace-cmd writes
 * as `sysname nodename release machine`.
 */
export function kernelHintFromUname(uname: string): KernelHint | undefined {
  const words = uname.trim().split(/\s+/);
  if (words.length < 3) return undefined;
  return { release: words[2], arch: words[3], from: "uname" };
}
