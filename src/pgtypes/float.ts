/**
 * float4 / float8 text output and input, as PostgreSQL 15 does them.
 *
 * Output with extra_float_digits > 0 (the default since PostgreSQL 12) is Ryu's shortest round-trip form:
 * fixed notation when the decimal exponent is in [-4, 15) for float8 or [-4, 6) for float4, otherwise
 * 'd.ddde+XX' with at least two exponent digits. PostgreSQL compiles Ryu without STRICTLY_SHORTEST, so
 * both ends of a value's rounding interval are excluded (1e23 prints as 9.999999999999999e+22).
 * With extra_float_digits <= 0 it is printf("%.*g") with DBL_DIG (15) or FLT_DIG (6) plus
 * extra_float_digits significant digits, rounded half-to-even.
 *
 * float8: JavaScript's shortest digits (Number#toString) equal Ryu's except when they sit exactly on an
 * interval end, which only integers >= 2^54 can do; those are checked and recomputed exactly. float4 has
 * no native shortest algorithm: candidates are rounded from toExponential(8) and read back through
 * Math.fround, with exact BigInt fallbacks where double rounding, an asymmetric interval (powers of two)
 * or an exact tie could mislead that test.
 */
import { invalidSyntax, numericOutOfRange } from './errors.ts';

const F64 = new Float64Array(1);
const U32_OF_F64 = new Uint32Array(F64.buffer);
const F32 = new Float32Array(1);
const U32_OF_F32 = new Uint32Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

// ---------------------------------------------------------------------------------------------------------
// Exact arithmetic helpers (slow paths only)

/** |v| as an exact fraction: mantissa * 2^exp2, for finite nonzero doubles. */
function decompose(v: number): { mant: bigint; exp2: number } {
  F64[0] = v;
  const hi = U32_OF_F64[HI]!;
  const lo = U32_OF_F64[LO]!;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (bexp === 0) {
    exp2 = -1074;
  } else {
    mant |= 1n << 52n;
    exp2 = bexp - 1075;
  }
  return { mant, exp2 };
}

/** Exact decimal expansion of |v| (finite, nonzero): all significant digits and the power of ten of the last one. */
export function exactDecimal(v: number): { digits: string; exp10: number } {
  const { mant, exp2 } = decompose(v);
  let digits: string;
  let exp10: number;
  if (exp2 >= 0) {
    digits = (mant << BigInt(exp2)).toString();
    exp10 = 0;
  } else {
    digits = (mant * 5n ** BigInt(-exp2)).toString();
    exp10 = exp2;
  }
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  exp10 += digits.length - end;
  return { digits: digits.slice(0, end), exp10 };
}

/** c * 10^q and n * 2^s brought to integers by one common positive factor, so they can be compared. */
function scaledPair(c: bigint, q: number, n: bigint, s: number): [bigint, bigint] {
  let left = c;
  let right = n;
  if (q >= 0) left *= 10n ** BigInt(q);
  else right *= 10n ** BigInt(-q);
  if (s >= 0) right <<= BigInt(s);
  else left <<= BigInt(-s);
  return [left, right];
}

