/** Text-family input and UTF-8 handling shared by the decoders. */
import { GatewayError } from '../errors/index.ts';

/** PostgreSQL text cannot hold NUL; the server rejects it as an invalid UTF-8 byte sequence (22021). */
export function checkNoNul(s: string): string {
  if (s.indexOf('\u0000') >= 0) {
    throw new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', 'invalid byte sequence for encoding "UTF8": 0x00');
  }
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly, rejecting invalid sequences and NUL like PostgreSQL's pg_verify_mbstr. */
export function decodeUtf8(b: Uint8Array): string {
  let s: string;
  try {
    s = utf8.decode(b);
  } catch {
    const bad = firstInvalidUtf8(b);
    throw new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', `invalid byte sequence for encoding "UTF8": ${bad}`);
  }
  return checkNoNul(s);
}

function firstInvalidUtf8(b: Uint8Array): string {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    let ok = len > 0 && i + len <= b.length;
    for (let k = 1; ok && k < len; k++) ok = (b[i + k]! & 0xc0) === 0x80;
    if (!ok) {
      const shown: string[] = [];
      for (let k = i; k < Math.min(b.length, i + Math.max(len, 1)); k++) shown.push(`0x${b[k]!.toString(16).padStart(2, '0')}`);
      return shown.join(' ');
    }
    i += len;
  }
  return '';
}

/** PostgreSQL's name type keeps at most NAMEDATALEN-1 = 63 bytes, cut at a character boundary. */
export function truncateName(s: string): string {
  if (s.length <= 15) return s;
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= 63) return s;
  let end = 63;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
