/** uuid text input (string_to_uuid) and binary conversion. */
import { invalidSyntax } from './errors.ts';

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? `0${i.toString(16)}` : i.toString(16)));

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * uuid_in: 32 hex digits, optionally in braces, with an optional hyphen after any group of four digits;
 * returns the canonical lower-case 8-4-4-4-12 form.
 */
export function parseUuid(s: string): string {
  const bytes = uuidTextToBytes(s);
  if (bytes === undefined) throw invalidSyntax('uuid', s);
  return uuidBytesToText(bytes);
}

function uuidTextToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let i = 0;
  let braces = false;
  if (s.charCodeAt(0) === 123) {
    braces = true;
    i++;
  }
  for (let k = 0; k < 16; k++) {
    if (i + 1 >= s.length) return undefined;
    const hi = hexValue(s.charCodeAt(i));
    const lo = hexValue(s.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[k] = (hi << 4) | lo;
    i += 2;
    if (s.charCodeAt(i) === 45 && k % 2 === 1 && k < 15) i++;
  }
  if (braces) {
    if (s.charCodeAt(i) !== 125) return undefined;
    i++;
  }
  return i === s.length ? out : undefined;
}

export function uuidBytesToText(b: Uint8Array): string {
  let out = '';
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) out += '-';
    out += HEX_PAIRS[b[k]!];
  }
  return out;
}

/** uuid string (any accepted form) to its 16 bytes. */
export function uuidToBytes(s: string): Uint8Array {
  const bytes = uuidTextToBytes(s);
  if (bytes === undefined) throw invalidSyntax('uuid', s);
  return bytes;
}
