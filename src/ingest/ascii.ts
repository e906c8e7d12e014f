/**
 * Byte-level helpers for the hot path: the readers work on `Uint8Array`
 * slices of the input and turn only the parts they keep into strings.
 *
 * @module
 */

/** Character codes the scanners compare against. */
export const CH = {
  TAB: 0x09,
  LF: 0x0a,
  CR: 0x0d,
  SPACE: 0x20,
  HASH: 0x23,
  LPAREN: 0x28,
  RPAREN: 0x29,
  DASH: 0x2d,
  DOT: 0x2e,
  ZERO: 0x30,
  NINE: 0x39,
  COLON: 0x3a,
  LT: 0x3c,
  EQ: 0x3d,
  GT: 0x3e,
  LBRACKET: 0x5b,
  RBRACKET: 0x5d,
  LBRACE: 0x7b,
} as const;

const utf8 = new TextDecoder("utf-8");

/**
 * Decodes bytes `[start, end)` of `buf` to a string. Short pure-ASCII runs
 * (most comms, names and fields) are built directly, which is several times
 * cheaper than a `TextDecoder` call; anything else goes through UTF-8
 * decoding with replacement characters for invalid bytes.
 */
export function decodeBytes(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return "";
  if (len <= 24) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // String.fromCharCode over a subarray avoids a TextDecoder round trip.
      return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    }
  }
  return utf8.decode(buf.subarray(start, end));
}

/** True for an ASCII decimal digit code. */
export function isDigit(c: number): boolean {
  return c >= CH.ZERO && c <= CH.NINE;
}

/** True for space or tab. */
export function isBlank(c: number): boolean {
  return c === CH.SPACE || c === CH.TAB;
}
