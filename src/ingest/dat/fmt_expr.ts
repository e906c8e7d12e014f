/**
 * The expression half of the `print fmt:` parser: operands, operators,
 * casts, parentheses, `?:` and `[]`, following libtraceevent's
 * process_arg / process_op / process_paren step for step (equal-priority
 * operators group to the right, a ternary's false branch is one operand)
 * because the tree shape decides the printed text. Helper functions
 * (`__print_flags()`, `__get_str()`, …) are parsed by the subclass in
 * fmt_parser.ts.
 *
 * @module
 */

import { type EventFormat, findAnyField } from "./event_format.ts";
import { assignArg, copyArg, node, opPrio, type PArg } from "./fmt_ast.ts";
import { consolidate } from "./fmt_fold.ts";
import { isItemType, Tok, Tokenizer } from "./fmt_tokens.ts";

/** Thrown when a print format cannot be parsed (the event prints raw fields). */
export class FmtParseError extends Error {}

const BINARY = new Set([
  ">>",
  "<<",
  "&",
  "|",
  "&&",
  "||",
  "-",
  "+",
  "*",
  "^",
  "/",
  "%",
  "<",
  ">",
  "<=",
  ">=",
  "==",
  "!=",
]);

/** Tokens, operands and operators; subclasses parse function calls. */
export abstract class ExprParser {
  /** The token stream. */
  readonly tz: Tokenizer;
  /** The event whose format is parsed (fields are resolved in it). */
  readonly ev: EventFormat;
  /** Size of `long` on the traced system. */
  readonly longSize: number;
  /** Text of the current token. */
  tok = "";

  /** A parser of `text`, the print arguments of `ev`. */
  constructor(text: string, ev: EventFormat, longSize: number) {
    this.tz = new Tokenizer(text);
    this.ev = ev;
    this.longSize = longSize;
  }

  /** The current token text (a call, so narrowing does not stick across reads). */
  current(): string {
    return this.tok;
  }

  /** Stops parsing with a {@link FmtParseError}. */
  fail(why: string): never {
    throw new FmtParseError(why);
  }

  /** Reads the next token (operators split). */
  next(): Tok {
    const t = this.tz.next();
    this.tok = this.tz.text;
    return t;
  }

  /** Reads the next item token (operators kept whole). */
  item(): Tok {
    const t = this.tz.item();
    this.tok = this.tz.text;
    return t;
  }

  /** Fails unless the current token is `text` of type `want`. */
  expect(type: Tok, want: Tok, text: string): void {
    if (type !== want || this.tok !== text) this.fail(`expected '${text}', found '${this.tok}'`);
  }

  /** Parses one argument into `a`; returns the token after it. */
  arg(a: PArg): Tok {
    return this.argToken(a, this.next());
  }

  /** Parses the argument starting at a token of `type` into `a`. */
  argToken(a: PArg, type: Tok): Tok {
    switch (type) {
      case Tok.ITEM: {
        if (this.tok === "REC") return this.entry(a);
        let atom = this.tok;
        let t = this.item();
        if (t === Tok.DELIM && this.tok === "(") return this.func(a, atom);
        while (t === Tok.ITEM) {
          atom += " " + this.tok;
          t = this.item();
        }
        assignArg(a, { kind: "atom", atom });
        return t;
      }
      case Tok.SQUOTE: {
        const code = this.tok.length ? this.tok.charCodeAt(0) : 0;
        assignArg(a, { kind: "atom", atom: String(code > 127 ? code - 256 : code) });
        return this.item();
      }
      case Tok.DQUOTE:
        assignArg(a, { kind: "atom", atom: this.tok });
        return this.item();
      case Tok.DELIM:
        if (this.tok === "(") return this.paren(a);
      /* falls through */
      case Tok.OP:
        assignArg(a, { kind: "op", op: this.tok, prio: 0 });
        return this.op(a);
      default:
        return this.fail(`unexpected token '${this.tok}'`);
    }
  }

