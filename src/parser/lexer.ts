/**
 * A PostgreSQL lexer: the token rules of PostgreSQL 15's scan.l, hand-written over char codes.
 *
 * It runs on every statement the gateway receives, so it does one pass, looks at each char once,
 * and allocates only the tokens. Offsets are UTF-16 indexes into the input (what `String#slice`
 * takes); error positions are 1-based character (code point) positions, as PostgreSQL reports them.
 *
 * Assumes `standard_conforming_strings = on` (the default since PostgreSQL 9.1) unless told otherwise.
 */
import { GatewayError } from '../errors/index.ts';

export type TokenKind =
  /** Identifier or keyword: `value` is folded to lower case, or the unquoted name of a "quoted" one. */
  | 'ident'
  /** String constant: '…', E'…', U&'…', $tag$…$tag$; `value` is the decoded content. */
  | 'string'
  /** B'0101' or X'1F': `value` is 'b0101' / 'x1F', as PostgreSQL passes it on. */
  | 'bitstring'
  /** Integer, decimal or real constant, unsigned; `value` is the text. */
  | 'number'
  /** Positional parameter $1; `value` is the digits. */
  | 'param'
  /** Operator: + - * / % ^ < > = and multi-char ones (<= <> != || -> ->> @> ~~ ::, :=, =>). */
  | 'op'
  /** Punctuation: ( ) [ ] , ; . : and .. */
  | 'punct'
  /** Any other character (PostgreSQL hands it to the grammar, which rejects it). */
  | 'other'
  /** Whitespace (only with `trivia: true`). */
  | 'whitespace'
  /** `-- …` or nested `/* … *\/` comment (only with `trivia: true`). */
  | 'comment';

export interface Token {
  readonly kind: TokenKind;
  /** Exact source text of the token. */
  readonly text: string;
  /** Normalised value: see TokenKind. */
  readonly value: string;
  /** UTF-16 offset of the first char. */
  readonly start: number;
  /** UTF-16 offset just past the last char. */
  readonly end: number;
  /** For 'ident': it was written as a "quoted identifier" (so it is never a keyword). */
  readonly quoted: boolean;
}

export interface LexOptions {
  /** Also return whitespace and comment tokens (default false). */
  trivia?: boolean;
  /** PostgreSQL's standard_conforming_strings (default true): when false, backslash escapes apply in '…'. */
  standardConformingStrings?: boolean;
}

/** Identifiers longer than this many bytes are truncated, as PostgreSQL does (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

// Char classes for codes < 128. Codes >= 128 are identifier chars, as in PostgreSQL (bytes \200-\377).
const IDENT_START = 1;
const IDENT_CONT = 2;
const DIGIT = 4;
const OP_CHAR = 8;
const SPACE = 16;
const DOLQ_CONT = 32; // identifier char allowed in a $tag$ (no '$')
const CLASS = new Uint8Array(128);
(() => {
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    let f = 0;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_') f |= IDENT_START | IDENT_CONT | DOLQ_CONT;
    if (ch >= '0' && ch <= '9') f |= DIGIT | IDENT_CONT | DOLQ_CONT;
    if (ch === '$') f |= IDENT_CONT;
    if ('~!@#^&|`?+-*/%<>='.includes(ch)) f |= OP_CHAR;
    if (' \t\n\r\f\v'.includes(ch)) f |= SPACE;
    CLASS[c] = f;
  }
})();

