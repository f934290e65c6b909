/**
 * Nothing a client saw acknowledged is lost from the ledger: statements are committed to the ledger
 * before CommandComplete is sent (group commit), so killing tollgate with SIGKILL right after the last
 * acknowledgement and starting it again on the same data directory finds every one of them.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerVariants } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

for (const variant of ledgerVariants()) {
describe(`ledger durability across kill -9 (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let dataDir: string;
  let second: Gateway | undefined;
  after(async () => {
    await second?.stop();
    await variant.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged statement is in the ledger after SIGKILL and restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-durable-'));
    await chmod(dataDir, 0o711);
    const first = await startGateway({ dataDir, ...(await variant.gatewayOptions()) });
    const marker = `durable_${process.pid}`;
    const clients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const c = new pg.Client(first.clientConfig('alice'));
        c.on('error', () => {}); // the server is killed under it
        await c.connect();
        return c;
      }),
    );
    // Four clients at once, so acknowledgements share group commits; each counts what it saw acknowledged.
    const acknowledged = await Promise.all(
      clients.map(async (c, k) => {
        let n = 0;
        for (let i = 0; i < 25; i++) {
          await c.query(`SELECT ${k * 100 + i} AS ${marker}, count(*) FROM lake.hotels`);
          n++;
        }
        return n;
      }),
    );
    process.kill(first.pid, 'SIGKILL');
    await first.stop();
    assert.equal(first.exitCode(), null, 'killed by a signal');
    for (const c of clients) await c.end().catch(() => {});

    second = await startGateway({ dataDir, ...(await variant.gatewayOptions()) });
    const ledger = await variant.client(second);
    try {
      const r = await ledger.query<{ n: string }>("SELECT count(*) AS n FROM ledger.statements WHERE statement LIKE $1 AND status = 'ok'", [`% AS ${marker}, %`]);
      assert.equal(Number(r.rows[0]!.n), acknowledged.reduce((a, b) => a + b, 0));
    } finally {
      await ledger.end();
    }
  });
});
}
