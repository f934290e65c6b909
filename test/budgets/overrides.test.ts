import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { budgetExceededError } from '../../src/budgets/index.ts';
import { FakeClock, startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

const HOUR = 3600_000;

describe('override tokens', () => {
  let db: LedgerDb;
  before(async () => {
    db = await startLedgerDb();
  });
  after(async () => {
    await db?.stop();
  });

  it('a one-use token lets exactly one over-budget query through, even when many present it at once', async () => {
    const a = db.store({ pool: db.pool(15) });
    const b = db.store({ pool: db.pool(15) });
    for (let run = 0; run < 5; run++) {
      const team = uniqueTeam();
      await a.setBudget(team, { monthly: 1 }, 'admin');
      const { token } = await a.issueOverride({ team, actor: 'admin', validUntil: new Date(Date.now() + HOUR) });
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).reserve({ team, user: 'alice', amount: 5, overrideToken: token })));
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 1);
      assert.ok(ok[0]!.ok && ok[0]!.overrideUsed);
      for (const r of results) if (!r.ok) assert.equal(r.overrideRejected, true);
      assert.equal((await a.status(team)).month.reserved, 5);
    }
  });

  it('is only used when needed, only for its team, and only inside its window', async () => {
    const clock = new FakeClock(new Date('2026-11-10T12:00:00Z'));
    const store = db.store({ now: clock.now });
    const team = uniqueTeam();
    const other = uniqueTeam();
    await store.setBudget(team, { monthly: 10 }, 'admin');
    await store.setBudget(other, { monthly: 0 }, 'admin');
    const issued = await store.issueOverride({ team, actor: 'root', validFrom: new Date('2026-11-10T13:00:00Z'), validUntil: new Date('2026-11-10T15:00:00Z'), uses: null });
    assert.match(issued.token, /^tgo_[A-Za-z0-9_-]{43}$/);
    const token = issued.token;

    const early = await store.reserve({ team, user: 'alice', amount: 20, overrideToken: token });
    assert.ok(!early.ok && early.overrideRejected);
    assert.match(budgetExceededError(early, { currency: 'USD' }).detail!, /override token given is not valid/);
    const fits = await store.reserve({ team, user: 'alice', amount: 1, overrideToken: token });
    assert.ok(fits.ok && !fits.overrideUsed, 'a query that fits does not use the token');

    clock.set('2026-11-10T13:00:00Z');
    assert.equal((await store.reserve({ team: other, user: 'alice', amount: 1, overrideToken: token })).ok, false, 'not for another team');
    for (let i = 0; i < 3; i++) {
      const r = await store.reserve({ team, user: 'alice', amount: 20, overrideToken: token });
      assert.ok(r.ok && r.overrideUsed, 'a window token works any number of times');
    }
    clock.set('2026-11-10T15:00:00Z');
    assert.equal((await store.reserve({ team, user: 'alice', amount: 20, overrideToken: token })).ok, false, 'expired');
    assert.equal((await store.reserve({ team, user: 'alice', amount: 20, overrideToken: 'tgo_wrong' })).ok, false);

    const rows = await db.pool(1).query('SELECT token_hash, uses, uses_left FROM ledger.budget_overrides WHERE team = $1', [team]);
    assert.equal(rows.rows[0].uses, 3);
    assert.equal(rows.rows[0].uses_left, null);
    assert.ok(!rows.rows[0].token_hash.toString('latin1').includes(token), 'only the hash is stored');
    const changes = await store.listChanges(team);
    assert.equal(changes[0]!.action, 'override');
    assert.equal(changes[0]!.changedBy, 'root');
  });

  it('rejects nonsense windows and use counts', async () => {
    const store = db.store();
    const team = uniqueTeam();
    const soon = new Date(Date.now() + HOUR);
    await assert.rejects(store.issueOverride({ team, actor: 'a', validUntil: new Date(Date.now() - HOUR) }), { code: 'INVALID_PARAMETER_VALUE' });
    await assert.rejects(store.issueOverride({ team, actor: 'a', validUntil: new Date(Date.now() + 90 * 24 * HOUR) }), { code: 'INVALID_PARAMETER_VALUE' });
    await assert.rejects(store.issueOverride({ team, actor: 'a', validUntil: soon, uses: 0 }), { code: 'INVALID_PARAMETER_VALUE' });
    await assert.rejects(store.issueOverride({ team, actor: 'a', validUntil: new Date('nope') }), { code: 'INVALID_PARAMETER_VALUE' });
  });
});