function isIdentStart(c: number): boolean {
  return c >= 128 || (CLASS[c]! & IDENT_START) !== 0;
}
function isIdentCont(c: number): boolean {
  return c >= 128 || (CLASS[c]! & IDENT_CONT) !== 0;
}
function isDolqCont(c: number): boolean {
  return c >= 128 || (CLASS[c]! & DOLQ_CONT) !== 0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isSpace(c: number): boolean {
  return c < 128 && (CLASS[c]! & SPACE) !== 0;
}
function isOpChar(c: number): boolean {
  return c < 128 && (CLASS[c]! & OP_CHAR) !== 0;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const QUOTE = 39; // '
const DQUOTE = 34; // "
const BACKSLASH = 92;
const DOLLAR = 36;
const NL = 10;
const CR = 13;

/** 1-based character (code point) position of a UTF-16 offset, as PostgreSQL reports positions. */
export function positionAt(sql: string, offset: number): number {
  let pos = 1;
  const end = Math.min(offset, sql.length);
  for (let i = 0; i < end; i++) {
    const c = sql.charCodeAt(i);
    // A low surrogate that follows a high surrogate is the second half of one character.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = sql.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) continue;
    }
    pos++;
  }
  return pos;
}

/** PostgreSQL's "<message> at or near "<text>"" / "<message> at end of input" syntax error. */
export function syntaxErrorAt(sql: string, offset: number, message: string, near?: string, hint?: string): GatewayError {
  const opts: { position: number; hint?: string } = { position: positionAt(sql, offset) };
  if (hint !== undefined) opts.hint = hint;
  if (offset >= sql.length) return new GatewayError('SYNTAX_ERROR', `${message} at end of input`, opts);
  return new GatewayError('SYNTAX_ERROR', `${message} at or near "${near ?? sql.slice(offset)}"`, opts);
}

/** Lower-cases ASCII letters only, as PostgreSQL's downcase_identifier does for UTF-8 input. */
export function foldIdentifier(s: string): string {
  let upper = false;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 128) ascii = false;
  }
  if (!upper) return s;
  return ascii ? s.toLowerCase() : s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Truncates an identifier to MAX_IDENTIFIER_BYTES bytes of UTF-8 on a character boundary. */
export function truncateIdentifier(s: string): string {
  if (s.length <= MAX_IDENTIFIER_BYTES / 4) return s;
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes <= MAX_IDENTIFIER_BYTES) return s;
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n + len > MAX_IDENTIFIER_BYTES) break;
    n += len;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(0, i);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits `sql` into tokens. Throws GatewayError SYNTAX_ERROR (with PostgreSQL's message and a
 * 1-based position) on unterminated strings, quoted identifiers, comments and dollar quotes,
 * trailing junk after numbers/parameters, and bad escapes.
 */
export function lex(sql: string, options: LexOptions = {}): Token[] {
  return new Lexer(sql, options).run();
}

class Lexer {
  private readonly sql: string;
  private readonly n: number;
  private readonly trivia: boolean;
  private readonly standardStrings: boolean;
  private readonly out: Token[] = [];
  /** Decoded content of the string being scanned, and pending escape bytes. */
  private value = '';
  private bytes: number[] | null = null;

  constructor(sql: string, options: LexOptions) {
    this.sql = sql;
    this.n = sql.length;
    this.trivia = options.trivia === true;
    this.standardStrings = options.standardConformingStrings !== false;
  }

  /** Adds a token; `value` defaults to the token's text. */
  private push(kind: TokenKind, start: number, end: number, value?: string, quoted = false): void {
    const text = this.sql.slice(start, end);
    this.out.push({ kind, text, value: value ?? text, start, end, quoted });
  }

  private code(i: number): number {
    return i < this.n ? this.sql.charCodeAt(i) : -1;
  }

  run(): Token[] {
    const sql = this.sql;
    const n = this.n;
    let i = 0;
    while (i < n) {
      const c = sql.charCodeAt(i);

      if (isSpace(c)) {
        let j = i + 1;
        while (j < n && isSpace(sql.charCodeAt(j))) j++;
        if (this.trivia) this.push('whitespace', i, j);
        i = j;
        continue;
      }

      if (c === 45 /* - */ && this.code(i + 1) === 45) {
        let j = i + 2;
        while (j < n) {
          const d = sql.charCodeAt(j);
          if (d === NL || d === CR) break;
          j++;
        }
        if (this.trivia) this.push('comment', i, j);
        i = j;
        continue;
      }

      if (c === 47 /* / */ && this.code(i + 1) === 42 /* * */) {
        const j = this.blockComment(i);
        if (this.trivia) this.push('comment', i, j);
        i = j;
        continue;
      }

      if (isIdentStart(c)) {
        i = this.word(i, c);
        continue;
      }

      if (c === QUOTE) {
        i = this.string(i, i, this.standardStrings ? 'standard' : 'escape');
        continue;
      }

      if (c === DQUOTE) {
        i = this.quotedIdent(i, i + 1, false);
        continue;
      }

      if (c === DOLLAR) {
        i = this.dollar(i);
        continue;
      }

      if (isDigit(c) || (c === 46 /* . */ && isDigit(this.code(i + 1)))) {
        i = this.number(i);
        continue;
      }

      switch (c) {
        case 40: // (
        case 41: // )
        case 91: // [
        case 93: // ]
        case 44: // ,
        case 59: // ;
          this.push('punct', i, i + 1);
          i++;
          continue;
        case 46: // . or ..
          if (this.code(i + 1) === 46) {
            this.push('punct', i, i + 2);
            i += 2;
          } else {
            this.push('punct', i, i + 1);
            i++;
          }
          continue;
        case 58: {
          // : or :: or :=
          const d = this.code(i + 1);
          if (d === 58 || d === 61) {
            this.push('op', i, i + 2);
            i += 2;
          } else {
            this.push('punct', i, i + 1);
            i++;
          }
          continue;
        }
        default:
          break;
      }

      if (isOpChar(c)) {
        i = this.operator(i);
        continue;
      }

      // {other}: one character, surrogate pairs kept together.
      const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
      this.push('other', i, i + width);
      i += width;
    }
    return this.out;
  }

