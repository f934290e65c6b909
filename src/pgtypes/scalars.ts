/**
 * Text input of bool, the integer types and oid, with PostgreSQL's exact acceptance rules and messages
 * (boolin, pg_strtoint16/32/64, oidin).
 */
import { invalidSyntax, valueOutOfRange } from './errors.ts';

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** boolin: t/true/y/yes/on/1 and f/false/n/no/off/0, any unique prefix, any case, surrounding whitespace. */
export function parseBool(s: string): boolean {
  let i = 0;
  let j = s.length;
  while (i < j && isCSpace(s.charCodeAt(i))) i++;
  while (j > i && isCSpace(s.charCodeAt(j - 1))) j--;
  const len = j - i;
  if (len > 0) {
    const v = s.slice(i, j).toLowerCase();
    switch (v[0]) {
      case 't':
        if ('true'.startsWith(v)) return true;
        break;
      case 'f':
        if ('false'.startsWith(v)) return false;
        break;
      case 'y':
        if ('yes'.startsWith(v)) return true;
        break;
      case 'n':
        if ('no'.startsWith(v)) return false;
        break;
      case 'o':
        if (len >= 2 && 'on'.startsWith(v)) return true;
        if (len >= 2 && 'off'.startsWith(v)) return false;
        break;
      case '1':
        if (len === 1) return true;
        break;
      case '0':
        if (len === 1) return false;
        break;
    }
  }
  throw invalidSyntax('boolean', s);
}

/** Skips leading C whitespace and an optional sign; where the digits of an integer literal start. */
function signedStart(s: string): { negative: boolean; start: number } {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  const c0 = s.charCodeAt(i);
  if (c0 === 45) return { negative: true, start: i + 1 };
  return { negative: false, start: c0 === 43 ? i + 1 : i };
}

/** Only trailing C whitespace may follow the digits of an integer literal. */
function expectEnd(s: string, i: number, typeName: string): void {
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  if (i !== s.length) throw invalidSyntax(typeName, s);
}

/**
 * Shared integer scanner: optional whitespace, sign, at least one digit, optional whitespace. Overflow is
 * reported as soon as the digits exceed the limit (PostgreSQL does the same, even when junk follows).
 */
function parseSmallInt(s: string, min: number, max: number, typeName: string): number {
  const n = s.length;
  const { negative: neg, start } = signedStart(s);
  let i = start;
  let v = 0;
  const limit = neg ? -min : max;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    if (v > limit) throw valueOutOfRange(s, typeName);
    i++;
  }
  if (i === start) throw invalidSyntax(typeName, s);
  expectEnd(s, i, typeName);
  return neg ? -v : v;
}

export function parseInt2(s: string): number {
  return parseSmallInt(s, -32768, 32767, 'smallint');
}

export function parseInt4(s: string): number {
  return parseSmallInt(s, -2147483648, 2147483647, 'integer');
}

const INT8_MAX = 9223372036854775807n;

export function parseInt8(s: string): bigint {
  const n = s.length;
  const { negative: neg, start } = signedStart(s);
  let i = start;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  const digitsEnd = i;
  let lead = start;
  while (lead < digitsEnd - 1 && s.charCodeAt(lead) === 48) lead++;
  // Up to 18 significant digits can never overflow; check longer ones exactly.
  if (digitsEnd - lead > 19) throw valueOutOfRange(s, 'bigint');
  if (i === start) throw invalidSyntax('bigint', s);
  let v: bigint;
  if (digitsEnd - lead <= 15) {
    v = BigInt(Number(s.slice(lead, digitsEnd)));
  } else {
    v = BigInt(s.slice(lead, digitsEnd));
    if (v > (neg ? INT8_MAX + 1n : INT8_MAX)) throw valueOutOfRange(s, 'bigint');
  }
  expectEnd(s, i, 'bigint');
  return neg ? -v : v;
}

/** oidin: strtoul semantics; negative inputs wrap (-1 is 4294967295), as PostgreSQL accepts them. */
export function parseOid(s: string): number {
  const n = s.length;
  const { negative: neg, start } = signedStart(s);
  let i = start;
  let v = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  if (i === start) throw invalidSyntax('oid', s);
  // strtoul saturates; anything beyond 2^32-1 (or below -2^31 for negative input) is out of range
  if (neg ? v > 2147483648 : v > 4294967295) throw valueOutOfRange(s, 'oid');
  expectEnd(s, i, 'oid');
  return neg && v !== 0 ? 4294967296 - v : v;
}
