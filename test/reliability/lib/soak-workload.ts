/**
 * The soak's statement mix: each op says which SQLSTATEs are expected (none: it must succeed). Catalog
 * statements are what psql sends for \dt and \d (psql 15, -E).
 */
import type { Rand } from './mode.ts';

export interface Op {
  name: string;
  user: 'alice' | 'bob';
  sql: string;
  /** SQLSTATEs that are the expected refusal for this op. */
  expect: readonly string[];
}

const CATALOG = [
  `SELECT n.nspname as "Schema", c.relname as "Name",
     CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' END as "Type",
     pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
   FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r','p','v','m','f','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'
   ORDER BY 1,2`,
  `SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relname OPERATOR(pg_catalog.~) '^(hotels)$' COLLATE pg_catalog.default AND n.nspname OPERATOR(pg_catalog.~) '^(lake)$' COLLATE pg_catalog.default
   ORDER BY 2, 3`,
  `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
     (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
     a.attnotnull
   FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'lake.hotels'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'lake' ORDER BY table_name, ordinal_position`,
];

/** A random op; `seq` makes "uncached" statements distinct (a literal that varies). */
export function pickOp(r: Rand, seq: number): Op {
  const k = r.next();
  if (k < 0.25) return { name: 'cached', user: 'alice', sql: r.pick(['SELECT count(*) FROM lake.hotels', 'SELECT city, count(*) FROM lake.hotels GROUP BY city ORDER BY 2 DESC LIMIT 5']), expect: [] };
  if (k < 0.5) return { name: 'uncached', user: 'alice', sql: `SELECT count(*) AS n, ${seq} AS v FROM lake.bookings WHERE nights > ${seq % 9} AND hotel_id > ${seq % 50}`, expect: [] };
  if (k < 0.75) return { name: 'catalog', user: r.chance(0.5) ? 'alice' : 'bob', sql: r.pick(CATALOG), expect: [] };
  if (k < 0.85) return { name: 'write', user: 'alice', sql: r.pick([`INSERT INTO lake.hotels (hotel_id) VALUES (${seq})`, `DELETE FROM lake.bookings WHERE booking_id = ${seq}`, 'CREATE TABLE lake.x (a int)']), expect: ['0A000'] };
  // bob's team has a tiny budget: its billed queries are refused (a cache hit of alice's result costs nothing and may pass).
  return { name: 'over-budget', user: 'bob', sql: `SELECT count(*) AS n, ${seq} AS v FROM lake.bookings WHERE rooms > ${seq % 3}`, expect: ['53400'] };
}