/** Sign of (c * 10^q) - (n * 2^s), all values non-negative. */
function cmpDecBin(c: bigint, q: number, n: bigint, s: number): number {
  const [left, right] = scaledPair(c, q, n, s);
  return left < right ? -1 : left > right ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting from digits

/**
 * Formats d1.d2d3... x 10^exp as PostgreSQL's Ryu output does: fixed when -4 <= exp < fixedLimit,
 * otherwise scientific with a sign and at least two exponent digits.
 */
function formatDigits(neg: boolean, digits: string, exp: number, fixedLimit: number): string {
  let out: string;
  if (exp < -4 || exp >= fixedLimit) {
    out = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = exp < 0 ? -exp : exp;
    out += (exp < 0 ? 'e-' : 'e+') + (ae < 10 ? `0${ae}` : `${ae}`);
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

/** Splits toExponential/toPrecision output of a positive number into digits and decimal exponent. */
function splitJsNumber(s: string): { digits: string; exp: number } {
  const e = s.indexOf('e');
  let mant = e < 0 ? s : s.slice(0, e);
  let exp = e < 0 ? 0 : Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  if (dot >= 0) {
    exp += dot - 1;
    mant = mant.slice(0, dot) + mant.slice(dot + 1);
  } else {
    exp += mant.length - 1;
  }
  let start = 0;
  while (start < mant.length - 1 && mant.charCodeAt(start) === 48) {
    start++;
    exp--;
  }
  let end = mant.length;
  while (end > start + 1 && mant.charCodeAt(end - 1) === 48) end--;
  return { digits: mant.slice(start, end), exp };
}

// ---------------------------------------------------------------------------------------------------------
// float8

/** Shortest round-trip text of a double, exactly as PostgreSQL 12+ prints float8 (extra_float_digits > 0). */
export function float8ToShortest(v: number): string {
  const a = v < 0 ? -v : v;
  // Both JavaScript and PostgreSQL print plain fixed notation in this range, with identical digits.
  if (a >= 1e-4 && a < 1e15) return String(v);
  if (a === 0) return 1 / v < 0 ? '-0' : '0';
  if (v !== v) return 'NaN';
  if (a === Infinity) return v > 0 ? 'Infinity' : '-Infinity';
  const s = v.toExponential();
  if (a >= 18014398509481984 && onIntervalEnd(a, s)) {
    const exact = float8ShortestExact(a);
    return formatDigits(v < 0, exact.digits, exact.exp, 15);
  }
  const e = s.indexOf('e');
  if (s.length - e >= 4) return s; // exponent already has two or more digits
  return `${s.slice(0, e + 2)}0${s.slice(e + 2)}`;
}

/**
 * The first `precision` significant digits of a, rounded half-to-even as C's printf does. One
 * toExponential call with a spare digit decides the rounding unless that digit is a 5; only then is the
 * value examined exactly (toExponential itself breaks exact ties away from zero).
 */
function roundedDigits(a: number, precision: number): { digits: string; exp: number } {
  const longer = a.toExponential(precision);
  const e = longer.indexOf('e');
  const spare = longer.charCodeAt(e - 1);
  if (spare !== 53 /* '5' */ && precision < 21) {
    let digits = precision === 1 ? longer.slice(0, 1) : longer[0]! + longer.slice(2, precision + 1);
    let exp = Number(longer.slice(e + 1));
    if (spare > 53) {
      // round up: increment the decimal string
      let k = digits.length - 1;
      while (k >= 0 && digits.charCodeAt(k) === 57) k--;
      if (k < 0) {
        digits = '1';
        exp++;
      } else digits = digits.slice(0, k) + String.fromCharCode(digits.charCodeAt(k) + 1);
    }
    let end = digits.length;
    while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
    return { digits: end === digits.length ? digits : digits.slice(0, end), exp };
  }
  const s = a.toExponential(precision - 1);
  if (spare === 53) {
    const exact = exactDecimal(a);
    const total = exact.digits.length;
    if (total === precision + 1 && exact.digits.charCodeAt(total - 1) === 53) {
      // An exact tie: keep the truncated digits when their last digit is even.
      const truncated = exact.digits.slice(0, precision);
      if ((truncated.charCodeAt(precision - 1) - 48) % 2 === 0) {
        let end = precision;
        while (end > 1 && truncated.charCodeAt(end - 1) === 48) end--;
        return { digits: truncated.slice(0, end), exp: exact.exp10 + total - 1 };
      }
    }
  }
  return splitJsNumber(s);
}

/** C's printf("%.{precision}g", v) for finite and special values, with PostgreSQL's NaN/Infinity spellings. */
export function formatG(v: number, precision: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return 1 / v < 0 ? '-0' : '0';
  const p = precision < 1 ? 1 : precision > 100 ? 100 : precision;
  const neg = v < 0;
  const { digits, exp } = roundedDigits(neg ? -v : v, p);
  // %g: scientific when exp < -4 or exp >= precision; trailing zeros removed either way.
  return formatDigits(neg, digits, exp, p);
}

/** float8 text output for a given extra_float_digits. */
export function float8ToText(v: number, extraFloatDigits: number): string {
  return extraFloatDigits > 0 ? float8ToShortest(v) : formatG(v, 15 + extraFloatDigits);
}

// ---------------------------------------------------------------------------------------------------------
// float4

/** Neighbouring float32 values of a positive finite float32 (as doubles), via its bit pattern. */
function float32Neighbours(f: number): { prev: number; next: number; bits: number } {
  F32[0] = f;
  const bits = U32_OF_F32[0]!;
  U32_OF_F32[0] = bits + 1;
  const next = F32[0]!;
  U32_OF_F32[0] = bits - 1;
  const prev = F32[0]!;
  return { prev, next, bits };
}

/**
 * Exact shortest-digits search, as PostgreSQL's Ryu does it (compiled without STRICTLY_SHORTEST, so both
 * ends of the rounding interval are excluded even for even mantissas): the shortest digit string strictly
 * inside the interval, and among those the closest to the value, ties to an even last digit.
 * `mant * 2^exp2` is the value; `pow2Boundary` marks a power of two whose lower gap is half as wide.
 */
function shortestExact(mant: bigint, exp2: number, pow2Boundary: boolean, maxDigits: number): { digits: string; exp: number } {
  // Scaled by 2^(exp2-2): value = 4m, upper bound 4m+2, lower bound 4m-2 (4m-1 at a power of two).
  const s = exp2 - 2;
  const center = 4n * mant;
  const hi = center + 2n;
  const lo = pow2Boundary ? center - 1n : center - 2n;
  const approx = Number(mant) * 2 ** exp2;
  let X = Math.floor(Math.log10(approx));
  if (!Number.isFinite(X)) X = -324;
  while (cmpDecBin(1n, X, center, s) > 0) X--;
  while (cmpDecBin(1n, X + 1, center, s) <= 0) X++;
  for (let p = 1; p <= maxDigits + 1; p++) {
    const q = X - p + 1;
    let cFloor: bigint;
    if (q >= 0) {
      const den = 10n ** BigInt(q);
      cFloor = s >= 0 ? (center << BigInt(s)) / den : center / (den << BigInt(-s));
    } else {
      const num = center * 10n ** BigInt(-q);
      cFloor = s >= 0 ? num << BigInt(s) : num >> BigInt(-s);
    }
    let best: bigint | undefined;
    let bestDiff = 0n;
    for (const c of [cFloor, cFloor + 1n]) {
      if (c <= 0n) continue;
      if (cmpDecBin(c, q, lo, s) <= 0 || cmpDecBin(c, q, hi, s) >= 0) continue;
      const diff = diffAbs(c, q, center, s);
      if (best === undefined || diff < bestDiff || (diff === bestDiff && c % 2n === 0n)) {
        best = c;
        bestDiff = diff;
      }
    }
    if (best !== undefined) return splitJsNumber(`${best.toString()}e${q}`);
  }
  return splitJsNumber(approx.toPrecision(maxDigits));
}

/** Exact shortest digits of a positive finite float32 (PostgreSQL's f2s semantics). */
export function float4ShortestExact(f: number): { digits: string; exp: number } {
  F32[0] = f;
  const bits = U32_OF_F32[0]!;
  const bexp = (bits >>> 23) & 0xff;
  let m = bits & 0x7fffff;
  let e: number;
  if (bexp === 0) e = -149;
  else {
    m |= 0x800000;
    e = bexp - 150;
  }
  return shortestExact(BigInt(m), e, m === 0x800000 && bexp > 1, 9);
}

/** Exact shortest digits of a positive finite double (PostgreSQL's d2s semantics). */
export function float8ShortestExact(v: number): { digits: string; exp: number } {
  F64[0] = v;
  const hi = U32_OF_F64[HI]!;
  const bexp = (hi >>> 20) & 0x7ff;
  const { mant, exp2 } = decompose(v);
  return shortestExact(mant, exp2, bexp > 1 && (hi & 0xfffff) === 0 && U32_OF_F64[LO] === 0, 17);
}

/**
 * Whether the JavaScript shortest output `s` (toExponential form) of `a` lies exactly on an end of a's
 * rounding interval. JavaScript accepts those ends for even mantissas, PostgreSQL never does. Only
 * integers >= 2^54 can have such short boundary values, and only with fewer than 17 digits.
 */
function onIntervalEnd(a: number, s: string): boolean {
  const e = s.indexOf('e');
  const mantText = s.slice(0, e);
  const digits = mantText.replace('.', '');
  if (digits.length > 16) return false;
  const exp = Number(s.slice(e + 1)) - (digits.length - 1);
  if (exp < 0) return false;
  const S = BigInt(digits) * 10n ** BigInt(exp);
  const V = BigInt(a);
  F64[0] = a;
  const bexp = (U32_OF_F64[HI]! >>> 20) & 0x7ff;
  const ulp = 1n << BigInt(bexp - 1075);
  const d = S > V ? S - V : V - S;
  return d * 2n === ulp || d * 4n === ulp;
}

/** |c*10^q - n*2^s| scaled by a common positive factor (only used to compare two candidates at equal q, s). */
function diffAbs(c: bigint, q: number, n: bigint, s: number): bigint {
  const [left, right] = scaledPair(c, q, n, s);
  const d = left - right;
  return d < 0n ? -d : d;
}

/**
 * Whether the decimal string c reads back as the float32 f; undefined when double rounding makes the
 * fast check unreliable (Number(c) landed exactly on a boundary of f's rounding interval).
 */
function readsBackAs(c: string, f: number, lo: number, hi: number): boolean | undefined {
  const y = Number(c);
  if (y === lo || y === hi) return undefined;
  return Math.fround(y) === f;
}

/** Shortest digits of a positive finite float32, probing with toPrecision (used when the fast path cannot decide). */
function float4ShortestDigitsSlow(f: number): { digits: string; exp: number } {
  const { prev, next, bits } = float32Neighbours(f);
  // A power of two has an asymmetric rounding interval: the nearest candidate may fail while a farther one
  // of the same length succeeds, so the binary search below would be wrong. Use the exact search.
  if ((bits & 0x7fffff) === 0 && bits >>> 23 > 1) return float4ShortestExact(f);
  const lo = (f + prev) / 2;
  const hi = (f + next) / 2;
  let low = 1;
  let high = 9; // 9 digits always reads back
  let found = '';
  while (low < high) {
    const mid = (low + high) >>> 1;
    const c = f.toPrecision(mid);
    const ok = readsBackAs(c, f, lo, hi);
    if (ok === undefined) return float4ShortestExact(f);
    if (ok) {
      high = mid;
      found = c;
    } else low = mid + 1;
  }
  if (found === '') found = f.toPrecision(9);
  // toPrecision breaks exact ties away from zero; Ryu breaks them to even. A tie needs f to have exactly
  // low+1 significant digits ending in 5.
  const longer = f.toPrecision(low + 1);
  const e = longer.indexOf('e');
  const last = e < 0 ? longer.charCodeAt(longer.length - 1) : longer.charCodeAt(e - 1);
  if (last === 53 && Number(longer) === f) {
    const exact = exactDecimal(f);
    if (exact.digits.length === low + 1) return float4ShortestExact(f);
  }
  return splitJsNumber(found);
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const POW5: readonly number[] = Array.from({ length: 15 }, (_, k) => 5 ** k);

/** c * 10^q correctly rounded to a double (one IEEE operation on exact operands when |q| <= 22). */
function scaled(c: number, q: number): number {
  if (q >= 0) return q <= 22 ? c * POW10[q]! : Number(`${c}e${q}`);
  return q >= -22 ? c / POW10[-q]! : Number(`${c}e${q}`);
}

/**
 * Shortest digits of a positive finite float32. One toExponential(8) call gives the correctly rounded
 * 9-digit form; shorter candidates are rounded from it in integer arithmetic and tested by reading them
 * back through Math.fround, with exact fallbacks for the rare cases where that could mislead.
 */
function float4ShortestDigits(f: number): { digits: string; exp: number } {
  const { prev, next, bits } = float32Neighbours(f);
  const frac = bits & 0x7fffff;
  const bexp = bits >>> 23;
  if (frac === 0 && bexp > 1) return float4ShortestExact(f);
  const lo = (f + prev) / 2;
  const hi = (f + next) / 2;
  const s9 = f.toExponential(8); // d.ddddddddde[+-]X
  let d9 = s9.charCodeAt(0) - 48;
  for (let k = 2; k < 10; k++) d9 = d9 * 10 + (s9.charCodeAt(k) - 48);
  const X = Number(s9.slice(11));
  let low = 1;
  let high = 9;
  let bestC = d9;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const div = POW10[9 - mid]!;
    let c = Math.floor(d9 / div);
    const rem = d9 - c * div;
    const half = div / 2;
    if (rem === half) {
      // d9 sits exactly between two candidates (d9 was itself rounded, or f ties): test both
      const yd = scaled(c, X - mid + 1);
      const yu = scaled(c + 1, X - mid + 1);
      if (yd === lo || yd === hi || yu === lo || yu === hi) return float4ShortestExact(f);
      const okDown = Math.fround(yd) === f;
      const okUp = Math.fround(yu) === f;
      if (okDown && okUp) return float4ShortestDigitsSlow(f);
      if (okDown || okUp) {
        high = mid;
        bestC = okDown ? c : c + 1;
      } else low = mid + 1;
      continue;
    }
    if (rem > half) c++;
    const y = scaled(c, X - mid + 1);
    if (y === lo || y === hi) return float4ShortestExact(f);
    if (Math.fround(y) === f) {
      high = mid;
      bestC = c;
    } else low = mid + 1;
  }
  if (high === 9) {
    const y = scaled(d9, X - 8);
    if (y === lo || y === hi) return float4ShortestExact(f);
  }
  // An exact tie between two candidates of `high` digits (toExponential rounds those away from zero, Ryu
  // to even) needs f's exact decimal expansion to have exactly high+1 digits: f = M * 2^-k with M odd and
  // M * 5^k having high+1 digits.
  const m = bexp === 0 ? frac : frac | 0x800000;
  const tz = 31 - Math.clz32(m & -m);
  const k = -((bexp === 0 ? -149 : bexp - 150) + tz);
  if (k > 0 && k < POW5.length) {
    const expansion = (m >>> tz) * POW5[k]!;
    if (expansion >= POW10[high]! && expansion < POW10[high + 1]!) return float4ShortestExact(f);
  }
  let digits = `${bestC}`;
  let exp = X;
  if (digits.length > high) exp++; // rounding carried into a new digit (9.99 -> 10.0)
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  if (end !== digits.length) digits = digits.slice(0, end);
  return { digits, exp };
}

/** Shortest round-trip text of a float32 value, as PostgreSQL 12+ prints float4 (extra_float_digits > 0). */
export function float4ToShortest(v: number): string {
  const f = Math.fround(v);
  if (f === 0) return 1 / f < 0 ? '-0' : '0';
  if (f !== f) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  const neg = f < 0;
  const { digits, exp } = float4ShortestDigits(neg ? -f : f);
  return formatDigits(neg, digits, exp, 6);
}

/** float4 text output for a given extra_float_digits. */
export function float4ToText(v: number, extraFloatDigits: number): string {
  return extraFloatDigits > 0 ? float4ToShortest(v) : formatG(Math.fround(v), 6 + extraFloatDigits);
}

/** Selects the float8 or float4 formatter once, for a column. */
export function floatFormatter(single: boolean, extraFloatDigits: number): (v: number) => string {
  if (extraFloatDigits > 0) return single ? float4ToShortest : float8ToShortest;
  const p = (single ? 6 : 15) + extraFloatDigits;
  return single ? (v) => formatG(Math.fround(v), p) : (v) => formatG(v, p);
}

// ---------------------------------------------------------------------------------------------------------
// Input

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const SPECIALS: Record<string, number> = {
  nan: NaN,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  '+nan': NaN,
  '-nan': NaN,
};

interface ScannedFloat {
  /** The number text without surrounding whitespace, suitable for Number(). */
  text: string;
  /** Whether any mantissa digit is nonzero (to tell underflow from a real zero). */
  nonzero: boolean;
}

/**
 * Recognises what strtod() accepts in PostgreSQL's float input: optional whitespace, sign, digits with an
 * optional point and exponent, or NaN/Infinity/inf in any case, and hexadecimal floats. Returns the numeric
 * value; throws PostgreSQL's errors.
 */
function parseFloatText(s: string, typeName: string, single: boolean): number {
  let i = 0;
  const n = s.length;
  while (i < n && isCSpace(s.charCodeAt(i))) i++;
  let j = n;
  while (j > i && isCSpace(s.charCodeAt(j - 1))) j--;
  if (i === j) throw invalidSyntax(typeName, s);
  const body = s.slice(i, j);
  const special = SPECIALS[body.toLowerCase()];
  if (special !== undefined) return special;
  const scanned = scanDecimal(body);
  let value: number;
  if (scanned === undefined) {
    const hex = parseHexFloat(body);
    if (hex === undefined) throw invalidSyntax(typeName, s);
    value = hex;
    if (single) value = Math.fround(value);
    if (!Number.isFinite(value)) throw numericOutOfRange(`"${body}" is out of range for type ${typeName}`);
    return value;
  }
  value = single ? stringToFloat32(scanned.text) : Number(scanned.text);
  if (!Number.isFinite(value) || (value === 0 && scanned.nonzero)) {
    throw numericOutOfRange(`"${body}" is out of range for type ${typeName}`);
  }
  return value;
}

function scanDecimal(t: string): ScannedFloat | undefined {
  let i = 0;
  const n = t.length;
  const c0 = t.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i++;
  let digits = 0;
  let nonzero = false;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (c !== 48) nonzero = true;
    digits++;
    i++;
  }
  if (i < n && t.charCodeAt(i) === 46) {
    i++;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (c !== 48) nonzero = true;
      digits++;
      i++;
    }
  }
  if (digits === 0) return undefined;
  if (i < n && (t.charCodeAt(i) | 0x20) === 101) {
    let k = i + 1;
    const cs = t.charCodeAt(k);
    if (cs === 43 || cs === 45) k++;
    const start = k;
    while (k < n && t.charCodeAt(k) >= 48 && t.charCodeAt(k) <= 57) k++;
    if (k > start) i = k; // strtod ignores a dangling 'e'; trailing junk is rejected below anyway
  }
  if (i !== n) return undefined;
  return { text: t, nonzero };
}

function parseHexFloat(t: string): number | undefined {
  let i = 0;
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    i++;
  }
  if (t[i] !== '0' || (t[i + 1] !== 'x' && t[i + 1] !== 'X')) return undefined;
  i += 2;
  let mant = 0n;
  let fracDigits = 0;
  let digits = 0;
  let seenPoint = false;
  for (; i < t.length; i++) {
    const ch = t[i]!;
    if (ch === '.' && !seenPoint) {
      seenPoint = true;
      continue;
    }
    const d = parseInt(ch, 16);
    if (Number.isNaN(d)) break;
    mant = mant * 16n + BigInt(d);
    digits++;
    if (seenPoint) fracDigits++;
  }
  if (digits === 0) return undefined;
  let exp = 0;
  if (i < t.length && (t[i] === 'p' || t[i] === 'P')) {
    const m = /^[pP]([+-]?\d+)$/.exec(t.slice(i));
    if (m === null) return undefined;
    exp = Number(m[1]);
    i = t.length;
  }
  if (i !== t.length) return undefined;
  const v = Number(mant) * 2 ** (exp - 4 * fracDigits);
  return neg ? -v : v;
}