  /** Parses an operator and its operands into `a`. */
  op(a: PArg): Tok {
    const token = this.tok;
    let right: PArg | undefined;
    let type: Tok;
    if (a.kind === "op" && a.left === undefined) {
      if (!"~!+-".includes(token) || token.length !== 1) this.fail(`bad op token ${token}`);
      a.left = node("null");
      right = node("null");
      a.right = right;
      type = this.arg(right);
    } else if (token === "?") {
      const left = copyArg(a);
      assignArg(a, { kind: "op", op: "?", left, prio: 0 });
      type = this.cond(a);
    } else if (BINARY.has(token)) {
      const left = copyArg(a);
      assignArg(a, { kind: "op", op: token, left });
      a.prio = left.kind === "null" ? 0 : opPrio(token);
      type = this.item();
      if (token === "*" && type === Tok.DELIM && this.tok === ")") {
        // "(void *)": a pointer type, not a multiplication.
        if (left.kind !== "atom") this.fail("bad pointer type");
        assignArg(a, { kind: "atom", atom: `${left.atom} *` });
        return type;
      }
      right = node("null");
      type = this.argToken(right, type);
      if (right.kind === "op" && opPrio(token) < opPrio(right.op ?? "")) {
        // Rotate so the looser operator becomes the root.
        a.right = right.left;
        const tmp = copyArg(a);
        assignArg(a, right);
        assignArg(right, tmp);
        a.left = right;
      } else {
        a.right = right;
      }
    } else if (token === "[") {
      const left = copyArg(a);
      assignArg(a, { kind: "op", op: "[", left, prio: 0 });
      type = this.array(a);
    } else {
      return this.fail(`unknown op '${token}'`);
    }
    if (type === Tok.OP && this.tok !== ":") {
      const prio = opPrio(this.tok);
      if (prio < 0) this.fail(`unknown op '${this.tok}'`);
      if (prio > (a.prio ?? 0) || right === undefined) return this.op(a);
      return this.op(right);
    }
    return type;
  }

  /** Parses the `? :` after `top`'s condition. */
  cond(top: PArg): Tok {
    const left = node("null");
    const right = node("null");
    const arg: PArg = { kind: "op", op: ":", left, right, prio: 0 };
    let type = this.arg(left);
    while (type === Tok.OP && this.tok !== ":") type = this.op(left);
    this.expect(type, Tok.OP, ":");
    type = this.arg(right);
    top.right = arg;
    return type;
  }

  /** Parses an index `[…]` after `top`. */
  array(top: PArg): Tok {
    const a = node("null");
    const type = this.arg(a);
    this.expect(type, Tok.OP, "]");
    top.right = a;
    return this.item();
  }

  /** Parses `REC->field` into `a`. */
  entry(a: PArg): Tok {
    let type = this.item();
    if (type === Tok.DELIM && this.tok === ")") return Tok.ITEM; // "(REC)->field"
    this.expect(type, Tok.OP, "->");
    type = this.next();
    if (type !== Tok.ITEM) this.fail("expected a field name");
    assignArg(a, { kind: "field", name: this.tok, field: findAnyField(this.ev, this.tok) });
    return this.next();
  }

  /** Parses a parenthesized argument or a cast into `a`. */
  paren(a: PArg): Tok {
    let type = this.arg(a);
    if (type === Tok.OP) type = this.op(a);
    if (type === Tok.ITEM && this.tok === ")") return this.entry(a);
    this.expect(type, Tok.DELIM, ")");
    type = this.item();
    if (isItemType(type) || (type === Tok.DELIM && this.tok === "(")) {
      if (a.kind !== "atom") this.fail("a cast needs a type name");
      const item = node("null");
      assignArg(a, { kind: "type", name: a.atom, item });
      type = this.argToken(item, type);
    }
    return type;
  }

  /** Parses a field argument with its operators into `a`. */
  fieldArg(a: PArg): Tok {
    let type = this.arg(a);
    while (type === Tok.OP) type = this.op(a);
    return type;
  }

  /** Parses an argument up to the delimiter `next`. */
  delimited(next: string): PArg {
    const f = node("null");
    let type = this.arg(f);
    if (type === Tok.OP) {
      type = this.op(f);
      consolidate(f);
    }
    this.expect(type, Tok.DELIM, next);
    return f;
  }

  /** Parses the call of helper `name` (its `(` already read) into `a`. */
  abstract func(a: PArg, name: string): Tok;
}
