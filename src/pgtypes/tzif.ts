/**
 * Zone abbreviations ('EST', 'CEST', '+03', 'LMT') from the system's compiled tz database (TZif files under
 * /usr/share/zoneinfo, or $TZDIR), the same data PostgreSQL prints them from. Only the SQL, Postgres and
 * German DateStyles print abbreviations; offsets always come from Intl. Returns undefined when the files are
 * not installed, and the caller falls back to Intl's names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type AbbreviationLookup = (utcSeconds: number, offsetEast: number) => string;

interface TzifData {
  times: number[];
  typeIdx: number[];
  types: Array<{ utoff: number; abbrev: string }>;
  footerStd?: { name: string; offset: number };
  footerDst?: string;
}

const SAFE_NAME = /^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/;
const cache = new Map<string, AbbreviationLookup | null>();

export function tzifAbbreviations(zoneName: string): AbbreviationLookup | undefined {
  const hit = cache.get(zoneName);
  if (hit !== undefined) return hit ?? undefined;
  let lookup: AbbreviationLookup | null = null;
  if (SAFE_NAME.test(zoneName)) {
    try {
      const dir = process.env.TZDIR ?? '/usr/share/zoneinfo';
      const data = parseTzif(readFileSync(join(dir, zoneName)));
      if (data !== undefined) lookup = makeLookup(data);
    } catch {
      lookup = null;
    }
  }
  cache.set(zoneName, lookup);
  return lookup ?? undefined;
}

function parseTzif(buf: Buffer): TzifData | undefined {
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = buf[4]!;
  const counts = (off: number): number[] => [0, 1, 2, 3, 4, 5].map((k) => buf.readUInt32BE(off + 20 + 4 * k));
  let [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(0) as [number, number, number, number, number, number];
  let pos = 44;
  let timeSize = 4;
  if (version >= 0x32) {
    // skip the v1 block; the v2 block has 64-bit times
    pos += timecnt * 4 + timecnt + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(pos) as [number, number, number, number, number, number];
    pos += 44;
    timeSize = 8;
  }
  const times: number[] = [];
  for (let k = 0; k < timecnt; k++) {
    times.push(timeSize === 8 ? Number(buf.readBigInt64BE(pos + 8 * k)) : buf.readInt32BE(pos + 4 * k));
  }
  pos += timecnt * timeSize;
  const typeIdx: number[] = [];
  for (let k = 0; k < timecnt; k++) typeIdx.push(buf[pos + k]!);
  pos += timecnt;
  const raw: Array<{ utoff: number; idx: number }> = [];
  for (let k = 0; k < typecnt; k++) raw.push({ utoff: buf.readInt32BE(pos + 6 * k), idx: buf[pos + 6 * k + 5]! });
  pos += typecnt * 6;
  const chars = buf.toString('latin1', pos, pos + charcnt);
  pos += charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt;
  const types = raw.map((t) => {
    const end = chars.indexOf('\0', t.idx);
    return { utoff: t.utoff, abbrev: chars.slice(t.idx, end < 0 ? undefined : end) };
  });
  const data: TzifData = { times, typeIdx, types };
  if (timeSize === 8 && buf[pos] === 0x0a) {
    const end = buf.indexOf(0x0a, pos + 1);
    const footer = buf.toString('latin1', pos + 1, end < 0 ? buf.length : end);
    const m = /^(<[^>]*>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})(<[^>]*>|[A-Za-z]+)?/.exec(footer);
    if (m !== null) {
      const [h, mi, s] = m[2]!.replace(/^[+-]/, '').split(':').map(Number);
      const west = (h ?? 0) * 3600 + (mi ?? 0) * 60 + (s ?? 0);
      data.footerStd = { name: m[1]!.replace(/[<>]/g, ''), offset: m[2]!.startsWith('-') ? west : -west };
      if (m[3] !== undefined) data.footerDst = m[3].replace(/[<>]/g, '');
    }
  }
  return data;
}

function makeLookup(data: TzifData): AbbreviationLookup {
  const { times, typeIdx, types } = data;
  return (utc, offset) => {
    const n = times.length;
    if (n === 0 || utc < times[0]!) return types[0]?.abbrev ?? '';
    if (utc >= times[n - 1]! && data.footerStd !== undefined) {
      if (offset === data.footerStd.offset || data.footerDst === undefined) return data.footerStd.name;
      return data.footerDst;
    }
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= utc) lo = mid;
      else hi = mid - 1;
    }
    return types[typeIdx[lo]!]?.abbrev ?? '';
  };
}
