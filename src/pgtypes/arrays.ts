/**
 * Arrays: text output and input with PostgreSQL's quoting rules (array_out / array_in), and the binary
 * format (array_send / array_recv). Values are nested JS arrays, one level per dimension; lower bounds are
 * always 1 (a literal's '[0:2]=' decoration is accepted and dropped).
 */
import { GatewayError } from '../errors/index.ts';
import { badBinary } from './errors.ts';
import type { PgValue } from './values.ts';

// ---------------------------------------------------------------------------------------------------------
// Text output

function isArraySpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Quotes an element's text when array_out would. */
export function quoteArrayElement(s: string): string {
  let needQuote = s.length === 0 || (s.length === 4 && s.toLowerCase() === 'null');
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) {
      needQuote = true;
      escapes++;
    } else if (c === 123 || c === 125 || c === 44 || isArraySpace(c)) needQuote = true;
  }
  if (!needQuote) return s;
  if (escapes === 0) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return `${out}"`;
}

/** Builds the array text formatter around an element formatter (selected once per column). */
export function arrayTextFormatter(element: (v: PgValue) => string): (v: PgValue) => string {
  const format = (v: PgValue): string => {
    const a = v as PgValue[];
    if (a.length === 0) return '{}';
    let out = '{';
    for (let i = 0; i < a.length; i++) {
      if (i > 0) out += ',';
      const e = a[i]!;
      if (e === null || e === undefined) out += 'NULL';
      else if (Array.isArray(e)) out += format(e);
      else out += quoteArrayElement(element(e));
    }
    return `${out}}`;
  };
  return format;
}

// ---------------------------------------------------------------------------------------------------------
// Text input

function malformed(input: string, detail: string): GatewayError {
  return new GatewayError('INVALID_TEXT_REPRESENTATION', `malformed array literal: "${input}"`, { detail });
}

/**
 * array_in: parses '{1,2,NULL}', '{{1,2},{3,4}}', '{"a b","x\"y"}', with optional '[1:2]=' dimensions.
 * Each element's text goes through `element` (the element type's text decoder).
 */