  /** Nested block comment starting at `start` ('/*'); returns the offset past its end. */
  private blockComment(start: number): number {
    const sql = this.sql;
    const n = this.n;
    let depth = 1;
    let j = start + 2;
    while (j < n) {
      const d = sql.charCodeAt(j);
      if (d === 42 /* * */ && this.code(j + 1) === 47) {
        j += 2;
        if (--depth === 0) return j;
      } else if (d === 47 && this.code(j + 1) === 42) {
        depth++;
        j += 2;
      } else {
        j++;
      }
    }
    throw syntaxErrorAt(sql, start, 'unterminated /* comment');
  }

  /** An identifier/keyword, or one of the prefixed literals E'', B'', X'', N'', U&'', U&"". */
  private word(start: number, c: number): number {
    const next = this.code(start + 1);
    if (next === QUOTE) {
      switch (c | 0x20) {
        case 101: // e
          return this.string(start, start + 1, 'escape');
        case 98: // b
          return this.bitString(start, 'b');
        case 120: // x
          return this.bitString(start, 'x');
        case 110: // n: PostgreSQL reads N'…' as the keyword NCHAR followed by a string
          this.push('ident', start, start + 1, 'nchar');
          return start + 1;
        default:
          break;
      }
    } else if ((c | 0x20) === 117 /* u */ && next === 38 /* & */) {
      const q = this.code(start + 2);
      if (q === QUOTE) return this.string(start, start + 2, 'unicode');
      if (q === DQUOTE) return this.quotedIdent(start, start + 3, true);
    }
    const sql = this.sql;
    const n = this.n;
    let upper = c >= 65 && c <= 90;
    let ascii = c < 128;
    let j = start + 1;
    while (j < n) {
      const d = sql.charCodeAt(j);
      if (d < 128) {
        if ((CLASS[d]! & IDENT_CONT) === 0) break;
        if (d >= 65 && d <= 90) upper = true;
      } else ascii = false;
      j++;
    }
    const text = sql.slice(start, j);
    let value = text;
    if (upper) value = ascii ? text.toLowerCase() : foldIdentifier(text);
    if (!ascii || j - start > MAX_IDENTIFIER_BYTES) value = truncateIdentifier(value);
    this.out.push({ kind: 'ident', text, value, start, end: j, quoted: false });
    return j;
  }

  /** "quoted identifier" (or U&"…" when `unicode`); `bodyStart` is just past the opening quote. */
  private quotedIdent(start: number, bodyStart: number, unicode: boolean): number {
    const sql = this.sql;
    let value = '';
    let j = bodyStart;
    for (;;) {
      const q = sql.indexOf('"', j);
      if (q < 0) throw syntaxErrorAt(sql, start, 'unterminated quoted identifier');
      value += sql.slice(j, q);
      if (this.code(q + 1) === DQUOTE) {
        value += '"';
        j = q + 2;
        continue;
      }
      j = q + 1;
      break;
    }
    if (value.length === 0) throw syntaxErrorAt(sql, start, 'zero-length delimited identifier', sql.slice(start, j));
    let end = j;
    if (unicode) {
      const esc = this.uescape(end);
      if (esc !== null) end = esc.end;
      value = this.decodeUnicode(value, esc === null ? '\\' : esc.char, start, bodyStart);
    }
    this.push('ident', start, end, truncateIdentifier(value), true);
    return end;
  }

