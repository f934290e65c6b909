/**
 * json and jsonb text input. json keeps the text as given once it is valid; jsonb is stored decomposed by
 * PostgreSQL, so its input is turned into the text jsonb_out prints: object keys ordered by length then
 * bytes with the last duplicate winning, ', ' and ': ' separators, numbers in numeric's canonical form.
 */
import { GatewayError } from '../errors/index.ts';
import { checkNoNul, decodeUtf8 } from './text.ts';
import { parseNumeric } from './numeric.ts';
import { UNTRANSLATABLE_CODE, badBinary } from './errors.ts';

type Json = null | boolean | { num: string } | string | Json[] | Map<string, Json>;

class JsonSyntax extends Error {}

function invalidJson(detail: string): GatewayError {
  return new GatewayError('INVALID_TEXT_REPRESENTATION', 'invalid input syntax for type json', { detail });
}

/** A strict RFC 8259 parser that keeps number text and reports PostgreSQL-like details. */
function parse(text: string, forJsonb: boolean): Json {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const token = (): string => {
    let j = i;
    while (j < n && /[A-Za-z0-9_+\-.]/.test(text[j]!)) j++;
    return j > i ? text.slice(i, j) : text.slice(i, i + 1);
  };
  const fail = (what?: string): never => {
    if (i >= n) throw new JsonSyntax('The input string ended unexpectedly.');
    throw new JsonSyntax(what ?? `Token "${token()}" is invalid.`);
  };
  const value = (): Json => {
    ws();
    if (i >= n) fail();
    const c = text[i]!;
    if (c === '{') {
      i++;
      const obj = new Map<string, Json>();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i < n ? `Expected string, but found "${token()}".` : undefined);
        const key = str();
        ws();
        if (text[i] !== ':') fail(i < n ? `Expected ":", but found "${token()}".` : undefined);
        i++;
        const v = value();
        obj.delete(key);
        obj.set(key, v);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(i < n ? `Expected "," or "}", but found "${token()}".` : undefined);
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(i < n ? `Expected "," or "]", but found "${token()}".` : undefined);
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m !== null && m[0].length > 0 && !/[A-Za-z0-9_.]/.test(text[i + m[0].length] ?? '')) {
      i += m[0].length;
      return { num: m[0] };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? '')) {
        i += word.length;
        return v;
      }
    }
    return fail();
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return out;
      }
      if (c < 32) throw new JsonSyntax(`Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== 92) {
        out += text[i];
        i++;
        continue;
      }
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const h = text.slice(i, i + 4);
          if (!/^[0-9A-Fa-f]{4}$/.test(h)) throw new JsonSyntax('"\\u" must be followed by four hexadecimal digits.');
          i += 4;
          const code = parseInt(h, 16);
          if (code >= 0xd800 && code <= 0xdbff) {
            const lo = /^\\u([dD][c-fC-F][0-9A-Fa-f]{2})/.exec(text.slice(i, i + 6));
            if (lo === null) {
              if (/^\\u[dD][89abAB]/.test(text.slice(i, i + 4))) throw new JsonSyntax('Unicode high surrogate must not follow a high surrogate.');
              throw new JsonSyntax('Unicode low surrogate must follow a high surrogate.');
            }
            i += 6;
            out += String.fromCharCode(code, parseInt(lo[1]!, 16));
          } else if (code >= 0xdc00 && code <= 0xdfff) {
            throw new JsonSyntax('Unicode low surrogate must follow a high surrogate.');
          } else {
            if (code === 0 && forJsonb) {
              throw new GatewayError(UNTRANSLATABLE_CODE, 'unsupported Unicode escape sequence', { detail: '\\u0000 cannot be converted to text.' });
            }
            out += String.fromCharCode(code);
          }
          break;
        }
        default:
          throw new JsonSyntax(`Escape sequence "\\${e ?? ''}" is invalid.`);
      }
    }
  };
  const v = value();
  ws();
  if (i < n) fail();
  return v;
}

function validate(text: string, forJsonb: boolean): Json {
  checkNoNul(text);
  try {
    return parse(text, forJsonb);
  } catch (e) {
    if (e instanceof JsonSyntax) throw invalidJson(e.message);
    throw e;
  }
}

/** json input: validates and keeps the text as given. */
export function parseJsonText(text: string): string {
  validate(text, false);
  return text;
}

function byteCompare(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return ba.length - bb.length;
  return Buffer.compare(ba, bb);
}

function quote(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    const c = s.charCodeAt(k);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function serialize(v: Json): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `[${v.map(serialize).join(', ')}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(byteCompare);
    return `{${keys.map((k) => `${quote(k)}: ${serialize(v.get(k)!)}`).join(', ')}}`;
  }
  return parseNumeric(v.num);
}

/** jsonb input: validates and returns the text jsonb_out would print. */
export function parseJsonbText(text: string): string {
  return serialize(validate(text, true));
}

/** jsonb binary format: a version byte (1) followed by the JSON text. */
export function jsonbFromBinary(b: Uint8Array): string {
  if (b.length < 1 || b[0] !== 1) throw badBinary(`unsupported jsonb version number ${b[0] ?? 'missing'}`);
  return parseJsonbText(decodeUtf8(b.subarray(1)));
}
