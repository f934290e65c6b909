import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BudgetStore, ReserveResult } from '../../src/budgets/index.ts';
import { startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

const RUNS = 20;
const CLIENTS = 50;

/**
 * 50 queries at once against a team whose budget fits exactly 10 of them. Amounts are 0.3 of a 3.00
 * budget, which floating point would get wrong (0.3 * 10 > 3 in binary): the comparison is numeric.
 */
async function run(stores: BudgetStore[]): Promise<{ results: ReserveResult[]; team: string }> {
  const team = uniqueTeam('growth');
  await stores[0]!.setBudget(team, { monthly: 3, softThresholds: [0.5, 0.8] }, 'admin');
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => stores[i % stores.length]!.reserve({ team, user: `user${i % 7}`, amount: 0.3, statementId: `s${i}` })),
  );
  return { results, team };
}

async function check(stores: BudgetStore[], { results, team }: { results: ReserveResult[]; team: string }): Promise<void> {
  const ok = results.filter((r) => r.ok);
  assert.equal(ok.length, 10, 'exactly the queries that fit succeed');
  for (const r of results) if (!r.ok) assert.equal(r.reason, 'team_month');
  // Each soft threshold was reported to exactly one caller.
  const crossed = ok.flatMap((r) => (r.ok ? r.crossed.map((c) => `${c.period.kind}:${c.threshold}`) : []));
  assert.deepEqual(crossed.sort(), ['month:0.5', 'month:0.8']);
  const status = await stores[0]!.status(team);
  assert.equal(status.month.reserved, 3);
  assert.ok(status.month.spent + status.month.reserved <= 3);
  // Settle half above the estimate: spend may pass the budget only by what queries really cost.
  await Promise.all(ok.map((r, i) => (r.ok ? stores[i % stores.length]!.settle(r.reservationId, i < 5 ? 0.3 : 0.1) : null)));
  const settled = await stores[0]!.status(team);
  assert.equal(settled.month.reserved, 0);
  assert.equal(Math.round(settled.month.spent * 100), 200);
}

describe('reservations under concurrency', () => {
  let db: LedgerDb;
  before(async () => {
    db = await startLedgerDb();
  });
  after(async () => {
    await db?.stop();
  });

  it(`50 clients on one pool of 50 connections, ${RUNS} runs: exactly 10 fit each time`, async () => {
    const store = db.store({ pool: db.pool(CLIENTS) });
    for (let i = 0; i < RUNS; i++) await check([store], await run([store]));
  });

  it(`50 clients across two gateway instances (separate stores and pools), ${RUNS} runs`, async () => {
    const a = db.store({ pool: db.pool(CLIENTS / 2) });
    const b = db.store({ pool: db.pool(CLIENTS / 2) });
    for (let i = 0; i < RUNS; i++) await check([a, b], await run([a, b]));
  });
});
