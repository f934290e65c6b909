import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, ResultStream, RowBatch } from '../../../src/connectors/contract.ts';
import { compactBatch, recordingStream, replayStream, ResultCache, type Claim, type RecordedResult } from '../../../src/cache/index.ts';

const columns: ColumnInfo[] = [{ name: 'n', typeOid: 20, typeModifier: -1 }, { name: 's', typeOid: 25, typeModifier: -1 }];

function result(rows: number, text = 'x'): RecordedResult {
  const batch = compactBatch({ rowCount: rows, columns: [Array.from({ length: rows }, (_, i) => BigInt(i)), Array.from({ length: rows }, () => text)] });
  return { columns, batches: [batch.batch], rowCount: rows, bytes: batch.bytes };
}

async function claimOf(cache: ResultCache, key: string): Promise<Claim> {
  const l = await cache.lookup(key);
  assert.ok('claim' in l, `expected a miss for ${key}`);
  return l.claim;
}

function engineStream(batches: RowBatch[], failAfter?: number): ResultStream & { closed: boolean } {
  const s = {
    columns,
    closed: false,
    async *[Symbol.asyncIterator]() {
      let i = 0;
      for (const b of batches) {
        if (failAfter !== undefined && i++ >= failAfter) throw new Error('engine failed');
        yield b;
      }
    },
    summary: () => ({ rowCount: 0, elapsedMs: 0 }),
    close: async () => {
      s.closed = true;
    },
  };
  return s;
}

async function drain(s: ResultStream): Promise<number> {
  let n = 0;
  for await (const b of s) n += b.rowCount;
  return n;
}

describe('the result cache', () => {
  it('a stored result is a hit with its cost, and replays the same batches and columns', async () => {
    const cache = new ResultCache();
    (await claimOf(cache, 'k')).store(result(3), { cost: 0.5, ttlMs: 60_000 });
    const l = await cache.lookup('k');
    assert.ok('hit' in l);
    assert.equal(l.hit.cost, 0.5);
    const replay = replayStream(l.hit);
    assert.deepEqual(replay.columns, columns);
    const rows: unknown[] = [];
    for await (const b of replay) for (let r = 0; r < b.rowCount; r++) rows.push([b.columns[0]![r], b.columns[1]![r]]);
    assert.deepEqual(rows, [[0n, 'x'], [1n, 'x'], [2n, 'x']]);
    const m = cache.metrics();
    assert.deepEqual([m.hits, m.misses, m.entries, m.savedCost], [1, 1, 1, 0.5]);
  });

  it('keeps its bytes under maxBytes by evicting the least recently used', async () => {
    // One entry's size as the cache counts it (its values, its key, and the overhead of an entry).
    const probe = new ResultCache();
    (await claimOf(probe, 'k0')).store(result(100), { cost: 0, ttlMs: 60_000 });
    const one = probe.metrics().bytes;
    assert.ok(one > result(100).bytes, 'an entry counts more than its values');
    const cache = new ResultCache({ maxBytes: one * 3 + one / 2 });
    for (let i = 0; i < 10; i++) (await claimOf(cache, `k${i}`)).store(result(100), { cost: 0, ttlMs: 60_000 });
    const m = cache.metrics();
    assert.ok(m.bytes <= m.maxBytes, `${m.bytes} > ${m.maxBytes}`);
    assert.equal(m.entries, 3);
    assert.equal(m.evictions, 7);
    assert.ok(cache.peek('k9') && !cache.peek('k0'));
  });

  it('expires entries after the TTL (its own, or the configured one if shorter)', async () => {
    let now = 1_000_000;
    const cache = new ResultCache({ ttlSeconds: 3600 }, () => now);
    (await claimOf(cache, 'short')).store(result(1), { cost: 0, ttlMs: 60_000 });
    (await claimOf(cache, 'long')).store(result(1), { cost: 0, ttlMs: 10 * 3600_000 });
    now += 59_000;
    assert.ok(cache.peek('short'));
    now += 2_000;
    assert.equal(cache.peek('short'), undefined);
    assert.ok(cache.peek('long'));
    now += 3600_000;
    assert.equal(cache.peek('long'), undefined);
  });

  it('does not keep a result over maxEntryBytes: the recording stops, the client gets every row', async () => {
    const cache = new ResultCache({ maxEntryBytes: 10_000 });
    const claim = await claimOf(cache, 'big');
    const batches = Array.from({ length: 20 }, () => ({ rowCount: 100, columns: [Array.from({ length: 100 }, (_, i) => BigInt(i)), Array.from({ length: 100 }, () => 'a longer string value')] }));
    let recorded: RecordedResult | null | undefined;
    const s = recordingStream(engineStream(batches), cache.options.maxEntryBytes, (r) => {
      recorded = r;
      if (r) claim.store(r, { cost: 0, ttlMs: 60_000 });
      else claim.abandon();
    });
    assert.equal(await drain(s), 2000);
    assert.equal(recorded, null);
    assert.equal(cache.peek('big'), undefined);
  });

  it('a failed or early-closed stream is not stored', async () => {
    const cache = new ResultCache();
    const batches = [{ rowCount: 1, columns: [[1n], ['a']] }, { rowCount: 1, columns: [[2n], ['b']] }];
    const failing = recordingStream(engineStream(batches, 1), 1e9, (r) => assert.equal(r, null));
    await assert.rejects(drain(failing), /engine failed/);
    const got: { result?: RecordedResult | null } = {};
    const early = recordingStream(engineStream(batches), 1e9, (r) => (got.result = r));
    const it = early[Symbol.asyncIterator]();
    await it.next();
    await early.close();
    assert.equal(got.result, null);
    const whole = recordingStream(engineStream(batches), 1e9, (r) => (got.result = r));
    assert.equal(await drain(whole), 2);
    assert.equal((got as { result?: RecordedResult | null }).result?.rowCount, 2);
    assert.equal(cache.metrics().entries, 0);
  });

  it('single flight: identical lookups wait for the one running, then hit; if it fails they run alone', async () => {
    const cache = new ResultCache();
    const leader = await claimOf(cache, 'k');
    const waiters = Array.from({ length: 19 }, () => cache.lookup('k'));
    leader.store(result(2), { cost: 1, ttlMs: 60_000 });
    const answers = await Promise.all(waiters);
    assert.ok(answers.every((a) => 'hit' in a));
    assert.deepEqual([cache.metrics().misses, cache.metrics().hits, cache.metrics().waits], [1, 19, 19]);

    const failing = await claimOf(cache, 'f');
    const late = [cache.lookup('f'), cache.lookup('f')];
    failing.abandon();
    const after = await Promise.all(late);
    assert.ok(after.every((a) => 'claim' in a));
  });

  it('typed columns: numbers and int8 without NULL are kept as typed arrays, others as values', () => {
    const { batch } = compactBatch({ rowCount: 3, columns: [[1, 2, 3], [1n, 2n, null], ['a', null, 'c'], [1.5, 2, 3]] });
    assert.ok(batch.columns[0] instanceof Float64Array);
    assert.ok(Array.isArray(batch.columns[1]));
    assert.deepEqual(Array.from(batch.columns[2]!), ['a', null, 'c']);
    assert.equal(batch.columns[3]![0], 1.5);
    const int8 = compactBatch({ rowCount: 2, columns: [[5n, -(2n ** 63n)]] }).batch.columns[0]!;
    assert.ok(int8 instanceof BigInt64Array);
    assert.equal(int8[1], -(2n ** 63n));
  });
});
