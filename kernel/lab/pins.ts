/**
 * What the lab targets, pinned: the Debian kernel release, its package
 * version, the packages it downloads and the host tools it needs.
 *
 * @module
 */

/** `uname -r` of the Debian kernel the lab boots and builds KVM for. */
export const KERNEL_RELEASE = "6.12.118+deb12-amd64";

/** Debian version of every kernel package the lab downloads (bookworm-security). */
export const DEBIAN_VERSION = "6.12.118-1~deb12u1";

/** The version part of the source package's name (`linux-source-6.12`). */
export const SOURCE_SERIES = "6.12";

/** A Debian package the lab downloads with `apt-get download NAME=VERSION`. */
export interface PinnedDeb {
  /** Package name. */
  readonly name: string;
  /** What the lab takes from it. */
  readonly use: string;
}

/** The five packages, all at {@link DEBIAN_VERSION}. */
export const PINNED_DEBS: readonly PinnedDeb[] = [
  { name: `linux-source-${SOURCE_SERIES}`, use: "the kernel source the series applies to" },
  {
    name: `linux-image-${KERNEL_RELEASE}-unsigned`,
    use: "vmlinuz for the guest, stock modules (irqbypass, ccp, virtio_blk, …)",
  },
  { name: `linux-headers-${KERNEL_RELEASE}`, use: ".config and Module.symvers" },
  { name: "linux-headers-6.12.118+deb12-common", use: "headers the arch headers package needs" },
  { name: "linux-kbuild-6.12.118+deb12", use: "kbuild tools the headers package points at" },
];

/** The file name `apt-get download` gives a pinned package. */
export function debFileName(name: string, version = DEBIAN_VERSION): string {
  const arch = name.includes("-common") || name.startsWith("linux-source") ? "all" : "amd64";
  return `${name}_${version.replace(/^\d+:/, "")}_${arch}.deb`;
}

/** A host tool the lab runs, and the apt package that provides it. */
export interface HostTool {
  /** Command looked up on PATH (or an absolute path that must exist). */
  readonly command: string;
  /** Debian package that installs it. */
  readonly pkg: string;
}

/** Every host tool the lab runs. */
export const HOST_TOOLS: readonly HostTool[] = [
  { command: "qemu-system-x86_64", pkg: "qemu-system-x86" },
  { command: "/bin/busybox", pkg: "busybox-static" },
  { command: "cpio", pkg: "cpio" },
  { command: "gcc", pkg: "gcc" },
  { command: "as", pkg: "binutils" },
  { command: "make", pkg: "make" },
  { command: "flex", pkg: "flex" },
  { command: "bison", pkg: "bison" },
  { command: "bc", pkg: "bc" },
  { command: "pahole", pkg: "dwarves" },
  { command: "xz", pkg: "xz-utils" },
  { command: "zstd", pkg: "zstd" },
  { command: "gzip", pkg: "gzip" },
  { command: "tar", pkg: "tar" },
  { command: "patch", pkg: "patch" },
  { command: "dpkg-deb", pkg: "dpkg" },
  { command: "perl", pkg: "perl" },
  { command: "/sbin/modinfo", pkg: "kmod" },
  { command: "/usr/include/libelf.h", pkg: "libelf-dev" },
  { command: "/usr/include/openssl/ssl.h", pkg: "libssl-dev" },
  { command: "/usr/include/x86_64-linux-gnu/sys/cdefs.h", pkg: "libc6-dev" },
];