  /**
   * A quoted string starting at `start`; its opening quote is at `quotePos`. Handles '' doubling,
   * backslash escapes in 'escape' mode, U&'' escapes, and PostgreSQL's rule that two literals
   * separated only by whitespace containing a newline are one literal.
   */
  private string(start: number, quotePos: number, mode: 'standard' | 'escape' | 'unicode'): number {
    const sql = this.sql;
    const n = this.n;
    let j = quotePos + 1;
    this.value = '';
    this.bytes = null;
    for (;;) {
      if (j >= n) throw syntaxErrorAt(sql, start, 'unterminated quoted string');
      const c = sql.charCodeAt(j);
      if (c === QUOTE) {
        if (this.code(j + 1) === QUOTE) {
          this.text("'");
          j += 2;
          continue;
        }
        const cont = this.quoteContinue(j + 1);
        if (cont >= 0) {
          j = cont + 1;
          continue;
        }
        j++;
        break;
      }
      if (c === BACKSLASH && mode === 'escape') {
        j = this.escape(j, start);
        continue;
      }
      // Plain run up to the next quote or backslash.
      let k = j + 1;
      while (k < n) {
        const d = sql.charCodeAt(k);
        if (d === QUOTE || (d === BACKSLASH && mode === 'escape')) break;
        k++;
      }
      this.text(sql.slice(j, k));
      j = k;
    }
    this.flushBytes();
    let value = this.value;
    let end = j;
    if (mode === 'unicode') {
      const esc = this.uescape(end);
      if (esc !== null) end = esc.end;
      value = this.decodeUnicode(value, esc === null ? '\\' : esc.char, start, quotePos + 1);
    }
    this.push('string', start, end, value);
    return end;
  }

  /**
   * After a closing quote at `from`-1: if only whitespace with at least one newline (and `--`
   * comments) separates it from another quote, returns that quote's offset, else -1.
   */
  private quoteContinue(from: number): number {
    const sql = this.sql;
    const n = this.n;
    let j = from;
    let newline = false;
    while (j < n) {
      const c = sql.charCodeAt(j);
      if (c === NL || c === CR) {
        newline = true;
        j++;
      } else if (isSpace(c)) {
        j++;
      } else if (c === 45 && this.code(j + 1) === 45) {
        j += 2;
        while (j < n && sql.charCodeAt(j) !== NL && sql.charCodeAt(j) !== CR) j++;
      } else {
        break;
      }
    }
    return newline && j < n && sql.charCodeAt(j) === QUOTE ? j : -1;
  }

  /** Appends decoded text to the string being scanned. */
  private text(s: string): void {
    if (this.bytes !== null) this.flushBytes();
    this.value += s;
  }

  /** Appends a byte from a \ooo or \xhh escape; consecutive bytes must form valid UTF-8. */
  private byte(b: number): void {
    (this.bytes ??= []).push(b);
  }

  private flushBytes(): void {
    const b = this.bytes;
    if (b === null) return;
    this.bytes = null;
    try {
      this.value += UTF8.decode(Uint8Array.from(b));
    } catch {
      throw new GatewayError(
        'CHARACTER_NOT_IN_REPERTOIRE',
        `invalid byte sequence for encoding "UTF8": ${b.map((x) => '0x' + x.toString(16).padStart(2, '0')).join(' ')}`,
      );
    }
  }

