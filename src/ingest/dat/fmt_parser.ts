/**
 * Parser for the arguments of an event's `print fmt:`. It follows the
 * algorithm of libtraceevent (event-parse.c: process_arg, process_op,
 * process_paren, …) step for step, quirks included — equal-priority
 * operators group to the right, a ternary's false branch is a single
 * operand, `__get_dynamic_array(x)[i]` fails — because the tree shape
 * decides the printed text, and that text must equal `trace-cmd report`'s.
 * A format libtraceevent cannot parse makes {@link parsePrintFmt} throw.
 *
 * @module
 */

import { type EventFormat, FieldFlag, findAnyField, findField } from "./event_format.ts";
import { assignArg, node, type PArg } from "./fmt_ast.ts";
import { ExprParser } from "./fmt_expr.ts";
import { consolidate, flagValue, foldFlagValue } from "./fmt_fold.ts";
import { isItemType, Tok } from "./fmt_tokens.ts";

export { FmtParseError } from "./fmt_expr.ts";

/** Functions plugins register for print formats, with their argument counts. */
export const PLUGIN_FUNCTIONS: ReadonlyMap<string, number> = new Map([["is_writable_pte", 1]]);

/** The parsed `print fmt:`: the format string and its argument trees. */
export interface ParsedPrintFmt {
  /** The format string, backslash escapes still in it. */
  readonly format: string;
  /** One tree per argument. */
  readonly args: PArg[];
}

class Parser extends ExprParser {
  fields(): PArg["syms"] {
    const syms: NonNullable<PArg["syms"]> = [];
    let type: Tok;
    do {
      type = this.item();
      this.expect(type, Tok.OP, "{");
      const v = node("null");
      type = this.arg(v);
      if (type === Tok.OP) type = this.op(v);
      this.expect(type, Tok.DELIM, ",");
      const value = foldFlagValue(v);
      const s = node("null");
      type = this.arg(s);
      this.expect(type, Tok.OP, "}");
      const str = foldFlagValue(s);
      if (value === undefined || str === undefined) this.fail("bad flag or symbol entry");
      syms.push({ value, str, num: flagValue(value) });
      type = this.item();
    } while (type === Tok.DELIM && this.tok === ",");
    this.tok = this.tz.text;
    this.expect(type, Tok.DELIM, ")");
    return syms;
  }

  func(a: PArg, name: string): Tok {
    switch (name) {
      case "__print_flags":
      case "__print_symbolic": {
        const item = node("null");
        let type = this.fieldArg(item);
        this.expect(type, Tok.DELIM, ",");
        let delim: string | undefined;
        if (name === "__print_flags") {
          type = this.item();
          if (isItemType(type)) {
            delim = this.tok;
            type = this.item();
          }
          this.expect(type, Tok.DELIM, ",");
        }
        const syms = this.fields();
        assignArg(a, { kind: name === "__print_flags" ? "flags" : "symbol", item, delim, syms });
        return this.item();
      }
      case "__print_hex":
      case "__print_hex_str": {
        const args = [this.delimited(","), this.delimited(")")];
        assignArg(a, { kind: name === "__print_hex" ? "hex" : "hexstr", args });
        return this.item();
      }
      case "__print_array": {
        const args = [this.delimited(","), this.delimited(","), this.delimited(")")];
        assignArg(a, { kind: "intarray", args });
        return this.item();
      }
      case "__get_str":
      case "__get_rel_str":
        return this.named(a, "string");
      case "__get_bitmask":
      case "__get_rel_bitmask":
        return this.named(a, "bitmask");
      case "__get_cpumask":
      case "__get_rel_cpumask":
        return this.named(a, "cpumask");
      case "__get_dynamic_array":
      case "__get_rel_dynamic_array":
      case "__get_sockaddr":
      case "__get_sockaddr_rel":
        return this.dynArray(a);
      case "__get_dynamic_array_len":
      case "__get_rel_dynamic_array_len": {
        if (this.next() !== Tok.ITEM) this.fail("expected a field name");
        const field = findField(this.ev, this.tok) ?? this.fail(`no field ${this.tok}`);
        this.expect(this.next(), Tok.DELIM, ")");
        assignArg(a, { kind: "dynarraylen", field });
        return this.next();
      }
      case "__builtin_expect": {
        const type = this.arg(a);
        if (type !== Tok.DELIM || this.tok !== ",") this.fail("bad __builtin_expect");
        if (this.next() !== Tok.ITEM) this.fail("bad __builtin_expect");
        this.expect(this.next(), Tok.DELIM, ")");
        return this.item();
      }
      case "sizeof":
        return this.sizeOf(a);
    }
    const nargs = PLUGIN_FUNCTIONS.get(name) ?? this.fail(`function ${name} not defined`);
    const args: PArg[] = [];
    for (let i = 0; i < nargs; i++) {
      const f = node("null");
      const type = this.arg(f);
      this.expect(type, Tok.DELIM, i < nargs - 1 ? "," : ")");
      args.push(f);
    }
    assignArg(a, { kind: "func", name, args });
    return this.next();
  }

