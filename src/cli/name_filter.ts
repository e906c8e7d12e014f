/**
 * Event-name filters given on the command line: exact names, `system:name`
 * (the system is ignored: ftrace text does not print it), and `*` globs.
 *
 * @module
 */

/** Builds a predicate over event names from `patterns`; all names pass when empty. */
export function eventNameFilter(
  patterns: readonly string[],
): ((name: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const raw of patterns.flatMap((p) => p.split(","))) {
    const p = raw.includes(":") ? raw.slice(raw.indexOf(":") + 1) : raw;
    if (p === "" || p === "*") return undefined;
    if (!p.includes("*")) exact.add(p);
    else globs.push(globToRegExp(p));
  }
  return (name) => exact.has(name) || globs.some((g) => g.test(name));
}

/**
 * A predicate over thread names from `patterns` (exact names, or `*` globs
 * such as `CPU *` and `qemu*`; no comma lists: names contain commas).
 */
export function commFilter(patterns: readonly string[]): (comm: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.includes("*")));
  const globs = patterns.filter((p) => p.includes("*")).map(globToRegExp);
  return (comm) => exact.has(comm) || globs.some((g) => g.test(comm));
}

/** `kvm_*` → `/^kvm_.*$/`, every other character literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`);
}