  /** One backslash escape of an E'' string at `j`; returns the offset after it. */
  private escape(j: number, start: number): number {
    const sql = this.sql;
    const text = (s: string): void => this.text(s);
    const byte = (b: number): void => this.byte(b);
    const d = this.code(j + 1);
    if (d < 0) throw syntaxErrorAt(sql, start, 'unterminated quoted string');
    switch (d) {
      case 98: text('\b'); return j + 2;
      case 102: text('\f'); return j + 2;
      case 110: text('\n'); return j + 2;
      case 114: text('\r'); return j + 2;
      case 116: text('\t'); return j + 2;
      case 120: {
        // \xh or \xhh
        let k = j + 2;
        let v = 0;
        while (k < j + 4 && isHex(this.code(k))) v = v * 16 + parseInt(sql[k]!, 16), k++;
        if (k === j + 2) {
          text('x');
          return j + 2;
        }
        if (v === 0) throw nulByte();
        byte(v);
        return k;
      }
      case 117: // \uXXXX
      case 85: { // \UXXXXXXXX
        const len = d === 117 ? 4 : 8;
        const hex = sql.slice(j + 2, j + 2 + len);
        if (hex.length !== len || !isHexString(hex)) {
          // PostgreSQL: ERRCODE_INVALID_ESCAPE_SEQUENCE (22025), which the error table lacks.
          throw positionedError(sql, j, 'invalid Unicode escape', 'Unicode escapes must be \\uXXXX or \\UXXXXXXXX.');
        }
        let cp = parseInt(hex, 16);
        let k = j + 2 + len;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // A high surrogate must be followed by an escaped low surrogate.
          const lowEsc = this.code(k) === BACKSLASH ? this.code(k + 1) : -1;
          const lowLen = lowEsc === 117 ? 4 : lowEsc === 85 ? 8 : 0;
          const lowHex = lowLen ? sql.slice(k + 2, k + 2 + lowLen) : '';
          const low = lowLen && lowHex.length === lowLen && isHexString(lowHex) ? parseInt(lowHex, 16) : -1;
          if (low < 0xdc00 || low > 0xdfff) throw syntaxErrorAt(sql, k, 'invalid Unicode surrogate pair', this.nearInString(k));
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          k += 2 + lowLen;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          throw syntaxErrorAt(sql, j, 'invalid Unicode surrogate pair', sql.slice(j, k));
        }
        if (cp === 0 || cp > 0x10ffff) {
          throw syntaxErrorAt(sql, j, 'invalid Unicode escape value', sql.slice(j, k));
        }
        text(String.fromCodePoint(cp));
        return k;
      }
      default:
        if (d >= 48 && d <= 55) {
          // \o, \oo, \ooo (octal; the value is truncated to a byte, as in PostgreSQL)
          let k = j + 1;
          let v = 0;
          while (k < j + 4 && this.code(k) >= 48 && this.code(k) <= 55) v = v * 8 + (this.code(k) - 48), k++;
          v &= 0xff;
          if (v === 0) throw nulByte();
          byte(v);
          return k;
        }
        // Any other char stands for itself (\\, \', \" ...). Keep surrogate pairs whole.
        if (d >= 0xd800 && d <= 0xdbff && j + 2 < this.n) {
          text(sql.slice(j + 1, j + 3));
          return j + 3;
        }
        text(sql[j + 1]!);
        return j + 2;
    }
  }

  /** The text PostgreSQL quotes after "at or near" for an error inside an E'' string at `k`. */
  private nearInString(k: number): string {
    const sql = this.sql;
    const c = this.code(k);
    if (c === QUOTE) return "'";
    if (c === BACKSLASH) {
      const d = this.code(k + 1);
      const len = d === 117 ? 6 : d === 85 ? 10 : 2;
      return sql.slice(k, k + len);
    }
    let e = k;
    while (e < this.n && sql.charCodeAt(e) !== QUOTE && sql.charCodeAt(e) !== BACKSLASH) e++;
    return sql.slice(k, e);
  }

  /** B'…' / X'…': any chars up to the closing quote; no '' doubling (as in PostgreSQL). */
  private bitString(start: number, prefix: 'b' | 'x'): number {
    const sql = this.sql;
    let value = '';
    let j = start + 2;
    for (;;) {
      const q = sql.indexOf("'", j);
      if (q < 0) {
        throw syntaxErrorAt(sql, start, prefix === 'b' ? 'unterminated bit string literal' : 'unterminated hexadecimal string literal');
      }
      value += sql.slice(j, q);
      const cont = this.quoteContinue(q + 1);
      if (cont >= 0) {
        j = cont + 1;
        continue;
      }
      j = q + 1;
      break;
    }
    this.push('bitstring', start, j, prefix + value);
    return j;
  }

  /**
   * After U&'…' or U&"…" ending at `from`: an optional `UESCAPE 'c'` clause. Returns the escape
   * char and the offset past the clause, or null when there is none.
   */
  private uescape(from: number): { char: string; end: number } | null {
    const sql = this.sql;
    let j = this.skipTrivia(from);
    if (j + 7 > this.n || sql.slice(j, j + 7).toLowerCase() !== 'uescape' || isIdentCont(this.code(j + 7))) return null;
    const kw = j;
    j = this.skipTrivia(j + 7);
    if (this.code(j) !== QUOTE) throw syntaxErrorAt(sql, kw, 'syntax error', sql.slice(kw, kw + 7));
    const close = sql.indexOf("'", j + 1);
    if (close < 0) throw syntaxErrorAt(sql, j, 'unterminated quoted string');
    const ch = sql.slice(j + 1, close);
    if (ch.length !== 1 || isHex(ch.charCodeAt(0)) || '+\'"'.includes(ch) || isSpace(ch.charCodeAt(0))) {
      throw syntaxErrorAt(sql, j, 'invalid Unicode escape character', sql.slice(j, close + 1));
    }
    return { char: ch, end: close + 1 };
  }

  private skipTrivia(from: number): number {
    const sql = this.sql;
    let j = from;
    while (j < this.n) {
      const c = sql.charCodeAt(j);
      if (isSpace(c)) j++;
      else if (c === 45 && this.code(j + 1) === 45) {
        while (j < this.n && sql.charCodeAt(j) !== NL && sql.charCodeAt(j) !== CR) j++;
      } else if (c === 47 && this.code(j + 1) === 42) j = this.blockComment(j);
      else break;
    }
    return j;
  }

  /** Decodes \XXXX and \+XXXXXX escapes (escape char `esc`) of U&'' / U&"" content. */
  private decodeUnicode(s: string, esc: string, start: number, bodyStart: number): string {
    if (!s.includes(esc)) return s;
    let out = '';
    let i = 0;
    // Positions of errors point at the escape in the source; content offsets map 1:1 unless the
    // literal had '' doublings or continuations, in which case we point at the literal's start.
    const at = (k: number): number => (this.sql.slice(bodyStart, bodyStart + s.length) === s ? bodyStart + k : start);
    const hint = `Unicode escapes must be ${esc}XXXX or ${esc}+XXXXXX.`;
    let pendingHigh = -1;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch !== esc) {
        if (pendingHigh >= 0) throw positionedError(this.sql, at(i), 'invalid Unicode surrogate pair');
        out += ch;
        i++;
        continue;
      }
      if (s[i + 1] === esc) {
        if (pendingHigh >= 0) throw positionedError(this.sql, at(i), 'invalid Unicode surrogate pair');
        out += esc;
        i += 2;
        continue;
      }
      let hex: string;
      let len: number;
      if (s[i + 1] === '+') {
        hex = s.slice(i + 2, i + 8);
        len = 8;
      } else {
        hex = s.slice(i + 1, i + 5);
        len = 5;
      }
      if (hex.length !== len - (len === 8 ? 2 : 1) || !isHexString(hex)) {
        throw positionedError(this.sql, at(i), 'invalid Unicode escape', hint);
      }
      const cp = parseInt(hex, 16);
      if (pendingHigh >= 0) {
        if (cp < 0xdc00 || cp > 0xdfff) throw positionedError(this.sql, at(i), 'invalid Unicode surrogate pair');
        out += String.fromCodePoint(0x10000 + ((pendingHigh - 0xd800) << 10) + (cp - 0xdc00));
        pendingHigh = -1;
      } else if (cp >= 0xd800 && cp <= 0xdbff) {
        pendingHigh = cp;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        throw positionedError(this.sql, at(i), 'invalid Unicode surrogate pair');
      } else if (cp === 0 || cp > 0x10ffff) {
        throw positionedError(this.sql, at(i), 'invalid Unicode escape value');
      } else {
        out += String.fromCodePoint(cp);
      }
      i += len;
    }
    if (pendingHigh >= 0) throw positionedError(this.sql, at(s.length), 'invalid Unicode surrogate pair');
    return out;
  }

  /** `$1` parameter, `$tag$…$tag$` dollar quote, or a lone '$'. */
  private dollar(start: number): number {
    const sql = this.sql;
    const n = this.n;
    let j = start + 1;
    if (isDigit(this.code(j))) {
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      if (j < n && isIdentStart(sql.charCodeAt(j))) {
        let k = j + 1;
        while (k < n && isIdentCont(sql.charCodeAt(k))) k++;
        throw syntaxErrorAt(sql, start, 'trailing junk after parameter', sql.slice(start, k));
      }
      this.push('param', start, j, sql.slice(start + 1, j));
      return j;
    }
    // $$ or $tag$ where tag starts with a letter/_ and has no '$'.
    if (j < n && isIdentStart(sql.charCodeAt(j))) {
      j++;
      while (j < n && isDolqCont(sql.charCodeAt(j))) j++;
    }
    if (this.code(j) !== DOLLAR) {
      // Not a delimiter: PostgreSQL returns the '$' alone.
      this.push('other', start, start + 1);
      return start + 1;
    }
    const delim = sql.slice(start, j + 1);
    const bodyStart = j + 1;
    const close = sql.indexOf(delim, bodyStart);
    if (close < 0) throw syntaxErrorAt(sql, start, 'unterminated dollar-quoted string');
    const end = close + delim.length;
    this.push('string', start, end, sql.slice(bodyStart, close));
    return end;
  }

  /** Integer, decimal or real; trailing identifier chars are an error (PostgreSQL 15). */
  private number(start: number): number {
    const sql = this.sql;
    const n = this.n;
    let j = start;
    while (j < n && isDigit(sql.charCodeAt(j))) j++;
    if (this.code(j) === 46 /* . */ && this.code(j + 1) !== 46) {
      j++;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
    }
    const e = this.code(j);
    if (e === 101 || e === 69) {
      let k = j + 1;
      const sign = this.code(k);
      if (sign === 43 || sign === 45) k++;
      if (isDigit(this.code(k))) {
        j = k;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
      } else if (sign === 43 || sign === 45) {
        throw syntaxErrorAt(sql, start, 'trailing junk after numeric literal', sql.slice(start, k));
      }
    }
    if (j < n && isIdentStart(sql.charCodeAt(j))) {
      let k = j + 1;
      while (k < n && isIdentCont(sql.charCodeAt(k))) k++;
      throw syntaxErrorAt(sql, start, 'trailing junk after numeric literal', sql.slice(start, k));
    }
    this.push('number', start, j);
    return j;
  }

  /** An operator per scan.l's {operator} rule, including its truncation rules. */
  private operator(start: number): number {
    const sql = this.sql;
    const n = this.n;
    let j = start + 1;
    while (j < n && isOpChar(sql.charCodeAt(j))) j++;
    let len = j - start;
    // A comment start inside the run ends the operator.
    for (let k = start + 1; k < start + len; k++) {
      const a = sql.charCodeAt(k);
      const b = k + 1 < n ? sql.charCodeAt(k + 1) : -1;
      if ((a === 47 && b === 42) || (a === 45 && b === 45)) {
        if (k + 1 < start + len) {
          len = k - start;
          break;
        }
      }
    }
    // A multi-char operator cannot end in + or - unless it contains one of ~ ! @ # ^ & | ` ? %.
    if (len > 1) {
      const last = sql.charCodeAt(start + len - 1);
      if (last === 43 || last === 45) {
        let special = false;
        for (let k = start; k < start + len - 1; k++) {
          const ch = sql.charCodeAt(k);
          if (ch === 126 || ch === 33 || ch === 64 || ch === 35 || ch === 94 || ch === 38 || ch === 124 || ch === 96 || ch === 63 || ch === 37) {
            special = true;
            break;
          }
        }
        if (!special) {
          do len--;
          while (len > 1 && (sql.charCodeAt(start + len - 1) === 43 || sql.charCodeAt(start + len - 1) === 45));
        }
      }
    }
    this.push('op', start, start + len);
    return start + len;
  }
}

/** An error PostgreSQL raises after scanning: a message and a position, no "at or near". */
function positionedError(sql: string, offset: number, message: string, hint?: string): GatewayError {
  const opts: { position: number; hint?: string } = { position: positionAt(sql, offset) };
  if (hint !== undefined) opts.hint = hint;
  return new GatewayError('SYNTAX_ERROR', message, opts);
}

function isHexString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isHex(s.charCodeAt(i))) return false;
  return s.length > 0;
}

function nulByte(): GatewayError {
  return new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', 'invalid byte sequence for encoding "UTF8": 0x00');
}