  named(a: PArg, kind: "string" | "bitmask" | "cpumask"): Tok {
    if (this.next() !== Tok.ITEM) this.fail("expected a field name");
    const name = this.tok;
    this.expect(this.next(), Tok.DELIM, ")");
    assignArg(a, { kind, name, field: findAnyField(this.ev, name) });
    return this.next();
  }

  dynArray(a: PArg): Tok {
    if (this.next() !== Tok.ITEM) this.fail("expected a field name");
    const field = findField(this.ev, this.tok) ?? this.fail(`no field ${this.tok}`);
    this.expect(this.next(), Tok.DELIM, ")");
    assignArg(a, { kind: "dynarray", field });
    const type = this.item();
    if (type !== Tok.OP || this.tok !== "[") return type;
    const idx = node("null");
    const t = this.arg(idx);
    // libtraceevent rejects the "]" it expects here (an inverted test).
    if (t === Tok.OP && this.current() === "]") {
      this.fail("__get_dynamic_array()[] is not supported");
    }
    return this.item();
  }

  /** `sizeof()`: libtraceevent 1.7 knows int, long, long long, unsigned … and REC->field. */
  sizeOf(a: PArg): Tok {
    let type = this.item();
    let hasParen = false;
    let size: number | undefined;
    if (this.tok === "unsigned") {
      type = this.item();
      if (type !== Tok.ITEM) hasParen = true;
    }
    const t = this.tok;
    if (hasParen || t === "int") size = 4;
    else if (t === "long") {
      type = this.item();
      if (this.tok === "long") size = 8;
      else {
        size = this.longSize;
        hasParen = true;
      }
    } else if (t === "REC") {
      this.expect(this.item(), Tok.OP, "->");
      if (this.next() !== Tok.ITEM) this.fail("bad sizeof");
      const f = findAnyField(this.ev, this.tok);
      if (f === undefined || (f.flags & FieldFlag.ARRAY)) this.fail("bad sizeof");
      size = f.size;
    } else this.fail(`sizeof(${t}) not supported`);
    if (!hasParen) type = this.item();
    this.expect(type, Tok.DELIM, ")");
    assignArg(a, { kind: "atom", atom: String(size) });
    return this.item();
  }

  printArgs(): PArg[] {
    const list: PArg[] = [];
    let type: Tok = Tok.ERROR;
    do {
      if (type === Tok.NEWLINE) {
        type = this.item();
        continue;
      }
      const a = node("null");
      type = this.arg(a);
      list.push(a);
      if (type === Tok.OP) {
        type = this.op(a);
        consolidate(a);
        continue;
      }
      if (type === Tok.DELIM && this.tok === ",") continue;
      break;
    } while (type !== Tok.NONE);
    return list;
  }
}

/**
 * Parses the text after `print fmt:` of `ev`. Throws {@link FmtParseError}
 * where libtraceevent would mark the event as failed to parse.
 */
export function parsePrintFmt(text: string, ev: EventFormat, longSize: number): ParsedPrintFmt {
  const p = new Parser(text, ev, longSize);
  if (p.next() !== Tok.DQUOTE) p.fail("no format string");
  const format = p.tok;
  const t = p.item();
  if (t === Tok.NONE) return { format, args: [] };
  p.expect(t, Tok.DELIM, ",");
  return { format, args: p.printArgs() };
}
