/**
 * `set_event` selectors (`sched:sched_waking`, `kvm:*`, `sched`, `!kvm:kvm_mmio`)
 * matched the way the kernel matches them (kernel/trace/trace_events.c:
 * ftrace_set_clr_event() splits `system:event`, an empty or `*` part matches
 * everything, and a single word matches an event name or a system name), so
 * a selector can be checked against the events a tracefs offers before
 * anything is written.
 *
 * @module
 */

/** The events a tracefs offers: system → event names. */
export type EventCatalog = ReadonlyMap<string, ReadonlySet<string>>;

/** A parsed selector. */
export interface EventSelector {
  /** As given. */
  readonly text: string;
  /** `!` in front: disables what it matches. */
  readonly negated: boolean;
  /** System, or undefined for any. */
  readonly system: string | undefined;
  /** Event name (or, without a system, an event or system name), or undefined for any. */
  readonly event: string | undefined;
  /** Written without `:` (a word matching an event or a system). */
  readonly single: boolean;
}

const any = (s: string | undefined) => s === undefined || s === "" || s === "*" ? undefined : s;

/** Parses one `set_event` line. */
export function parseSelector(text: string): EventSelector {
  const negated = text.startsWith("!");
  const body = negated ? text.slice(1) : text;
  const colon = body.indexOf(":");
  if (colon < 0) return { text, negated, system: undefined, event: any(body), single: true };
  return {
    text,
    negated,
    system: any(body.slice(0, colon)),
    event: any(body.slice(colon + 1)),
    single: false,
  };
}

/** Whether `sel` matches the event `system:event`. */
export function selectorMatches(sel: EventSelector, system: string, event: string): boolean {
  if (sel.single) return sel.event === undefined || sel.event === event || sel.event === system;
  return (sel.system === undefined || sel.system === system) &&
    (sel.event === undefined || sel.event === event);
}

/** Whether the selectors, applied in order, leave `system:event` enabled. */
export function enabledBy(selectors: readonly string[], system: string, event: string): boolean {
  let on = false;
  for (const text of selectors) {
    const sel = parseSelector(text);
    if (selectorMatches(sel, system, event)) on = !sel.negated;
  }
  return on;
}

/** The selectors that match no event of `catalog`, with a reason each. */
export function unknownSelectors(selectors: readonly string[], catalog: EventCatalog): string[] {
  const problems: string[] = [];
  for (const text of selectors) {
    const sel = parseSelector(text);
    let found = false;
    for (const [system, events] of catalog) {
      for (const event of events) {
        if (selectorMatches(sel, system, event)) {
          found = true;
          break;
        }
      }
      if (found) break;
    }
    if (!found) {
      problems.push(
        sel.system !== undefined && !catalog.has(sel.system)
          ? `${text}: no event system '${sel.system}'`
          : `${text}: no such event`,
      );
    }
  }
  return problems;
}

/** Reads the catalog of events under `eventsDir` (a tracefs `events` directory). */
export async function readEventCatalog(eventsDir: string): Promise<EventCatalog> {
  const catalog = new Map<string, Set<string>>();
  for await (const sys of Deno.readDir(eventsDir)) {
    if (!sys.isDirectory) continue;
    const events = new Set<string>();
    for await (const ev of Deno.readDir(`${eventsDir}/${sys.name}`)) {
      if (ev.isDirectory) events.add(ev.name);
    }
    catalog.set(sys.name, events);
  }
  return catalog;
}
