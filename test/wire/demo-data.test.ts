/**
 * Queries over tollgate's demo dataset (lake.hotels, lake.bookings, lake.searches) through node-postgres.
 * Runs against tollgate only: a plain PostgreSQL has no such tables. The assertions hold for any contents
 * (counts agree with each other, types and shapes are right), so regenerating the demo data breaks nothing.
 * To check the SQL itself against PostgreSQL, load copies of the three tables into an external cluster and
 * run with TOLLGATE_WIRE_TARGET=postgres TOLLGATE_TEST_PG_URL=postgresql://127.0.0.1:PORT TOLLGATE_DEMO_ON_POSTGRES=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Cursor from 'pg-cursor';
import { withClient } from '../helpers/pg-client.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const skip =
  targetSkipReason() ??
  (targetKind() === 'postgres' && !process.env.TOLLGATE_DEMO_ON_POSTGRES ? 'the demo dataset exists only in tollgate (TOLLGATE_WIRE_TARGET is postgres)' : undefined);

/** numeric(p,s) as RowDescription's type modifier: ((p << 16) | s) + 4. */
const numericTypmod = (p: number, s: number) => ((p << 16) | s) + 4;

describe(`demo dataset through node-postgres against ${targetKind()}`, { skip }, () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });

  it('lake.hotels has rows, a unique hotel_id and the documented columns', async () => {
    await withClient(target, async (c) => {
      const r = await c.query('select count(*) as n, count(distinct hotel_id) as ids from lake.hotels');
      assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['n', 20], ['ids', 20]]);
      const n = Number(r.rows[0].n);
      assert.ok(n > 0, 'hotels is not empty');
      assert.equal(Number(r.rows[0].ids), n, 'hotel_id is unique');
      const cols = await c.query('select * from lake.hotels limit 1');
      assert.deepEqual(cols.fields.map((f) => f.name), ['hotel_id', 'name', 'city', 'country', 'star_rating', 'chain']);
      assert.equal(cols.rowCount, 1);
    });
  });

  it('lake.bookings has the documented columns and types', async () => {
    await withClient(target, async (c) => {
      const r = await c.query('select * from lake.bookings limit 3');
      assert.equal(r.rowCount, 3);
      const byName = Object.fromEntries(r.fields.map((f) => [f.name, f]));
      assert.deepEqual(r.fields.map((f) => f.name), [
        'booking_id', 'hotel_id', 'user_id', 'booked_at', 'checkin_date', 'nights', 'rooms', 'price_usd',
        'currency', 'channel', 'device', 'user_country', 'status', 'booking_month',
      ]);
      assert.equal(byName.booked_at.dataTypeID, 1114, 'booked_at is timestamp');
      assert.equal(byName.checkin_date.dataTypeID, 1082, 'checkin_date is date');
      assert.equal(byName.price_usd.dataTypeID, 1700, 'price_usd is numeric');
      assert.equal(byName.price_usd.dataTypeModifier, numericTypmod(10, 2), 'price_usd is numeric(10,2)');
      assert.ok([25, 1043].includes(byName.booking_month.dataTypeID), 'booking_month is text or varchar');
      for (const row of r.rows) {
        assert.ok(row.booked_at instanceof Date && !Number.isNaN(row.booked_at.getTime()));
        assert.ok(row.checkin_date instanceof Date);
        assert.match(row.price_usd, /^-?\d+\.\d{2}$/);
        assert.match(row.booking_month, /^\d{4}-\d{2}$/);
      }
    });
  });

  it('group by status adds up to the total', async () => {
    await withClient(target, async (c) => {
      const total = Number((await c.query('select count(*) as n from lake.bookings')).rows[0].n);
      assert.ok(total > 0);
      const groups = await c.query('select status, count(*) as n from lake.bookings group by status order by status');
      assert.ok(groups.rowCount! >= 1);
      const statuses = groups.rows.map((g) => g.status as string);
      assert.deepEqual(statuses, [...statuses].sort(), 'ordered by status');
      assert.equal(groups.rows.reduce((s, g) => s + Number(g.n), 0), total);
    });
  });

  it('join bookings to hotels, revenue by city, top 5', async () => {
    await withClient(target, async (c) => {
      const r = await c.query(
        `select h.city, count(*) as n, sum(b.price_usd) as revenue
           from lake.bookings b join lake.hotels h on h.hotel_id = b.hotel_id
          group by h.city order by n desc, h.city limit 5`,
      );
      assert.ok(r.rowCount! >= 1 && r.rowCount! <= 5);
      assert.equal(r.fields[2].dataTypeID, 1700, 'sum of numeric is numeric');
      const ns = r.rows.map((x) => Number(x.n));
      assert.deepEqual(ns, [...ns].sort((a, b) => b - a), 'ordered by n desc');
      for (const row of r.rows) assert.match(row.revenue, /^-?\d+\.\d{2}$/);
      const orphans = await c.query('select count(*) as n from lake.bookings b left join lake.hotels h on h.hotel_id = b.hotel_id where h.hotel_id is null');
      assert.equal(Number(orphans.rows[0].n), 0, 'every booking has a hotel');
    });
  });

  it('filters by booking_month with a bound parameter; month counts add up', async () => {
    await withClient(target, async (c) => {
      const months = await c.query('select booking_month, count(*) as n from lake.bookings group by booking_month order by booking_month');
      assert.ok(months.rowCount! >= 1);
      const first = months.rows[0];
      const r = await c.query('select count(*) as n from lake.bookings where booking_month = $1', [first.booking_month]);
      assert.equal(r.rows[0].n, first.n);
      const byTrunc = await c.query(
        "select count(*) as n from lake.bookings where booked_at >= $1::timestamp and booked_at < $1::timestamp + interval '1 month'",
        [`${first.booking_month}-01 00:00:00`],
      );
      assert.equal(byTrunc.rows[0].n, first.n, 'booking_month is the month of booked_at');
    });
  });

  it('date_trunc by month over booked_at', async () => {
    await withClient(target, async (c) => {
      const r = await c.query("select date_trunc('month', booked_at) as m, count(*) as n from lake.bookings group by 1 order by 1 limit 3");
      assert.ok(r.rowCount! >= 1);
      for (const row of r.rows) {
        assert.ok(row.m instanceof Date);
        assert.equal(row.m.getDate(), 1, 'first of the month');
      }
    });
  });

  it('lake.searches has rows', async () => {
    await withClient(target, async (c) => {
      const r = await c.query('select count(*) as n from lake.searches');
      assert.ok(Number(r.rows[0].n) > 0);
    });
  });

  it('pg-cursor streams the whole bookings table in chunks of 1000', async () => {
    await withClient(target, async (c) => {
      const total = Number((await c.query('select count(*) as n from lake.bookings')).rows[0].n);
      const cursor = c.query(new Cursor('select booking_id, price_usd from lake.bookings'));
      let seen = 0;
      for (;;) {
        const rows = await cursor.read(1000);
        if (rows.length === 0) break;
        seen += rows.length;
      }
      await cursor.close();
      assert.equal(seen, total);
    });
  });
});