/** Correctly rounded decimal-to-float32 conversion (strtof), avoiding double rounding through float64. */
export function stringToFloat32(text: string): number {
  const y = Number(text);
  const f = Math.fround(y);
  if (f === y || !Number.isFinite(f)) return f;
  // y lies strictly between two float32 values; double rounding can only go wrong when y is exactly
  // their midpoint while the decimal text is not.
  const ay = y < 0 ? -y : y;
  const af = f < 0 ? -f : f;
  const { prev, next } = float32Neighbours(af);
  const other = af < ay ? next : prev;
  if ((af + other) / 2 !== ay) return f;
  const sign = y < 0 ? -1 : 1;
  const cmp = compareDecimalText(text, ay);
  if (cmp === 0) return f; // a true tie: fround already rounded to even
  const larger = af > other ? af : other;
  const smaller = af > other ? other : af;
  return sign * (cmp > 0 ? larger : smaller);
}

/** Sign of |decimal text| - y for positive y, exactly. */
function compareDecimalText(text: string, y: number): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return 0;
  const intPart = m[1] ?? '';
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0') - frac.length;
  const c = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  const { mant, exp2 } = decompose(y);
  return cmpDecBin(c, exp, mant, exp2);
}

/** float8 text input (float8in): 'NaN', 'Infinity', '-inf', '1e-5', ' 3.14 ', ... */
export function parseFloat8(s: string): number {
  return parseFloatText(s, 'double precision', false);
}

/** float4 text input (float4in), correctly rounded to float32. */
export function parseFloat4(s: string): number {
  return parseFloatText(s, 'real', true);
}
