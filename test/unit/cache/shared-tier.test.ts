/**
 * The result cache with a shared tier (several serving processes): a worker's cache asks the primary's
 * on a miss. The transport here is a direct call in place of the IPC messages, with the primary's
 * bookkeeping of claims as serving/primary.ts keeps it; the messages themselves are tested end to end
 * in test/e2e/serving-processes.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo } from '../../../src/connectors/contract.ts';
import { compactBatch, ResultCache, type Claim, type RecordedResult, type SharedEntry, type SharedResults } from '../../../src/cache/index.ts';

const columns: ColumnInfo[] = [{ name: 'n', typeOid: 20, typeModifier: -1 }];

function result(rows: number): RecordedResult {
  const batch = compactBatch({ rowCount: rows, columns: [Array.from({ length: rows }, (_, i) => BigInt(i))] });
  return { columns, batches: [batch.batch], rowCount: rows, bytes: batch.bytes };
}

/** The primary's side: lookups answered from its cache, claims kept by id until the worker settles them. */
function sharedTier(primary: ResultCache): SharedResults & { claims: Map<number, Claim>; calls: string[] } {
  const claims = new Map<number, Claim>();
  const calls: string[] = [];
  let next = 1;
  return {
    claims,
    calls,
    async lookup(key) {
      calls.push(`lookup ${key}`);
      const found = await primary.lookupForPeer(key);
      if ('entry' in found) return found;
      const claimId = next++;
      claims.set(claimId, found.claim);
      return { claimId };
    },
    store(key, claimId, shared: SharedEntry) {
      calls.push(`store ${key}`);
      const claim = claimId === null ? undefined : claims.get(claimId);
      if (claimId !== null) claims.delete(claimId);
      if (claim) claim.store(shared.entry, { cost: shared.entry.cost, ttlMs: shared.ttlMs });
      else primary.storeFromPeer(key, shared);
    },
    abandon(claimId) {
      calls.push(`abandon ${claimId}`);
      claims.get(claimId)?.abandon();
      claims.delete(claimId);
    },
  };
}

function pair(now?: () => number): { primary: ResultCache; worker: ResultCache; tier: ReturnType<typeof sharedTier> } {
  const primary = new ResultCache({ ttlSeconds: 3600 }, now);
  const worker = new ResultCache({ ttlSeconds: 3600 }, now);
  const tier = sharedTier(primary);
  worker.shareWith(tier);
  return { primary, worker, tier };
}

describe('the result cache with a shared tier (several serving processes)', () => {
  it("a worker's miss is served from the primary's entry, kept in the worker, and counted once, as the worker's hit", async () => {
    const { primary, worker, tier } = pair();
    const first = await primary.lookup('k');
    assert.ok('claim' in first);
    first.claim.store(result(2), { cost: 0.25, ttlMs: 60_000 });
    const l = await worker.lookup('k');
    assert.ok('hit' in l, 'served from the shared tier');
    assert.equal(l.hit.rowCount, 2);
    assert.equal(l.hit.cost, 0.25);
    // The second is local: the primary is not asked again.
    assert.ok('hit' in (await worker.lookup('k')));
    assert.deepEqual(tier.calls, ['lookup k']);
    const [p, w] = [primary.metrics(), worker.metrics()];
    assert.deepEqual([p.hits, p.misses, p.stores], [0, 1, 1], "the worker's lookups are not the primary's hits");
    assert.deepEqual([w.hits, w.misses, w.stores, w.entries, w.savedCost], [2, 0, 0, 1, 0.5]);
  });

  it('a result computed by a worker is stored in the primary too, and settles the primary\'s statements that waited for it', async () => {
    const { primary, worker, tier } = pair();
    const l = await worker.lookup('k');
    assert.ok('claim' in l, 'nobody holds it: the worker runs it');
    assert.equal(tier.claims.size, 1);
    // Meanwhile a statement of the primary's own waits for the worker's (single flight across processes).
    const waiting = primary.lookup('k');
    assert.ok(waiting instanceof Promise);
    l.claim.store(result(3), { cost: 1, ttlMs: 60_000 });
    const w = await waiting;
    assert.ok('hit' in w);
    assert.equal(w.hit.rowCount, 3);
    assert.equal(tier.claims.size, 0);
    assert.deepEqual([primary.metrics().hits, primary.metrics().misses, primary.metrics().stores], [1, 0, 0], 'stored where it ran');
    assert.deepEqual([worker.metrics().misses, worker.metrics().stores], [1, 1]);
  });

  it("another worker's identical statement waits for the running one instead of running it too", async () => {
    const primary = new ResultCache();
    const tier = sharedTier(primary);
    const [a, b] = [new ResultCache(), new ResultCache()];
    a.shareWith(tier);
    b.shareWith(tier);
    const la = await a.lookup('k');
    assert.ok('claim' in la);
    const lb = b.lookup('k');
    la.claim.store(result(1), { cost: 0.1, ttlMs: 60_000 });
    const got = await lb;
    assert.ok('hit' in got, 'the second worker got the first one\'s result');
    assert.equal(a.metrics().misses + b.metrics().misses, 1, 'the engine ran once for both');
  });

  it('a claim given up (the statement failed) lets a waiting statement run instead', async () => {
    const { primary, worker, tier } = pair();
    const l = await worker.lookup('k');
    assert.ok('claim' in l);
    const waiting = primary.lookup('k');
    l.claim.abandon();
    const w = await waiting;
    assert.ok('claim' in w, 'the waiter runs it');
    assert.deepEqual(tier.calls, ['lookup k', 'abandon 1']);
    w.claim.store(result(1), { cost: 0, ttlMs: 60_000 });
    assert.ok('hit' in (await worker.lookup('k')));
  });

  it('a result too large for the cache is given up in the shared tier too', async () => {
    const primary = new ResultCache();
    const worker = new ResultCache({ maxEntryBytes: 100 });
    const tier = sharedTier(primary);
    worker.shareWith(tier);
    const l = await worker.lookup('k');
    assert.ok('claim' in l);
    l.claim.store(result(1000), { cost: 0, ttlMs: 60_000 });
    assert.deepEqual(tier.calls, ['lookup k', 'abandon 1']);
    assert.equal(primary.metrics().entries, 0);
  });

  it('carries what is left of an entry\'s TTL: it expires in the worker when it does in the primary', async () => {
    let t = 1_000_000;
    const { primary, worker } = pair(() => t);
    const first = await primary.lookup('k');
    assert.ok('claim' in first);
    first.claim.store(result(1), { cost: 0, ttlMs: 10_000 });
    t += 6_000;
    assert.ok('hit' in (await worker.lookup('k')));
    t += 4_001;
    const again = await worker.lookup('k');
    assert.ok('claim' in again, 'expired in the worker 10 s after it was stored, not 10 s after it was copied');
    again.claim.abandon();
  });

  it('runs the statement alone when the shared tier cannot be reached, and keeps serving its own hits', async () => {
    const worker = new ResultCache();
    worker.shareWith({
      lookup: () => Promise.reject(new Error('the primary is gone')),
      store: () => {},
      abandon: () => {},
    });
    const l = await worker.lookup('k');
    assert.ok('claim' in l);
    l.claim.store(result(1), { cost: 0, ttlMs: 60_000 });
    assert.ok('hit' in (await worker.lookup('k')));
  });
});
