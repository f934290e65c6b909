/**
 * numeric: text input (PostgreSQL's numeric_in, producing the canonical text numeric_out would print),
 * and the binary format (numeric_send / numeric_recv: base-10000 digits, weight, sign, dscale).
 */
import { badBinary, badBinaryLength, invalidSyntax, numericOutOfRange } from './errors.ts';

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
/** numeric_send reports a dscale of 32 for the infinities (an artifact of their header bits); mirror it. */
const SPECIAL_INF_DSCALE = 0x20;
const NUMERIC_DSCALE_MAX = 0x3fff;
/** Largest number of decimal digits before the point (weight 32767 in base 10000). */
const MAX_INT_DIGITS = 131072;

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A parsed finite decimal: digits without leading zeros ('' for zero), and the count that are fractional. */
interface Decimal {
  neg: boolean;
  /** Significant digits, no leading zeros; may have trailing zeros (they are part of the scale). */
  digits: string;
  /** Number of digits after the decimal point (the display scale, >= 0). */
  dscale: number;
  /** Digits before the decimal point ('' when the value is < 1). */
  intDigits: number;
}

const SPECIAL_WORDS: ReadonlyArray<readonly [string, string]> = [
  ['nan', 'NaN'],
  ['infinity', 'Infinity'],
  ['+infinity', 'Infinity'],
  ['-infinity', '-Infinity'],
  ['inf', 'Infinity'],
  ['+inf', 'Infinity'],
  ['-inf', '-Infinity'],
];

/**
 * Parses numeric text as numeric_in does (whitespace, sign, digits, point, exponent, NaN and infinities),
 * returning either a special value or a Decimal. Throws PostgreSQL's errors; `original` is quoted in them.
 */
function parseNumericText(s: string, original: string): Decimal | string {
  const n = s.length;
  let i = 0;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  let end = n;
  while (end > i && isCSpace(s.charCodeAt(end - 1))) end--;
  const body = i === 0 && end === n ? s : s.slice(i, end);
  const first = body.charCodeAt(0) === 43 || body.charCodeAt(0) === 45 ? body.charCodeAt(1) : body.charCodeAt(0);
  if ((first | 0x20) >= 97 && (first | 0x20) <= 122) {
    const lower = body.toLowerCase();
    for (const [word, value] of SPECIAL_WORDS) {
      // numeric_in matches these as prefixes, then requires only whitespace after them.
      if (lower === word) return value;
    }
  }
  let p = 0;
  let neg = false;
  const c0 = body.charCodeAt(0);
  if (c0 === 43) p++;
  else if (c0 === 45) {
    neg = true;
    p++;
  }
  let intPart = '';
  let fracPart = '';
  let start = p;
  while (p < body.length && body.charCodeAt(p) >= 48 && body.charCodeAt(p) <= 57) p++;
  intPart = body.slice(start, p);
  if (p < body.length && body.charCodeAt(p) === 46) {
    p++;
    start = p;
    while (p < body.length && body.charCodeAt(p) >= 48 && body.charCodeAt(p) <= 57) p++;
    fracPart = body.slice(start, p);
  }
  if (intPart.length === 0 && fracPart.length === 0) throw invalidSyntax('numeric', original);
  let exponent = 0;
  if (p < body.length && (body.charCodeAt(p) | 0x20) === 101) {
    p++;
    // strtol: optional whitespace, sign, digits
    while (p < body.length && isCSpace(body.charCodeAt(p))) p++;
    let eneg = false;
    if (body[p] === '+' || body[p] === '-') {
      eneg = body[p] === '-';
      p++;
    }
    start = p;
    while (p < body.length && body.charCodeAt(p) >= 48 && body.charCodeAt(p) <= 57) p++;
    if (p === start) throw invalidSyntax('numeric', original);
    const digits = body.slice(start, p).replace(/^0+(?=\d)/, '');
    if (digits.length > 10) throw numericOutOfRange('value overflows numeric format');
    exponent = Number(digits);
    if (exponent >= 1073741823) throw numericOutOfRange('value overflows numeric format');
    if (eneg) exponent = -exponent;
  }
  if (p !== body.length) throw invalidSyntax('numeric', original);
  // value = (intPart fracPart) * 10^(exponent - fracPart.length)
  let all = intPart + fracPart;
  let pointPos = intPart.length + exponent; // digits of `all` before the point
  let lead = 0;
  while (lead < all.length && all.charCodeAt(lead) === 48) lead++;
  all = all.slice(lead);
  pointPos -= lead;
  let dscale = fracPart.length - exponent;
  if (dscale < 0) dscale = 0;
  if (all.length === 0) return { neg: false, digits: '', dscale, intDigits: 0 };
  if (pointPos > MAX_INT_DIGITS || dscale > NUMERIC_DSCALE_MAX) throw numericOutOfRange('value overflows numeric format');
  // Digits of `all` beyond the scale can only be zeros (dscale >= fractional digits present).
  const keep = pointPos + dscale;
  if (keep < all.length) all = all.slice(0, Math.max(keep, 0));
  return { neg, digits: all, dscale, intDigits: pointPos };
}

