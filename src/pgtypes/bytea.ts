/**
 * bytea text output (bytea_output 'hex' and 'escape') and text input (hex '\x...' and escape format).
 */
import { GatewayError } from '../errors/index.ts';
import { invalidParameterValue } from './errors.ts';

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? `0${i.toString(16)}` : i.toString(16)));

/** '\x' followed by two lower-case hex digits per byte. */
export function byteaToHex(b: Uint8Array): string {
  const n = b.length;
  if (n > 64) return `\\x${Buffer.from(b.buffer, b.byteOffset, n).toString('hex')}`;
  let out = '\\x';
  for (let i = 0; i < n; i++) out += HEX_PAIRS[b[i]!];
  return out;
}

/** Escape format: printable ASCII as is, backslash doubled, everything else as \ooo octal. */
export function byteaToEscape(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 92) out += '\\\\';
    else if (c < 32 || c > 126) out += `\\${(c >> 6) & 7}${(c >> 3) & 7}${c & 7}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

export function byteaFormatter(byteaOutput: string | undefined): (b: Uint8Array) => string {
  return (byteaOutput ?? 'hex').trim().toLowerCase() === 'escape' ? byteaToEscape : byteaToHex;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** byteain: '\x' hex (whitespace allowed between byte pairs) or the traditional escape format. */
export function parseBytea(s: string): Uint8Array {
  if (s.charCodeAt(0) === 92 && s.charCodeAt(1) === 120) {
    const out = new Uint8Array((s.length - 2) >> 1);
    let n = 0;
    let i = 2;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 13) {
        i++;
        continue;
      }
      const hi = hexValue(c);
      if (hi < 0) throw invalidParameterValue(`invalid hexadecimal digit: "${String.fromCodePoint(s.codePointAt(i)!)}"`);
      i++;
      if (i >= s.length) throw invalidParameterValue('invalid hexadecimal data: odd number of digits');
      const lo = hexValue(s.charCodeAt(i));
      if (lo < 0) throw invalidParameterValue(`invalid hexadecimal digit: "${String.fromCodePoint(s.codePointAt(i)!)}"`);
      i++;
      out[n++] = (hi << 4) | lo;
    }
    return out.subarray(0, n);
  }
  const bytes = Buffer.from(s, 'utf8');
  const out = new Uint8Array(bytes.length);
  let n = 0;
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c !== 92) {
      out[n++] = c;
      i++;
      continue;
    }
    const c1 = bytes[i + 1];
    const c2 = bytes[i + 2];
    const c3 = bytes[i + 3];
    if (c1 !== undefined && c2 !== undefined && c3 !== undefined && c1 >= 48 && c1 <= 51 && c2 >= 48 && c2 <= 55 && c3 >= 48 && c3 <= 55) {
      out[n++] = ((c1 - 48) << 6) | ((c2 - 48) << 3) | (c3 - 48);
      i += 4;
    } else if (c1 === 92) {
      out[n++] = 92;
      i += 2;
    } else {
      throw new GatewayError('INVALID_TEXT_REPRESENTATION', 'invalid input syntax for type bytea');
    }
  }
  return out.subarray(0, n);
}
