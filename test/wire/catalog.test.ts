/**
 * Catalog statements through tollgate: answered by the shadow catalog (a real PostgreSQL holding empty
 * tables that mirror the served ones), never by an engine. Tollgate only: the checks name the demo tables.
 * The full BI-tool matrix (pgjdbc metadata, SQLAlchemy's inspector, ODBC, Metabase's sync) is issue 3.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withClient } from '../helpers/pg-client.ts';
import { runOk } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const skip = targetSkipReason() ?? (targetKind() === 'postgres' ? 'the demo tables exist only in tollgate' : undefined);

describe(`catalog statements against ${targetKind()}`, { skip }, () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });

  const psql = (...commands: string[]) =>
    runOk('psql', ['-X', '-A', '-t', ...commands.flatMap((c) => ['-c', c])], { env: target.libpqEnv('alice') }).then((r) => r.stdout);

  it('psql \\dn and \\dt lake.* list the served schema and tables', async () => {
    assert.match(await psql('\\dn'), /^lake\|/m);
    const tables = (await psql('\\dt lake.*')).trim().split('\n').map((l) => l.split('|').slice(0, 2).join('.'));
    assert.deepEqual(tables, ['lake.bookings', 'lake.hotels', 'lake.searches']);
  });

  it("the session's search_path decides what \\dt shows, as in PostgreSQL", async () => {
    assert.doesNotMatch(await psql('\\dt'), /bookings/);
    assert.match(await psql('SET search_path = lake, public', '\\dt'), /^lake\|bookings\|/m);
  });

  it('psql \\d lake.bookings shows the PostgreSQL types of the columns', async () => {
    const out = await psql('\\d lake.bookings');
    assert.match(out, /^booking_id\|bigint\|/m);
    assert.match(out, /^price_usd\|numeric\(10,2\)\|/m);
    assert.match(out, /^booked_at\|timestamp without time zone\|/m);
    assert.match(out, /^booking_month\|text\|/m);
  });

  it('table and column comments from the config are in the catalog', async () => {
    await withClient(target, async (c) => {
      const t = await c.query("select obj_description('lake.bookings'::regclass, 'pg_class') as d");
      assert.match(t.rows[0].d, /booking/i);
      const cols = await c.query(
        'select column_name, data_type, col_description((table_schema||$3||table_name)::regclass, ordinal_position::int) as d ' +
          'from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
        ['lake', 'hotels', '.'],
      );
      assert.deepEqual(cols.rows.map((r) => r.column_name), ['hotel_id', 'name', 'city', 'country', 'star_rating', 'chain']);
      assert.ok(cols.rows.every((r) => typeof r.d === 'string' && r.d.length > 5), 'every column has its comment');
    });
  });

  it('a catalog statement for an object that does not exist returns no rows, as in PostgreSQL', async () => {
    await withClient(target, async (c) => {
      const r = await c.query('select relname from pg_catalog.pg_class where relname = $1', ['no_such_table']);
      assert.equal(r.rowCount, 0);
      await assert.rejects(c.query("select 'lake.nope'::regclass"), (e: Error & { code?: string }) => e.code === '42P01');
    });
  });

  it('a statement reading both the catalog and served data is refused with 0A000, not answered from empty shells', async () => {
    await withClient(target, async (c) => {
      await assert.rejects(
        c.query('select count(*) from lake.hotels h join pg_catalog.pg_class c on true'),
        (e: Error & { code?: string }) => e.code === '0A000',
      );
      const ok = await c.query('select count(*)::int as n from lake.hotels');
      assert.ok(ok.rows[0].n > 0, 'the data still comes from the engine');
    });
  });
});