/** The canonical numeric_out text of a parsed decimal. */
function decimalToText(d: Decimal): string {
  const { digits, dscale, intDigits } = d;
  let intStr: string;
  let frac: string;
  if (intDigits <= 0) {
    intStr = '0';
    frac = '0'.repeat(-intDigits) + digits;
  } else if (digits.length <= intDigits) {
    intStr = digits + '0'.repeat(intDigits - digits.length);
    frac = '';
  } else {
    intStr = digits.slice(0, intDigits);
    frac = digits.slice(intDigits);
  }
  if (frac.length < dscale) frac += '0'.repeat(dscale - frac.length);
  else if (frac.length > dscale) frac = frac.slice(0, dscale);
  let sign = '';
  if (d.neg) {
    for (let k = 0; k < intStr.length && sign === ''; k++) if (intStr.charCodeAt(k) !== 48) sign = '-';
    for (let k = 0; k < frac.length && sign === ''; k++) if (frac.charCodeAt(k) !== 48) sign = '-';
  }
  return dscale > 0 ? `${sign}${intStr}.${frac}` : `${sign}${intStr}`;
}

/**
 * numeric text input: validates like PostgreSQL and returns the canonical text PostgreSQL would store and
 * print ('1.50e1' -> '15.0', ' -0.00 ' -> '0.00', 'inf' -> 'Infinity', '.5' -> '0.5').
 */
export function parseNumeric(s: string): string {
  const d = parseNumericText(s, s);
  return typeof d === 'string' ? d : decimalToText(d);
}

// ---------------------------------------------------------------------------------------------------------
// Binary

/** numeric_send of a numeric value given as its decimal text (any form numeric_in accepts). */
export function numericToBinary(text: string): Uint8Array {
  const d = parseNumericText(text, text);
  if (typeof d === 'string') {
    const sign = d === 'NaN' ? NUMERIC_NAN : d === 'Infinity' ? NUMERIC_PINF : NUMERIC_NINF;
    const out = new Uint8Array(8);
    out[4] = sign >> 8;
    out[6] = 0;
    out[7] = sign === NUMERIC_NAN ? 0 : SPECIAL_INF_DSCALE;
    return out;
  }
  const { digits, dscale, intDigits } = d;
  // Align to base-10000 groups: pad the integer part on the left to a multiple of 4 digits.
  const padLeft = ((4 - (intDigits % 4)) % 4 + 4) % 4;
  const aligned = '0'.repeat(padLeft) + digits;
  const firstGroupWeight = Math.floor((intDigits + padLeft) / 4) - 1;
  const groups: number[] = [];
  for (let k = 0; k < aligned.length; k += 4) {
    let g = 0;
    for (let j = k; j < k + 4; j++) g = g * 10 + (j < aligned.length ? aligned.charCodeAt(j) - 48 : 0);
    groups.push(g);
  }
  // Strip leading and trailing zero groups.
  let first = 0;
  while (first < groups.length && groups[first] === 0) first++;
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const ndigits = last - first;
  const weight = ndigits === 0 ? 0 : firstGroupWeight - first;
  const sign = d.neg && ndigits > 0 ? NUMERIC_NEG : NUMERIC_POS;
  const out = new Uint8Array(8 + 2 * ndigits);
  out[0] = ndigits >> 8;
  out[1] = ndigits & 0xff;
  out[2] = (weight >> 8) & 0xff;
  out[3] = weight & 0xff;
  out[4] = sign >> 8;
  out[5] = 0;
  out[6] = dscale >> 8;
  out[7] = dscale & 0xff;
  for (let k = 0; k < ndigits; k++) {
    const g = groups[first + k]!;
    out[8 + 2 * k] = g >> 8;
    out[9 + 2 * k] = g & 0xff;
  }
  return out;
}

/** numeric_recv: binary numeric to canonical text (digits beyond dscale are truncated, as PostgreSQL does). */
export function numericFromBinary(b: Uint8Array): string {
  if (b.length < 8) throw badBinaryLength('numeric', 'at least 8', b.length);
  const ndigits = (b[0]! << 8) | b[1]!;
  const weight = ((b[2]! << 24) >> 16) | b[3]!;
  const sign = (b[4]! << 8) | b[5]!;
  const dscale = (b[6]! << 8) | b[7]!;
  if (b.length !== 8 + 2 * ndigits) throw badBinaryLength('numeric', 8 + 2 * ndigits, b.length);
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) throw badBinary('invalid sign in external "numeric" value');
  if ((dscale & NUMERIC_DSCALE_MAX) !== dscale) throw badBinary('invalid scale in external "numeric" value');
  let digits = '';
  for (let k = 0; k < ndigits; k++) {
    const g = (b[8 + 2 * k]! << 8) | b[9 + 2 * k]!;
    if (g >= 10000) throw badBinary('invalid digit in external "numeric" value');
    digits += g < 10 ? `000${g}` : g < 100 ? `00${g}` : g < 1000 ? `0${g}` : `${g}`;
  }
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  if (lead === digits.length) return decimalToText({ neg: false, digits: '', dscale, intDigits: 0 });
  const intDigits = (weight + 1) * 4;
  return decimalToText({ neg: sign === NUMERIC_NEG, digits: digits.slice(lead), dscale, intDigits: intDigits - lead });
}

/** Whether a string is numeric text in canonical form (a cheap guard for encoders; not used in hot paths). */
export function isNumericText(s: string): boolean {
  try {
    parseNumericText(s, s);
    return true;
  } catch {
    return false;
  }
}
