/**
 * The footer reader against DuckDB's own reading of the same files (parquet_metadata,
 * parquet_file_metadata), statistics decoded per logical type, and the bloom filter hash and test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFooter } from '../../../src/estimate/index.ts';
import { bloomKey, bloomMightContain, xxhash64 } from '../../../src/estimate/bloom.ts';
import { chunkBloom, FooterCache } from '../../../src/estimate/cache.ts';
import { decodeStat, type Comparable } from '../../../src/estimate/values.ts';
import { makeLake, ts, day, type Lake } from './helpers.ts';

test('xxhash64 matches the reference vectors', () => {
  const enc = new TextEncoder();
  assert.equal(xxhash64(new Uint8Array(0)), 0xef46db3751d8e999n);
  assert.equal(xxhash64(enc.encode('a')), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxhash64(enc.encode('abc')), 0x44bc2cf5ad770999n);
  // Longer than one 32-byte stripe.
  assert.equal(xxhash64(enc.encode('Nobody inspects the spammish repetition')), 0xfbcea83c8a378bf1n);
});

const exactOf = (c: Comparable | undefined): string | undefined => (c?.d === 'exact' ? `${c.m}e-${c.s}` : c?.d === 'float' ? String(c.v) : c?.d === 'bytes' ? new TextDecoder().decode(c.v) : undefined);

describe('footer', () => {
  let lake: Lake;
  let file: string;
  before(async () => {
    lake = await makeLake('tollgate-footer-');
    file = await lake.write(
      'f.parquet',
      `SELECT i::BIGINT AS id, i::INTEGER AS i32, (i % 200)::UINTEGER AS u32,
              TIMESTAMP '2024-01-01' + to_minutes(i) AS ts, make_timestamp_ns(1704067200000000001 + i * 60000000000) AS tsns,
              (TIMESTAMP '2024-01-01' + to_minutes(i))::TIMESTAMPTZ AS tstz,
              DATE '2024-01-01' + (i // 100)::INTEGER AS d, (i / 100)::DECIMAL(10,2) AS price, (i * 1.25)::DECIMAL(20,3) AS big,
              (i * 0.5)::DOUBLE AS f, 'k' || lpad(i::VARCHAR, 5, '0') AS s, ['red','green','blue'][i % 3 + 1] AS cat,
              CASE WHEN i < 2048 THEN NULL ELSE i END::INTEGER AS maybe, {'a': i, 'b': 'x'} AS nested, [i, i + 1] AS l, i % 2 = 0 AS flag
         FROM range(0, 6144) t(i) ORDER BY i`,
      2048,
    );
  });
  after(() => lake.close());

  test('row groups, chunk sizes and footer length agree with DuckDB', async () => {
    const size = (await import('node:fs')).statSync(file).size;
    const footer = await readFooter(file, size);
    const meta = await lake.metadata(file);
    assert.equal(footer.footerLength, (await lake.footerSizes(file)).get(file));
    assert.equal(footer.rowGroups.length, 3);
    assert.equal(footer.numRows, 6144);
    const leafNames = footer.leaves.map((l) => l.path.join(', '));
    assert.deepEqual(leafNames, [...new Set(meta.map((m) => m.column))]);
    for (const m of meta) {
      const k = leafNames.indexOf(m.column);
      const chunk = footer.rowGroups[m.rowGroup]!.columns[k]!;
      assert.equal(chunk.totalCompressedSize, m.totalCompressedSize, `${m.column} in row group ${m.rowGroup}`);
      assert.equal(chunk.bloomOffset !== undefined, m.bloom, `bloom of ${m.column}`);
    }
  });

  test('statistics decode to the values DuckDB wrote', async () => {
    const size = (await import('node:fs')).statSync(file).size;
    const footer = await readFooter(file, size);
    const stat = (column: string, rg: number, bound: 'min' | 'max'): string | undefined => {
      const k = footer.leaves.findIndex((l) => l.path.join('.') === column);
      const s = footer.rowGroups[rg]!.columns[k]!.stats;
      const bytes = bound === 'min' ? s?.min : s?.max;
      return bytes === undefined ? undefined : exactOf(decodeStat(bytes, footer.leaves[k]!, bound));
    };
    assert.equal(stat('id', 1, 'min'), '2048e-0');
    assert.equal(stat('id', 1, 'max'), '4095e-0');
    assert.equal(stat('i32', 2, 'max'), '6143e-0');
    assert.equal(stat('u32', 0, 'max'), '199e-0');
    assert.equal(stat('ts', 1, 'min'), `${ts('2024-01-01 00:00:00') + 2048n * 60_000_000n}e-0`);
    assert.equal(stat('tstz', 1, 'min'), `${ts('2024-01-01 00:00:00') + 2048n * 60_000_000n}e-0`);
    // Nanoseconds round outwards to microseconds.
    assert.equal(stat('tsns', 0, 'min'), `${ts('2024-01-01 00:00:00')}e-0`);
    assert.equal(stat('tsns', 0, 'max'), `${ts('2024-01-01 00:00:00') + 2047n * 60_000_000n + 1n}e-0`);
    assert.equal(stat('d', 2, 'max'), `${day('2024-03-02')}e-0`);
    assert.equal(stat('price', 2, 'max'), '6143e-2');
    assert.equal(stat('big', 1, 'min'), '2560000e-3');
    assert.equal(stat('f', 0, 'max'), '1023.5');
    assert.equal(stat('s', 1, 'min'), 'k02048');
    assert.equal(stat('cat', 0, 'min'), 'blue');
    assert.equal(stat('nested.a', 2, 'min'), '4096e-0');
    assert.equal(stat('flag', 0, 'max'), '1e-0');
    const k = footer.leaves.findIndex((l) => l.path[0] === 'maybe');
    assert.equal(footer.rowGroups[0]!.columns[k]!.stats?.nullCount, 2048);
    assert.equal(footer.rowGroups[1]!.columns[k]!.stats?.nullCount, 0);
  });

  test('bloom filters: every value present tests positive, absent ones mostly negative', async () => {
    const cache = new FooterCache();
    const entry = (await cache.get(file))!;
    const enc = new TextEncoder();
    const leafOf = (name: string): number => entry.footer.leaves.findIndex((l) => l.path[0] === name);
    const cat = leafOf('cat');
    const bits = await chunkBloom(entry, 0, cat);
    assert.ok(bits, 'the dictionary-encoded string column has a bloom filter');
    const check = (leaf: number, bitset: Uint8Array, value: Comparable): boolean => bloomMightContain(bitset, xxhash64(bloomKey(value, entry.footer.leaves[leaf]!)!));
    for (const v of ['red', 'green', 'blue']) assert.equal(check(cat, bits, { d: 'bytes', v: enc.encode(v) }), true, v);
    let falsePositives = 0;
    for (let i = 0; i < 200; i++) if (check(cat, bits, { d: 'bytes', v: enc.encode(`absent-${i}`) })) falsePositives++;
    assert.ok(falsePositives < 10, `${falsePositives} false positives of 200`);

    const u32 = leafOf('u32');
    const ubits = await chunkBloom(entry, 0, u32);
    assert.ok(ubits, 'the low-cardinality integer column has a bloom filter');
    for (let v = 0n; v < 200n; v++) assert.equal(check(u32, ubits, { d: 'exact', m: v, s: 0 }), true, `u32 ${v}`);
    let intFalse = 0;
    for (let v = 1000n; v < 1200n; v++) if (check(u32, ubits, { d: 'exact', m: v, s: 0 })) intFalse++;
    assert.ok(intFalse < 10, `${intFalse} false positives of 200`);
  });

  test('FooterCache.get with a known size and mtime: no stat on a hit, a stat before any footer read', async () => {
    const { statSync } = await import('node:fs');
    const s = statSync(file);
    const cache = new FooterCache();
    // A snapshot a little late (another size): the footer is still read at the file's real size.
    const stale = { size: s.size - 100, mtimeMs: s.mtimeMs - 1000 };
    const entry = (await cache.get(file, stale))!;
    assert.equal(entry.size, s.size);
    assert.equal(entry.footer.numRows, 6144);
    assert.equal(await cache.get(file, { size: s.size, mtimeMs: s.mtimeMs }), entry);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, invalidations: 0 });
    assert.equal(await cache.get(`${file}.gone`, stale), undefined);
  });
});
