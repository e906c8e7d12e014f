/**
 * Parser for a tracefs event `format` description, as stored in trace.dat:
 * name, ID, the common and event fields with their offsets and sizes, and
 * the raw `print fmt:` text. Field flags follow libtraceevent's rules
 * (event-parse.c, event_read_fields) because the printing code depends on
 * them: an array whose type mentions `char`, `u8` or `s8` is a string, a
 * type that mentions `long` is a long, and so on.
 *
 * @module
 */

/** Field flag bits (libtraceevent's `TEP_FIELD_IS_*`). */
export const FieldFlag = {
  ARRAY: 1,
  POINTER: 2,
  SIGNED: 4,
  STRING: 8,
  DYNAMIC: 16,
  LONG: 32,
  RELATIVE: 64,
} as const;

/** One field of an event record. */
export interface FieldDef {
  /** Field name. */
  readonly name: string;
  /** C type as libtraceevent rebuilds it (`char[16]`, `__data_loc char[]`). */
  readonly type: string;
  /** Byte offset in the record. */
  readonly offset: number;
  /** Size in bytes (of the whole array for arrays). */
  readonly size: number;
  /** {@link FieldFlag} bits; STRING may be cleared once while printing raw fields. */
  flags: number;
  /** Declared array length, 0 when none. */
  readonly arraylen: number;
  /** Size of one element. */
  readonly elementsize: number;
}

/** A parsed event description. */
export interface EventFormat {
  /** Event id (`common_type` value). */
  readonly id: number;
  /** Event name. */
  readonly name: string;
  /** Subsystem (`sched`, `kvm`, `ftrace`, …). */
  readonly system: string;
  /** The `common_*` fields. */
  readonly commonFields: readonly FieldDef[];
  /** The event's own fields. */
  readonly fields: readonly FieldDef[];
  /** Text after `print fmt:`, or `undefined` when missing. */
  readonly printFmt: string | undefined;
  /** The event's own fields by name (first of a name wins). */
  readonly byName: ReadonlyMap<string, FieldDef>;
}

function typeSize(name: string): number {
  switch (name) {
    case "u8":
    case "s8":
    case "char":
      return 1;
    case "u16":
    case "s16":
      return 2;
    case "u32":
    case "s32":
      return 4;
    case "u64":
    case "s64":
      return 8;
    default:
      return 0;
  }
}

const TOKEN = /[A-Za-z0-9_]+|\S/g;
const IDENT = /^[A-Za-z0-9_]+$/;

function numberAfter(line: string, key: string): number | undefined {
  const at = line.indexOf(key);
  if (at < 0) return undefined;
  const m = /^\s*(-?(?:0x[0-9a-fA-F]+|\d+))/.exec(line.slice(at + key.length));
  return m ? Number(m[1]) : undefined;
}

/** Parses one `field:` line; `undefined` when it cannot be read. */
export function parseFieldLine(line: string, longSize: number): FieldDef | undefined {
  const start = line.indexOf("field:");
  if (start < 0) return undefined;
  const semi = line.indexOf(";", start);
  if (semi < 0) return undefined;
  const toks = line.slice(start + 6, semi + 1).match(TOKEN) ?? [];
  const first = toks[0] ?? "";
  if (toks.length < 2 || !IDENT.test(first)) return undefined;
  let flags = 0;
  let type: string | undefined;
  let last = first;
  let i = 1;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (IDENT.test(t) || t === "*") {
      if (t === "*") flags |= FieldFlag.POINTER;
      type = type === undefined ? last : `${type} ${last}`;
      last = t;
      continue;
    }
    if (t === "(" && last === "__attribute__") {
      // `__attribute__((user))`: keep it in the type, as libtraceevent does.
      let depth = 1;
      let attr = "__attribute__(";
      for (i++; i < toks.length && depth > 0; i++) {
        if (toks[i] === "(") depth++;
        else if (toks[i] === ")") depth--;
        if (depth > 0) attr += toks[i];
      }
      type = type === undefined ? attr : `${type} ${attr}`;
      last = toks[i] ?? "";
      continue;
    }
    break;
  }
  if (type === undefined) return undefined;
  let name: string = last;
  let arraylen = 0;
  let sizeDynamic = 0;
  if (toks[i] === "[") {
    flags |= FieldFlag.ARRAY;
    let brackets = "[";
    let prevIdent = false;
    for (i++; i < toks.length && toks[i] !== "]"; i++) {
      const ident = IDENT.test(toks[i]);
      brackets += (prevIdent && ident ? " " : "") + toks[i];
      prevIdent = ident;
      arraylen = Number.parseInt(toks[i]) || 0;
    }
    brackets += "]";
    i++;
    const after = toks[i];
    if (after !== undefined && IDENT.test(after)) {
      type = `${type} ${name}${brackets}`;
      sizeDynamic = typeSize(name);
      name = after;
    } else {
      type = `${type}${brackets}`;
    }
  }
  const offset = numberAfter(line.slice(semi), "offset:");
  const size = numberAfter(line.slice(semi), "size:");
  if (offset === undefined || size === undefined || offset < 0 || size < 0) return undefined;
  if (numberAfter(line.slice(semi), "signed:")) flags |= FieldFlag.SIGNED;
  if ((flags & FieldFlag.ARRAY) && /char|u8|s8/.test(type)) flags |= FieldFlag.STRING;
  if (type.startsWith("__data_loc")) flags |= FieldFlag.DYNAMIC;
  if (type.startsWith("__rel_loc")) flags |= FieldFlag.DYNAMIC | FieldFlag.RELATIVE;
  if (type.includes("long")) flags |= FieldFlag.LONG;
  if ((flags & FieldFlag.DYNAMIC) && size === 2) flags |= FieldFlag.STRING | FieldFlag.ARRAY;
  let elementsize = size;
  if (flags & (FieldFlag.ARRAY | FieldFlag.DYNAMIC)) {
    if (arraylen) elementsize = Math.floor(size / arraylen);
    else if (flags & FieldFlag.DYNAMIC) elementsize = sizeDynamic;
    else if (flags & FieldFlag.STRING) elementsize = 1;
    else if (flags & FieldFlag.LONG) elementsize = longSize;
    else elementsize = 0;
  }
  return { name, type, offset, size, flags, arraylen, elementsize };
}

