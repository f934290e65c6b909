import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { shadowCatalogDdl } from '../../src/catalog/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/metastore/index.ts';
import { OID } from '../../src/pgtypes/index.ts';

async function query(db: EmbeddedPostgres, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ host: db.socketDir, port: db.port, user: db.user, database: db.database });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL (the default metastore)', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-meta-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('initialises, answers over its unix socket only, holds the shadow catalog, and starts again warm', async () => {
    const db = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    try {
      const v = await query(db, 'SHOW server_version');
      assert.match(v.rows[0].server_version, /^15\./);
      const listen = await query(db, 'SHOW listen_addresses');
      assert.equal(listen.rows[0].listen_addresses, '');
      for (const statement of shadowCatalogDdl([
        { schema: 'lake', name: 'hotels', comment: 'Hotels.', columns: [{ name: 'hotel_id', typeOid: OID.int4, typeModifier: -1, comment: 'Id.' }] },
      ]))
        await query(db, statement);
    } finally {
      await db.stop();
    }
    const again = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    try {
      const r = await query(again, 'SELECT obj_description($1::regclass, $2) AS c', ['lake.hotels', 'pg_class']);
      assert.equal(r.rows[0].c, 'Hotels.');
    } finally {
      await again.stop();
    }
  });

  it('recovers when an earlier gateway was killed without stopping its server', async () => {
    // A child process starts the server and is SIGKILLed; its watchdog stops the orphan, and a new start works either way.
    const script = `import { startEmbeddedPostgres } from '${new URL('../../src/metastore/index.ts', import.meta.url).pathname}';
      import { silentLogger } from '${new URL('../../src/log/index.ts', import.meta.url).pathname}';
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, logger: silentLogger() });
      process.stdout.write('up\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('up') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    const db = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    try {
      const r = await query(db, 'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', ['lake']);
      assert.equal(r.rows[0].n, 1);
    } finally {
      await db.stop();
    }
  });
});
