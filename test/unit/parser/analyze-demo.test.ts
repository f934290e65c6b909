/**
 * A BI-dashboard workload over the demo lake (lake.hotels, lake.bookings, lake.searches; columns from
 * src/demo/tables.ts): what Metabase, Superset, Tableau and hand-written dashboards send, with the exact
 * columns and pruning predicates each reference must get.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeQuery, type Predicate } from '../../../src/parser/index.ts';
import { TEST_CATALOG } from '../../fixtures/tpch/schema.ts';

const ts = (s: string): bigint => BigInt(Date.parse(s.replace(' ', 'T') + 'Z')) * 1000n;
const d = (iso: string): number => Date.parse(iso + 'T00:00:00Z') / 86_400_000;

const WORKLOAD: Array<{ name: string; sql: string; tables: Array<[string, string, Predicate[]?]> }> = [
  {
    name: 'KPI: confirmed revenue this month',
    sql: "SELECT sum(price_usd) AS revenue, count(*) AS bookings FROM lake.bookings WHERE status = 'confirmed' AND booking_month = '2024-06'",
    tables: [['bookings', 'booking_month price_usd status', [{ column: 'status', op: '=', value: 'confirmed', type: 'unknown' }, { column: 'booking_month', op: '=', value: '2024-06', type: 'unknown' }]]],
  },
  {
    name: 'revenue by month (time series)',
    sql: "SELECT date_trunc('month', booked_at) AS month, sum(price_usd) FROM lake.bookings WHERE booked_at >= timestamp '2024-01-01' AND booked_at < timestamp '2024-07-01' GROUP BY 1 ORDER BY 1",
    tables: [['bookings', 'booked_at price_usd', [{ column: 'booked_at', op: '>=', value: ts('2024-01-01 00:00:00'), type: 'timestamp' }, { column: 'booked_at', op: '<', value: ts('2024-07-01 00:00:00'), type: 'timestamp' }]]],
  },
  {
    name: 'bookings by channel and device',
    sql: 'select channel, device, count(*) as n, avg(price_usd) from lake.bookings group by channel, device order by n desc',
    tables: [['bookings', 'channel device price_usd']],
  },
  {
    name: 'top cities by revenue (join)',
    sql: "select h.city, h.country, sum(b.price_usd) as revenue from lake.bookings b join lake.hotels h on h.hotel_id = b.hotel_id where b.status = 'confirmed' group by h.city, h.country order by revenue desc limit 10",
    tables: [['bookings', 'hotel_id price_usd status', [{ column: 'status', op: '=', value: 'confirmed', type: 'unknown' }]], ['hotels', 'city country hotel_id']],
  },
  {
    name: 'star rating mix with USING',
    sql: 'SELECT star_rating, count(*) FROM lake.bookings JOIN lake.hotels USING (hotel_id) WHERE booking_month BETWEEN \'2024-01\' AND \'2024-03\' GROUP BY star_rating',
    tables: [['bookings', 'booking_month hotel_id', [{ column: 'booking_month', op: 'between', low: '2024-01', high: '2024-03', type: 'unknown' }]], ['hotels', 'hotel_id star_rating']],
  },
  {
    name: 'cancellation rate by chain (independents included)',
    sql: "select coalesce(h.chain, 'independent') as chain, avg(case when b.status = 'cancelled' then 1.0 else 0 end) as cancel_rate from lake.bookings b left join lake.hotels h on h.hotel_id = b.hotel_id and h.star_rating >= 4 group by 1",
    tables: [['bookings', 'hotel_id status'], ['hotels', 'chain hotel_id star_rating', [{ column: 'star_rating', op: '>=', value: 4, type: 'int4' }]]],
  },
  {
    name: 'search latency percentiles',
    sql: "select percentile_cont(0.5) within group (order by latency_ms) as p50, percentile_cont(0.99) within group (order by latency_ms) as p99 from lake.searches where search_month in ('2024-05', '2024-06')",
    tables: [['searches', 'latency_ms search_month', [{ column: 'search_month', op: 'in', values: ['2024-05', '2024-06'], type: 'unknown' }]]],
  },
  {
    name: 'zero-result searches by destination',
    sql: 'SELECT destination_city, count(*) FROM lake.searches WHERE results_shown = 0 GROUP BY destination_city ORDER BY 2 DESC LIMIT 20',
    tables: [['searches', 'destination_city results_shown', [{ column: 'results_shown', op: '=', value: 0, type: 'int4' }]]],
  },
  {
    name: 'click-through rate per day',
    sql: "select searched_at::date as day, count(clicked_hotel_id)::float / count(*) as ctr from lake.searches where searched_at >= date '2024-06-01' - interval '7' day group by 1 order by 1",
    tables: [['searches', 'clicked_hotel_id searched_at', [{ column: 'searched_at', op: '>=', value: ts('2024-05-25 00:00:00'), type: 'timestamp' }]]],
  },
  {
    name: 'search-to-booking conversion (CTEs)',
    sql: `with s as (select user_id, count(*) as searches from lake.searches where search_month = '2024-06' group by user_id),
               b as (select user_id, count(*) as bookings from lake.bookings where booking_month = '2024-06' and status = 'confirmed' group by user_id)
          select count(*) as searchers, count(b.user_id) as bookers, sum(b.bookings)::numeric / sum(s.searches) as conversion
          from s left join b on b.user_id = s.user_id`,
    tables: [
      ['searches', 'search_month user_id', [{ column: 'search_month', op: '=', value: '2024-06', type: 'unknown' }]],
      ['bookings', 'booking_month status user_id', [{ column: 'booking_month', op: '=', value: '2024-06', type: 'unknown' }, { column: 'status', op: '=', value: 'confirmed', type: 'unknown' }]],
    ],
  },
  {
    name: 'Tableau custom SQL wrapper: demand and pushdown through the subquery',
    sql: `SELECT "Custom SQL Query"."channel" AS "channel", SUM("Custom SQL Query"."price_usd") AS "sum:price_usd:ok"
          FROM (select * from lake.bookings) "Custom SQL Query"
          WHERE ("Custom SQL Query"."booking_month" = '2024-04')
          GROUP BY 1`,
    tables: [['bookings', 'booking_month channel price_usd', [{ column: 'booking_month', op: '=', value: '2024-04', type: 'unknown' }]]],
  },
  {
    name: 'Metabase: filtered, cast timestamps, LIMIT',
    sql: `SELECT "lake"."bookings"."user_country" AS "user_country", count(*) AS "count" FROM "lake"."bookings"
          WHERE ("lake"."bookings"."booked_at" >= CAST('2024-03-01 00:00:00' AS timestamp) AND "lake"."bookings"."booked_at" < CAST('2024-04-01 00:00:00' AS timestamp))
          GROUP BY "lake"."bookings"."user_country" ORDER BY "count" DESC, "lake"."bookings"."user_country" ASC LIMIT 1048575`,
    tables: [['bookings', 'booked_at user_country', [{ column: 'booked_at', op: '>=', value: ts('2024-03-01 00:00:00'), type: 'timestamp' }, { column: 'booked_at', op: '<', value: ts('2024-04-01 00:00:00'), type: 'timestamp' }]]],
  },
  {
    name: 'Superset: time grain, row limit, subquery alias',
    sql: `SELECT DATE_TRUNC('week', checkin_date) AS __timestamp, SUM(nights * rooms) AS "room_nights" FROM lake.bookings
          WHERE checkin_date >= '2024-01-01' AND checkin_date < '2024-04-01' GROUP BY DATE_TRUNC('week', checkin_date) LIMIT 10000`,
    tables: [['bookings', 'checkin_date nights rooms', [{ column: 'checkin_date', op: '>=', value: '2024-01-01', type: 'unknown' }, { column: 'checkin_date', op: '<', value: '2024-04-01', type: 'unknown' }]]],
  },
  {
    name: 'hotels never booked (NOT EXISTS)',
    sql: 'select h.hotel_id, h.name from lake.hotels h where not exists (select 1 from lake.bookings b where b.hotel_id = h.hotel_id)',
    tables: [['hotels', 'hotel_id name'], ['bookings', 'hotel_id']],
  },
  {
    name: 'clicked hotels vs booked hotels (IN subquery)',
    sql: "select count(distinct clicked_hotel_id) from lake.searches where clicked_hotel_id in (select hotel_id from lake.hotels where country = 'France') and clicked_hotel_id is not null",
    tables: [['searches', 'clicked_hotel_id', [{ column: 'clicked_hotel_id', op: 'is not null' }]], ['hotels', 'country hotel_id', [{ column: 'country', op: '=', value: 'France', type: 'unknown' }]]],
  },
  {
    name: 'running revenue (window)',
    sql: "select booking_month, revenue, sum(revenue) over (order by booking_month rows between unbounded preceding and current row) as running from (select booking_month, sum(price_usd) as revenue from lake.bookings group by booking_month) m order by 1",
    tables: [['bookings', 'booking_month price_usd']],
  },
  {
    name: 'average stay by star rating, parameters bound',
    sql: 'select h.star_rating, avg(b.nights) from lake.bookings b join lake.hotels h on h.hotel_id = b.hotel_id where b.checkin_date between $1 and $2 and h.country = $3 group by 1',
    tables: [['bookings', 'checkin_date hotel_id nights', [{ column: 'checkin_date', op: 'between', low: '2024-07-01', high: '2024-08-31', type: 'unknown' }]], ['hotels', 'country hotel_id star_rating', [{ column: 'country', op: '=', value: 'Spain', type: 'unknown' }]]],
  },
  {
    name: 'searches vs bookings per city (UNION ALL)',
    sql: "select city, kind, count(*) from (select destination_city as city, 'search' as kind from lake.searches union all select h.city, 'booking' from lake.bookings b join lake.hotels h using (hotel_id)) x group by 1, 2",
    tables: [['searches', 'destination_city'], ['bookings', 'hotel_id'], ['hotels', 'city hotel_id']],
  },
  {
    name: 'lead time buckets',
    sql: "select case when checkin_date - booked_at::date < 7 then 'last minute' else 'planned' end as bucket, count(*) from lake.bookings where booking_month >= '2024-01' group by 1",
    tables: [['bookings', 'booked_at booking_month checkin_date', [{ column: 'booking_month', op: '>=', value: '2024-01', type: 'unknown' }]]],
  },
];

for (const w of WORKLOAD) {
  test(`demo workload: ${w.name}`, () => {
    const a = analyzeQuery(w.sql, { searchPath: ['public'], catalog: TEST_CATALOG, params: ['2024-07-01', '2024-08-31', 'Spain'] });
    assert.equal(a.exact, true, a.notes.join('; '));
    assert.deepEqual(
      a.tables.map((t) => [t.schema, t.name, t.columns.join(' '), t.predicates]),
      w.tables.map(([n, c, p]) => ['lake', n, c, p ?? []]),
    );
  });
}

test('demo workload: at least 15 queries, all exact', () => {
  assert.ok(WORKLOAD.length >= 15);
  void d;
});