/** An event description as stored, with only its name and id read. */
export interface FormatSource {
  /** Event id (`common_type` value). */
  readonly id: number;
  /** Event name. */
  readonly name: string;
  /** Subsystem. */
  readonly system: string;
  /** The whole description, parsed by {@link parseEventFormat} when first needed. */
  readonly text: string;
}

/**
 * Reads the name and ID at the head of a format description (the lines
 * before `format:`); `undefined` when either is missing or malformed.
 */
export function readFormatHead(
  text: string,
  system: string,
): FormatSource | undefined {
  let name: string | undefined;
  let id: number | undefined;
  for (let p = 0; p < text.length;) {
    let nl = text.indexOf("\n", p);
    if (nl < 0) nl = text.length;
    const line = text.slice(p, nl).trim();
    p = nl + 1;
    if (line.startsWith("name:")) name = line.slice(5).trim();
    else if (line.startsWith("ID:")) id = numberAfter(line, "ID:");
    else if (line.startsWith("format:")) {
      if (name === undefined || !IDENT.test(name) || id === undefined) return undefined;
      return { id, name, system, text };
    }
  }
  return undefined;
}

/**
 * Parses a format description of subsystem `system`; `undefined` when its
 * name, ID or field list cannot be read (the event is then unknown).
 */
export function parseEventFormat(
  text: string,
  system: string,
  longSize: number,
): EventFormat | undefined {
  const head = readFormatHead(text, system);
  if (head === undefined) return undefined;
  const { id, name } = head;
  const lines = text.split("\n");
  let i = 0;
  while (!lines[i].trim().startsWith("format:")) i++;
  const groups: FieldDef[][] = [[], []];
  let g = 0;
  for (i++; i < lines.length && g < 2; i++) {
    const line = lines[i];
    if (line.trim() === "") {
      g++;
      continue;
    }
    if (line.trimStart().startsWith("print fmt:")) break;
    const f = parseFieldLine(line, longSize);
    if (f === undefined) return undefined;
    groups[g].push(f);
  }
  const at = text.indexOf("print fmt:");
  const printFmt = at < 0 ? undefined : text.slice(at + "print fmt:".length);
  const byName = new Map<string, FieldDef>();
  for (const f of groups[1]) if (!byName.has(f.name)) byName.set(f.name, f);
  return { id, name, system, commonFields: groups[0], fields: groups[1], printFmt, byName };
}

/** Finds a field by name: common fields first, then the event's own. */
export function findAnyField(ev: EventFormat, name: string): FieldDef | undefined {
  return ev.commonFields.find((f) => f.name === name) ?? ev.fields.find((f) => f.name === name);
}

/** Finds one of the event's own (non-common) fields by name. */
export function findField(ev: EventFormat, name: string): FieldDef | undefined {
  return ev.byName.get(name);
}
