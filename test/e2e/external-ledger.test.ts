/**
 * The ledger on an external PostgreSQL, as production runs it: several tollgate instances share it
 * (migrations, user roles and user sync race at start; each instance's records are visible through the
 * others), and a ledger that cannot be used stops the start with a message that says what to fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, startGateways, type Gateway } from '../helpers/gateway.ts';
import { externalLedger } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;

async function query<T>(gateway: Gateway, user: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ ...gateway.clientConfig(user), application_name: `external-ledger-${process.pid}` });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('two tollgate instances on one external ledger', { skip }, () => {
  const ledger = externalLedger();
  const gateways: Gateway[] = [];
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await ledger.stop();
  });

  it('start together, record into the same ledger, and each serves the other’s records', async () => {
    const options = await ledger.gatewayOptions();
    gateways.push(...(await startGateways(2, options)));
    const [a, b] = gateways as [Gateway, Gateway];
    await query(a, 'alice', 'SELECT count(*) AS via_a FROM lake.hotels');
    await query(b, 'bob', 'SELECT count(*) AS via_b FROM lake.hotels');

    // Both instances wrote (each names itself in its records), and the schema was migrated once.
    const owner = await ledger.client(a);
    try {
      const instances = await owner.query<{ n: number }>("SELECT count(DISTINCT instance)::int AS n FROM ledger.statements WHERE statement LIKE 'SELECT count(*) AS via_%'");
      assert.equal(instances.rows[0]!.n, 2);
      const versions = await owner.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT version)::int AS d FROM ledger.schema_version');
      assert.equal(versions.rows[0]!.n, versions.rows[0]!.d);
    } finally {
      await owner.end();
    }
    // Through instance b, the admin sees alice's query run through a; alice (growth) does not see bob's (pricing).
    const seen = await query<{ user_name: string }>(b, 'admin', "SELECT user_name FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS via_%' ORDER BY user_name");
    assert.deepEqual(seen.map((r) => r.user_name), ['alice', 'bob']);
    const alice = await query<{ user_name: string }>(a, 'alice', "SELECT user_name FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS via_%'");
    assert.deepEqual(alice.map((r) => r.user_name), ['alice']);
  });
});

describe('an external ledger that cannot be used', { skip }, () => {
  const ledger = externalLedger();
  after(() => ledger.stop());

  it('a wrong password stops the start, with the ledger named and the password nowhere in the log', async () => {
    const options = await ledger.gatewayOptions();
    const wrong = 'not-the-ledger-password-7f3a';
    await assert.rejects(
      startGateway({ ...options, env: Object.fromEntries(Object.keys(options.env ?? {}).map((k) => [k, wrong])), startTimeoutMs: 60_000 }),
      (e: Error) => {
        assert.match(e.message, /the ledger at PostgreSQL at 127\.0\.0\.1:\d+ \(database tollgate_ledger_\d+_\d+\) cannot be used/);
        assert.match(e.message, /ledger\.connection/);
        assert.ok(!e.message.includes(wrong), 'the password must not be logged');
        return true;
      },
    );
  });
});
