/**
 * The shadow catalog in a real embedded PostgreSQL: refreshes that change only what changed (OIDs of
 * unchanged tables stay, which BI tools cache), leftovers of an earlier configuration removed, a failed
 * refresh that keeps the last good catalog, and client sessions that run as the gateway user's own role
 * and can read the catalog but nothing more.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { TableInfo } from '../../src/connectors/contract.ts';
import { ShadowCatalog, type CatalogSession } from '../../src/catalog/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/metastore/index.ts';
import { OID } from '../../src/pgtypes/index.ts';

const int4 = (name: string, comment?: string) => ({ name, typeOid: OID.int4, typeModifier: -1, ...(comment && { comment }) });
const text = (name: string) => ({ name, typeOid: OID.text, typeModifier: -1 });
const hotels: TableInfo = { schema: 'lake', name: 'hotels', comment: 'Hotels.', columns: [int4('hotel_id', 'Id.'), text('city')] };
const bookings: TableInfo = { schema: 'lake', name: 'bookings', columns: [int4('booking_id'), int4('hotel_id')] };
const events: TableInfo = { schema: 'web', name: 'events', columns: [text('url')] };

describe('shadow catalog', () => {
  let dataDir: string;
  let db: EmbeddedPostgres;
  let admin: pg.Client;
  let catalog: ShadowCatalog;

  const adminConfig = () => ({ host: db.socketDir, port: db.port, user: db.user, database: db.database });
  const oidOf = async (name: string): Promise<number | null> =>
    (await admin.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int AS oid', [name])).rows[0]!.oid;
  const schemas = async (): Promise<string[]> =>
    (await admin.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1")).rows.map(
      (r) => r.nspname,
    );

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-shadow-'));
    db = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    admin = new pg.Client(adminConfig());
    await admin.connect();
    // What an earlier configuration left behind: a schema and a table in public that nothing serves now.
    await admin.query('CREATE SCHEMA old_engine');
    await admin.query('CREATE TABLE old_engine.t (x int)');
    await admin.query('CREATE TABLE public.leftover (x int)');
    catalog = new ShadowCatalog({ admin: adminConfig(), logger: silentLogger() });
    await catalog.prepareUsers(['alice', 'bob']);
  });
  after(async () => {
    await admin?.end();
    await catalog?.close();
    await db?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('first refresh mirrors the tables and removes what an earlier configuration left', async () => {
    const r = await catalog.refresh([hotels, bookings]);
    assert.deepEqual(r, { changed: 2, removed: 0 });
    assert.deepEqual(await schemas(), ['lake', 'public']);
    assert.equal(await oidOf('public.leftover'), null);
    const comment = await admin.query('SELECT obj_description($1::regclass, $2) AS c', ['lake.hotels', 'pg_class']);
    assert.equal(comment.rows[0].c, 'Hotels.');
  });

  it('a refresh with nothing changed touches nothing', async () => {
    const before = await oidOf('lake.hotels');
    assert.deepEqual(await catalog.refresh([hotels, bookings]), { changed: 0, removed: 0 });
    assert.equal(await oidOf('lake.hotels'), before);
  });

  it('replaces only changed tables, adds new schemas, and keeps unchanged OIDs', async () => {
    const hotelsOid = await oidOf('lake.hotels');
    const bookingsOid = await oidOf('lake.bookings');
    const widened: TableInfo = { ...bookings, columns: [...bookings.columns, text('status')] };
    assert.deepEqual(await catalog.refresh([hotels, widened, events]), { changed: 2, removed: 0 });
    assert.equal(await oidOf('lake.hotels'), hotelsOid);
    assert.notEqual(await oidOf('lake.bookings'), bookingsOid);
    const cols = await admin.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'lake' AND table_name = 'bookings' ORDER BY ordinal_position");
    assert.deepEqual(cols.rows.map((c) => c.column_name), ['booking_id', 'hotel_id', 'status']);
    assert.ok(await oidOf('web.events'));
  });

  it('drops tables and schemas no longer served', async () => {
    assert.deepEqual(await catalog.refresh([hotels]), { changed: 0, removed: 2 });
    assert.equal(await oidOf('lake.bookings'), null);
    assert.deepEqual(await schemas(), ['lake', 'public']);
  });

  it('a refresh that fails keeps the last good catalog', async () => {
    const duplicate: TableInfo = { schema: 'lake', name: 'broken', columns: [int4('x'), int4('x')] };
    await assert.rejects(catalog.refresh([hotels, bookings, duplicate]), /column "x" specified more than once/);
    assert.ok(await oidOf('lake.hotels'));
    assert.equal(await oidOf('lake.bookings'), null);
    // ... and the next good refresh applies in full.
    assert.deepEqual(await catalog.refresh([hotels, bookings]), { changed: 1, removed: 0 });
    assert.ok(await oidOf('lake.bookings'));
  });

  describe('a client session', () => {
    let alice: CatalogSession;
    const ask = (sql: string, params: unknown[] = []) => alice.query(sql, params as never[], params.map(() => 0), '"$user", public');
    before(async () => {
      alice = await catalog.session('alice');
    });
    after(() => alice?.release());

    it('runs as the gateway user, who can see and read the mirrored tables', async () => {
      const r = await ask("SELECT current_user, session_user, has_table_privilege('lake.hotels', 'SELECT') AS can_read");
      assert.deepEqual(r.batch.columns.map((c) => c[0]), ['alice', 'alice', true]);
    });

    const refused: Array<[string, string, RegExp]> = [
      ["SELECT pg_read_file('/etc/hostname')", '42501', /permission denied/],
      ['DELETE FROM pg_catalog.pg_description', '25006', /read-only transaction/],
      ['CREATE TEMP TABLE t (x int)', '25006', /read-only transaction/],
      ['SELECT lo_create(0)', '42501', /permission denied/],
    ];
    for (const [sql, sqlstate, message] of refused) {
      it(`cannot: ${sql}`, async () => {
        await assert.rejects(ask(sql), (e: { sqlstate?: string; message: string }) => e.sqlstate === sqlstate && message.test(e.message));
      });
    }

    it('cannot write even after switching read-only off', async () => {
      await ask("SELECT set_config('default_transaction_read_only', 'off', false)");
      await assert.rejects(ask('CREATE TABLE public.mine (x int)'), (e: { sqlstate?: string }) => e.sqlstate === '42501');
      await assert.rejects(ask('CREATE TEMP TABLE t (x int)'), (e: { sqlstate?: string }) => e.sqlstate === '42501');
      await assert.rejects(ask('INSERT INTO lake.hotels VALUES (1, $1)', ['x']), (e: { sqlstate?: string }) => e.sqlstate === '42501');
    });
  });

  it('answers a repeated metadata statement from memory until the catalog changes; never a volatile one', async () => {
    const alice = catalog.session('alice');
    const count = async () =>
      (await alice.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1", ['lake'], [0], 'public')).batch.columns[0]![0];
    const first = await alice.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1", ['lake'], [0], 'public');
    const again = await alice.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1", ['lake'], [0], 'public');
    assert.equal(again, first, 'the same result object: no round trip');
    const before = (await count()) as number;
    await catalog.refresh([hotels, bookings, { schema: 'lake', name: 'extra', columns: [int4('x')] }]);
    assert.equal(await count(), before + 1);
    const a = await alice.query('SELECT clock_timestamp()::text AS t FROM pg_class LIMIT 1', [], [], 'public');
    const b = await alice.query('SELECT clock_timestamp()::text AS t FROM pg_class LIMIT 1', [], [], 'public');
    assert.notEqual(a, b);
    await catalog.refresh([hotels, bookings]);
  });

  it('user roles follow the configured users', async () => {
    await catalog.prepareUsers(['alice', 'carol']);
    const r = await admin.query(
      "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = 'tollgate_users' ORDER BY 1",
    );
    assert.deepEqual(r.rows.map((x) => x.rolname), ['alice', 'carol']);
  });
});
