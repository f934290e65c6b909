/**
 * Micro-benchmark of the per-value text (and a few binary) encoders that run for every value of a result.
 * Prints ns/value beside a baseline: the cheapest plain-JavaScript conversion of the same values, which
 * does not produce PostgreSQL's text but shows what the exact formatting costs on top.
 *
 *   node --import tsx bench/pgtypes.bench.ts
 */
import { OID, binaryEncoder, textEncoder, type PgValue } from '../src/pgtypes/index.ts';
import type { OutputSettings } from '../src/wire/backend.ts';

const N = 200_000;
const settings: OutputSettings = { dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' };

let seed = 42;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

/** Best of five rounds (the minimum is the least disturbed by other load on the machine). */
function measure(fn: (v: PgValue) => unknown, values: PgValue[]): number {
  let sink = 0;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < values.length; i++) {
      const r = fn(values[i]!);
      sink += typeof r === 'string' ? r.length : (r as Uint8Array).length;
    }
    const ns = Number(process.hrtime.bigint() - t0) / values.length;
    if (round > 0 && ns < best) best = ns;
  }
  if (sink === -1) process.stdout.write('');
  return best;
}

interface Case {
  name: string;
  values: PgValue[];
  encoder: (v: PgValue) => unknown;
  baselineName: string;
  baseline: (v: PgValue) => unknown;
}

const int4s = Array.from({ length: N }, () => Math.floor(rand() * 2 ** 31) - 2 ** 30);
const float8s = Array.from({ length: N }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 4));
const prices = Array.from({ length: N }, () => Math.round(rand() * 1e6) / 100);
const float4s = float8s.map((x) => Math.fround(x));
const texts = Array.from({ length: N }, (_, i) => `customer-${i % 5000}-${Math.floor(rand() * 1e6)}`);
const base = 1_704_067_200_000_000; // 2024-01-01
const timestamps = Array.from({ length: N }, (_, i) => BigInt(base + i * 1_000_123 + Math.floor(rand() * 1000) * 1000));
const randomTimestamps = Array.from({ length: N }, () => BigInt(Math.floor((rand() - 0.3) * 3e15)));
const numerics = Array.from({ length: N }, () => (rand() * 1e6).toFixed(2));
const dates = Array.from({ length: N }, () => Math.floor(rand() * 40000) - 10000);

const cases: Case[] = [
  { name: 'int4', values: int4s, encoder: textEncoder(OID.int4, settings), baselineName: 'String(n)', baseline: (v) => String(v) },
  { name: 'float8 (random)', values: float8s, encoder: textEncoder(OID.float8, settings), baselineName: 'String(x)', baseline: (v) => String(v) },
  { name: 'float8 (prices)', values: prices, encoder: textEncoder(OID.float8, settings), baselineName: 'String(x)', baseline: (v) => String(v) },
  { name: 'float8 (efd=0)', values: prices, encoder: textEncoder(OID.float8, { ...settings, extraFloatDigits: 0 }), baselineName: 'x.toPrecision(15)', baseline: (v) => (v as number).toPrecision(15) },
  { name: 'float4 (random)', values: float4s, encoder: textEncoder(OID.float4, settings), baselineName: 'String(x)', baseline: (v) => String(v) },
  { name: 'text', values: texts, encoder: textEncoder(OID.text, settings), baselineName: 'identity', baseline: (v) => v },
  { name: 'numeric', values: numerics, encoder: textEncoder(OID.numeric, settings), baselineName: 'identity', baseline: (v) => v },
  { name: 'date', values: dates, encoder: textEncoder(OID.date, settings), baselineName: 'Date#toISOString', baseline: (v) => new Date((v as number) * 86400000).toISOString() },
  { name: 'timestamp (sequential)', values: timestamps, encoder: textEncoder(OID.timestamp, settings), baselineName: 'Date#toISOString', baseline: (v) => new Date(Number(v as bigint) / 1000).toISOString() },
  { name: 'timestamp (random)', values: randomTimestamps, encoder: textEncoder(OID.timestamp, settings), baselineName: 'Date#toISOString', baseline: (v) => new Date(Number(v as bigint) / 1000).toISOString() },
  { name: 'timestamptz UTC', values: timestamps, encoder: textEncoder(OID.timestamptz, settings), baselineName: 'Date#toISOString', baseline: (v) => new Date(Number(v as bigint) / 1000).toISOString() },
  { name: 'timestamptz New York (seq)', values: timestamps, encoder: textEncoder(OID.timestamptz, { ...settings, timeZone: 'America/New_York' }), baselineName: 'Date#toISOString', baseline: (v) => new Date(Number(v as bigint) / 1000).toISOString() },
  { name: 'timestamptz New York (random)', values: randomTimestamps, encoder: textEncoder(OID.timestamptz, { ...settings, timeZone: 'America/New_York' }), baselineName: 'Date#toISOString', baseline: (v) => new Date(Number(v as bigint) / 1000).toISOString() },
  { name: 'binary int4', values: int4s, encoder: binaryEncoder(OID.int4), baselineName: 'Buffer.allocUnsafe(4)', baseline: () => Buffer.allocUnsafe(4) },
  { name: 'binary float8', values: float8s, encoder: binaryEncoder(OID.float8), baselineName: 'Buffer.allocUnsafe(8)', baseline: () => Buffer.allocUnsafe(8) },
  { name: 'binary timestamp', values: timestamps, encoder: binaryEncoder(OID.timestamp), baselineName: 'Buffer.allocUnsafe(8)', baseline: () => Buffer.allocUnsafe(8) },
  { name: 'binary numeric', values: numerics, encoder: binaryEncoder(OID.numeric), baselineName: 'Buffer.from(s)', baseline: (v) => Buffer.from(v as string) },
];

const rows: string[][] = [['encoder', 'ns/value', 'baseline', 'ns/value']];
for (const c of cases) {
  const ns = measure(c.encoder, c.values);
  const baseNs = measure(c.baseline, c.values);
  rows.push([c.name, ns.toFixed(0), c.baselineName, baseNs.toFixed(0)]);
}
const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
for (const r of rows) {
  process.stdout.write(`${r.map((cell, k) => (k % 2 === 1 ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!))).join('  ')}\n`);
}
