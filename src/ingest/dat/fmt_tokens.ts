/**
 * Tokenizer for the `print fmt:` part of an event format, with the token
 * rules of libtraceevent (event-parse.c, __read_token): the same operator
 * pairs (`->`, `&&`, `>>=`, …), quoted strings kept with their backslashes
 * and adjacent strings joined, multi-character identifiers. Matching its
 * tokens is what makes the expression trees, and so the printed text, the
 * same as `trace-cmd report`'s.
 *
 * @module
 */

/** Token classes (libtraceevent's `tep_event_type`). */
export const Tok = {
  ERROR: 0,
  NONE: 1,
  SPACE: 2,
  NEWLINE: 3,
  OP: 4,
  DELIM: 5,
  ITEM: 6,
  DQUOTE: 7,
  SQUOTE: 8,
} as const;
/** One of the {@link Tok} values. */
export type Tok = typeof Tok[keyof typeof Tok];

/** True for ITEM, DQUOTE and SQUOTE (libtraceevent's `event_item_type`). */
export function isItemType(t: Tok): boolean {
  return t === Tok.ITEM || t === Tok.DQUOTE || t === Tok.SQUOTE;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

function charType(c: number): Tok {
  if (c === 0x0a) return Tok.NEWLINE;
  if (isSpace(c)) return Tok.SPACE;
  if (isAlnum(c) || c === 0x5f) return Tok.ITEM;
  if (c === 0x27) return Tok.SQUOTE;
  if (c === 0x22) return Tok.DQUOTE;
  if (!isPrint(c)) return Tok.NONE;
  if (c === 0x28 || c === 0x29 || c === 0x2c) return Tok.DELIM;
  return Tok.OP;
}

/** A token stream over one string. */
export class Tokenizer {
  readonly #s: string;
  #pos = 0;
  /** Text of the last token read. */
  text = "";

  /**
   * Tokens of `s`.
   *
   * @param s the text to split
   */
  constructor(s: string) {
    this.#s = s;
  }

  #peek(): number {
    return this.#pos < this.#s.length ? this.#s.charCodeAt(this.#pos) : -1;
  }

  #read(): number {
    return this.#pos < this.#s.length ? this.#s.charCodeAt(this.#pos++) : -1;
  }

  /** Reads one raw token (spaces included); its text is in {@link text}. */
  raw(): Tok {
    this.text = "";
    const c = this.#read();
    if (c < 0) return Tok.NONE;
    const type = charType(c);
    if (type === Tok.NONE) return type;
    let buf = String.fromCharCode(c);
    switch (type) {
      case Tok.NEWLINE:
      case Tok.DELIM:
        this.text = buf;
        return type;
      case Tok.OP:
        this.text = this.#op(c, buf);
        return type;
      case Tok.DQUOTE:
      case Tok.SQUOTE:
        return this.#quoted(c, type);
      default:
        while (charType(this.#peek()) === type) buf += String.fromCharCode(this.#read());
        this.text = buf;
        return type;
    }
  }

  #op(c: number, first: string): string {
    let buf = first;
    const equal = () => {
      if (this.#peek() === 0x3d) buf += String.fromCharCode(this.#read());
      return buf;
    };
    if (c === 0x2d && this.#peek() === 0x3e) return buf + String.fromCharCode(this.#read());
    if (c === 0x2d || c === 0x2b || c === 0x7c || c === 0x26 || c === 0x3e || c === 0x3c) {
      if (this.#peek() !== c) return equal();
      buf += String.fromCharCode(this.#read());
      return c === 0x3e || c === 0x3c ? equal() : buf;
    }
    if (c === 0x21 || c === 0x3d) return equal();
    return buf;
  }

  #quoted(quote: number, type: Tok): Tok {
    let buf = "";
    let ch = quote;
    for (;;) {
      let last: number;
      do {
        last = ch;
        ch = this.#read();
        if (ch <= 0) break;
        buf += String.fromCharCode(ch);
      } while ((ch !== quote && isPrint(ch)) || last === 0x5c || ch === 0x0a);
      if (ch <= 0) {
        this.text = buf;
        return Tok.NONE;
      }
      buf = buf.slice(0, -1); // the closing quote (or the byte that ended the string)
      if (type !== Tok.DQUOTE) break;
      // Adjacent strings are one string: "a" "b" reads as "ab".
      const save = this.#pos;
      let n = this.#read();
      while (n >= 0 && isSpace(n)) n = this.#read();
      if (n !== 0x22) {
        this.#pos = save;
        break;
      }
      ch = n;
    }
    this.text = buf;
    return type;
  }

  /** Reads a token, skipping spaces (libtraceevent's `tep_read_token`). */
  next(): Tok {
    for (;;) {
      const t = this.raw();
      if (t !== Tok.SPACE) return t;
    }
  }

  /** Reads a token, skipping spaces and newlines (`read_token_item`). */
  item(): Tok {
    for (;;) {
      const t = this.raw();
      if (t !== Tok.SPACE && t !== Tok.NEWLINE) return t;
    }
  }
}
