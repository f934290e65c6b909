/**
 * Values read straight from a DataRow's bytes (Vertica's text, UTF-8), without a string per value where
 * the value needs none. Each reader gives exactly what the text decoders of types.ts give for the same
 * text: a fast path for the common spelling, and the text decoder itself for anything else.
 */
import { fastFloat8, fastInt8 } from './types.ts';

type Utf8Slicer = { utf8Slice(start: number, end: number): string };

/** A value's UTF-8 text, straight from the bytes (Buffer#toString without its argument handling). */
export function utf8(bytes: Buffer, start: number, end: number): string {
  return (bytes as unknown as Utf8Slicer).utf8Slice(start, end);
}

/** int8 text read from the bytes: up to 15 digits (and a minus) as a number; anything else as text. */
export function int8FromBytes(bytes: Buffer, start: number, end: number): bigint {
  const n = end - start;
  if (n > 0 && n <= 15) {
    const negative = bytes[start] === 45;
    let i = negative ? start + 1 : start;
    if (i < end) {
      let v = 0;
      for (; i < end; i++) {
        const d = bytes[i]! - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === end) return BigInt(negative ? -v : v);
    }
  }
  return fastInt8(utf8(bytes, start, end));
}

/** 10^0 .. 10^22: every one exactly a double. */
const POW10 = Array.from({ length: 23 }, (_, e) => Number(`1e${e}`));

/**
 * float8 text read from the bytes: `[+-]digits[.digits][e[+-]digits]` with at most 15 significant digits
 * and a decimal exponent within ±22 is m × 10^e or m / 10^-e with m and 10^|e| exact doubles, one
 * correctly rounded operation: the same double as Number() of the text (the classic exact fast path of
 * decimal-to-double conversion). Zero (its sign, pgtypes' underflow rules), NaN, Infinity, longer
 * mantissas and anything else go through the text decoder (fastFloat8).
 */
export function float8FromBytes(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const first = bytes[i];
  const negative = first === 45;
  if (negative || first === 43) i++;
  let m = 0;
  let significant = 0;
  let mantissaDigits = 0;
  let scale = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
    mantissaDigits++;
    if (m !== 0 && ++significant > 15) return slowFloat8(bytes, start, end);
  }
  if (i < end && bytes[i] === 46) {
    for (i++; i < end; i++) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
      mantissaDigits++;
      scale--;
      if (m !== 0 && ++significant > 15) return slowFloat8(bytes, start, end);
    }
  }
  if (mantissaDigits === 0 || m === 0) return slowFloat8(bytes, start, end);
  if (i < end && (bytes[i]! | 0x20) === 101) {
    i++;
    const sign = bytes[i];
    const expNegative = sign === 45;
    if (expNegative || sign === 43) i++;
    let exp = 0;
    let expDigits = 0;
    for (; i < end && expDigits < 4; i++, expDigits++) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
    }
    if (expDigits === 0) return slowFloat8(bytes, start, end);
    scale += expNegative ? -exp : exp;
  }
  if (i !== end || scale < -22 || scale > 22) return slowFloat8(bytes, start, end);
  const v = scale >= 0 ? m * POW10[scale]! : m / POW10[-scale]!;
  return negative ? -v : v;
}

function slowFloat8(bytes: Buffer, start: number, end: number): number {
  return fastFloat8(utf8(bytes, start, end));
}

/** A DataRow's values as text (`at`: its int16 field count), for readers that keep rows as text. */
export function textFields(bytes: Buffer, at: number): Array<string | null> {
  const count = bytes.readInt16BE(at);
  at += 2;
  const fields = new Array<string | null>(count);
  for (let i = 0; i < count; i++) {
    const len = bytes.readInt32BE(at);
    at += 4;
    if (len === -1) fields[i] = null;
    else {
      fields[i] = bytes.toString('utf8', at, at + len);
      at += len;
    }
  }
  return fields;
}
