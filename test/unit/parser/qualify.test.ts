/**
 * qualifyTables: tables the search path resolved are written with their schema for the engine, which has
 * no search path of the session's; everything else in the text stays as the client wrote it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeQuery, qualifyTables, type AnalyzeOptions } from '../../../src/parser/index.ts';
import { catalogOf } from '../../fixtures/tpch/schema.ts';

const catalog = catalogOf({
  lake: { bookings: ['id', 'hotel_id', 'price'], hotels: ['hotel_id', 'name'], Mixed: ['Id'] },
  other: { hotels: ['hotel_id', 'city'] },
});
const OPTS: AnalyzeOptions = { searchPath: ['lake', 'other'], catalog };
const qualified = (sql: string, opts = OPTS): string => qualifyTables(sql, analyzeQuery(sql, opts).tables);

const cases: Array<[string, string, string]> = [
  ['a bare table', 'SELECT count(*) FROM bookings', 'SELECT count(*) FROM lake.bookings'],
  ['qualified references untouched', 'SELECT count(*) FROM other.hotels h JOIN bookings b USING (hotel_id)', 'SELECT count(*) FROM other.hotels h JOIN lake.bookings b USING (hotel_id)'],
  ['the first schema on the path that has the table', 'SELECT name FROM hotels', 'SELECT name FROM lake.hotels'],
  ['columns qualified by the table name still name it', 'SELECT bookings.price FROM bookings WHERE bookings.id > 3', 'SELECT bookings.price FROM lake.bookings WHERE bookings.id > 3'],
  ['a self-join: both references', 'SELECT 1 FROM bookings a, bookings b', 'SELECT 1 FROM lake.bookings a, lake.bookings b'],
  ['subqueries', 'SELECT * FROM hotels WHERE hotel_id IN (SELECT hotel_id FROM bookings)', 'SELECT * FROM lake.hotels WHERE hotel_id IN (SELECT hotel_id FROM lake.bookings)'],
  ['a CTE of a table name is not a table', 'WITH bookings AS (SELECT 1 AS id) SELECT id FROM bookings', 'WITH bookings AS (SELECT 1 AS id) SELECT id FROM bookings'],
  ['a quoted name keeps its case', 'SELECT "Id" FROM "Mixed"', 'SELECT "Id" FROM lake."Mixed"'],
  ['offsets after non-ASCII text and a comment', "/* é */ SELECT 'ü€' AS x, count(*) FROM bookings", "/* é */ SELECT 'ü€' AS x, count(*) FROM lake.bookings"],
  ['the token scan (nested too deep for the parser) qualifies too', 'SELECT ((((((((((1)))))))))) FROM bookings', 'SELECT ((((((((((1)))))))))) FROM lake.bookings'],
];

for (const [name, sql, expected] of cases) test(`qualifyTables: ${name}`, () => assert.equal(qualified(sql), expected));

test('qualifyTables: nothing unqualified gives the very same text', () => {
  const sql = 'SELECT count(*) FROM lake.bookings';
  assert.equal(qualified(sql), sql);
});

test('qualifyTables: another search path, another schema', () => {
  assert.equal(qualified('SELECT city FROM hotels', { ...OPTS, searchPath: ['other', 'lake'] }), 'SELECT city FROM other.hotels');
});