export function parseArrayLiteral(input: string, element: (s: string) => PgValue): PgValue[] {
  let i = 0;
  const s = input;
  const n = s.length;
  const skipSpace = (): void => {
    while (i < n && isArraySpace(s.charCodeAt(i))) i++;
  };
  skipSpace();
  if (s[i] === '[') {
    // Dimension decoration: [lb:ub][lb:ub]...=
    while (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0 || !/^\s*[+-]?\d+\s*(:\s*[+-]?\d+\s*)?$/.test(s.slice(i + 1, close))) {
        throw malformed(input, 'Missing "]" after array dimensions.');
      }
      i = close + 1;
    }
    skipSpace();
    if (s[i] !== '=') throw malformed(input, 'Missing "=" after array dimensions.');
    i++;
    skipSpace();
  }
  if (s[i] !== '{') throw malformed(input, 'Array value must start with "{" or dimension information.');

  /** Lengths seen per depth, to enforce rectangular shape. */
  const dimLengths: number[] = [];
  let leafDepth = -1;

  const parseLevel = (depth: number): PgValue[] => {
    i++; // '{'
    const out: PgValue[] = [];
    skipSpace();
    if (s[i] === '}') {
      i++;
      if (depth > 0) throw malformed(input, 'Unexpected "}" character.');
      return out;
    }
    for (;;) {
      skipSpace();
      if (i >= n) throw malformed(input, 'Unexpected end of input.');
      const c = s[i];
      if (c === '{') {
        if (leafDepth >= 0 && leafDepth <= depth) throw malformed(input, 'Unexpected "{" character.');
        out.push(parseLevel(depth + 1));
      } else {
        if (c === '}' || c === ',') throw malformed(input, `Unexpected "${c}" character.`);
        if (leafDepth === -1) leafDepth = depth;
        else if (leafDepth !== depth) throw malformed(input, 'Multidimensional arrays must have sub-arrays with matching dimensions.');
        out.push(parseElement());
      }
      skipSpace();
      if (i >= n) throw malformed(input, 'Unexpected end of input.');
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      throw malformed(input, `Unexpected "${s[i]}" character.`);
    }
    const seen = dimLengths[depth];
    if (seen === undefined) dimLengths[depth] = out.length;
    else if (seen !== out.length) throw malformed(input, 'Multidimensional arrays must have sub-arrays with matching dimensions.');
    return out;
  };

  const parseElement = (): PgValue => {
    if (s[i] === '"') {
      i++;
      let text = '';
      for (;;) {
        if (i >= n) throw malformed(input, 'Unexpected end of input.');
        const ch = s[i]!;
        if (ch === '\\') {
          if (i + 1 >= n) throw malformed(input, 'Unexpected end of input.');
          text += s[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          text += ch;
          i++;
        }
      }
      return element(text);
    }
    let text = '';
    let escaped = false;
    let keepTo = 0; // length of text up to the last escaped char (not trimmed)
    for (;;) {
      if (i >= n) throw malformed(input, 'Unexpected end of input.');
      const ch = s[i]!;
      if (ch === '\\') {
        if (i + 1 >= n) throw malformed(input, 'Unexpected end of input.');
        text += s[i + 1];
        i += 2;
        escaped = true;
        keepTo = text.length;
        continue;
      }
      if (ch === ',' || ch === '}') break;
      if (ch === '{' || ch === '"') throw malformed(input, `Unexpected "${ch}" character.`);
      text += ch;
      i++;
    }
    let end = text.length;
    while (end > keepTo && isArraySpace(text.charCodeAt(end - 1))) end--;
    text = text.slice(0, end);
    if (!escaped && text.length === 4 && text.toLowerCase() === 'null') return null;
    return element(text);
  };

  const result = parseLevel(0);
  skipSpace();
  if (i !== n) throw malformed(input, 'Junk after closing right brace.');
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Binary

/** Dimensions of a nested array value; throws for ragged arrays, which PostgreSQL cannot represent. */
export function arrayDimensions(v: PgValue[]): number[] {
  if (v.length === 0) return [];
  const dims: number[] = [];
  let cur: PgValue = v;
  while (Array.isArray(cur)) {
    dims.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  const check = (a: PgValue[], depth: number): void => {
    if (a.length !== dims[depth]) throw new GatewayError('INTERNAL', 'cannot encode a ragged array value: sub-arrays must have matching dimensions');
    for (const e of a) {
      if (depth + 1 < dims.length) {
        if (!Array.isArray(e)) throw new GatewayError('INTERNAL', 'cannot encode a ragged array value: sub-arrays must have matching dimensions');
        check(e, depth + 1);
      } else if (Array.isArray(e)) {
        throw new GatewayError('INTERNAL', 'cannot encode a ragged array value: sub-arrays must have matching dimensions');
      }
    }
  };
  check(v, 0);
  if (dims.includes(0)) return [];
  return dims;
}

/** array_send: ndim, has-null flag, element OID, (size, lower bound 1) per dimension, then the elements. */
export function arrayToBinary(v: PgValue[], elementOid: number, element: (e: PgValue) => Uint8Array): Uint8Array {
  const dims = arrayDimensions(v);
  const encoded: Array<Uint8Array | null> = [];
  let total = 12 + 8 * dims.length;
  let hasNull = 0;
  const walk = (a: PgValue[], depth: number): void => {
    for (const e of a) {
      if (depth + 1 < dims.length) walk(e as PgValue[], depth + 1);
      else if (e === null || e === undefined) {
        encoded.push(null);
        hasNull = 1;
        total += 4;
      } else {
        const b = element(e);
        encoded.push(b);
        total += 4 + b.length;
      }
    }
  };
  if (dims.length > 0) walk(v, 0);
  const out = Buffer.allocUnsafe(total);
  out.writeInt32BE(dims.length, 0);
  out.writeInt32BE(hasNull, 4);
  out.writeUInt32BE(elementOid >>> 0, 8);
  let pos = 12;
  for (const d of dims) {
    out.writeInt32BE(d, pos);
    out.writeInt32BE(1, pos + 4);
    pos += 8;
  }
  for (const b of encoded) {
    if (b === null) {
      out.writeInt32BE(-1, pos);
      pos += 4;
    } else {
      out.writeInt32BE(b.length, pos);
      out.set(b, pos + 4);
      pos += 4 + b.length;
    }
  }
  return out;
}

const MAXDIM = 6;

/** array_recv: the inverse of arrayToBinary; checks the element type and every length. */
export function arrayFromBinary(b: Uint8Array, elementOid: number, element: (e: Uint8Array) => PgValue): PgValue[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (pos: number, len: number): void => {
    if (pos + len > b.length) throw badBinary('insufficient data left in message');
  };
  need(0, 12);
  const ndim = view.getInt32(0);
  const flags = view.getInt32(4);
  const elemType = view.getUint32(8);
  if (ndim < 0) throw badBinary(`invalid number of dimensions: ${ndim}`);
  if (ndim > MAXDIM) throw badBinary(`number of array dimensions (${ndim}) exceeds the maximum allowed (${MAXDIM})`);
  if (flags !== 0 && flags !== 1) throw badBinary('invalid array flags');
  if (elemType !== elementOid) {
    throw new GatewayError('DATATYPE_MISMATCH', `binary data has array element type ${elemType} instead of expected ${elementOid}`);
  }
  let pos = 12;
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    need(pos, 8);
    const size = view.getInt32(pos);
    if (size < 0) throw badBinary('array size exceeds the maximum allowed');
    dims.push(size);
    count *= size;
    pos += 8;
  }
  if (ndim === 0 || count === 0) {
    if (pos !== b.length) throw badBinary('incorrect binary data format in array');
    return [];
  }
  const flat: PgValue[] = [];
  for (let k = 0; k < count; k++) {
    need(pos, 4);
    const len = view.getInt32(pos);
    pos += 4;
    if (len === -1) {
      flat.push(null);
      continue;
    }
    if (len < -1 || pos + len > b.length) throw badBinary('insufficient data left in message');
    try {
      flat.push(element(b.subarray(pos, pos + len)));
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'INVALID_BINARY_REPRESENTATION') {
        throw badBinary(`improper binary format in array element ${k + 1}`);
      }
      throw e;
    }
    pos += len;
  }
  if (pos !== b.length) throw badBinary('incorrect binary data format in array');
  let idx = 0;
  const build = (depth: number): PgValue[] => {
    const out: PgValue[] = [];
    for (let k = 0; k < dims[depth]!; k++) out.push(depth + 1 < ndim ? build(depth + 1) : (flat[idx++] as PgValue));
    return out;
  };
  return build(0);
}
