import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toDuckDB } from '../../../src/planner/index.ts';
import { OID } from '../../../src/pgtypes/oids.ts';

const nz = (x: string): string => `tollgate_nonzero(${x})`;

/** [PostgreSQL-flavoured input, what DuckDB receives] — the SQL each construct becomes. */
const DIVISION: Array<[string, string]> = [
  ['select 1/0', `select 1/${nz('0')}`],
  ['select a / b * c from t', `select a / ${nz('b')} * c from t`],
  ['select a / b / c from t', `select a / ${nz('b')} / ${nz('c')} from t`],
  ['select a % 3 from t', `select a % ${nz('3')} from t`],
  ['select a / -b::int ^ 2 from t', `select a / ${nz('-b::int ^ 2')} from t`],
  ['select a / t.b.c from t', `select a / ${nz('t.b.c')} from t`],
  ['select a / (b + c) from t', `select a / ${nz('(b + c)')} from t`],
  ['select a / (b / c) from t', `select a / ${nz(`(b / ${nz('c')})`)} from t`],
  ['select sum(x) / count(*) from t', `select sum(x) / ${nz('count(*)')} from t`],
  ['select sum(x) / count(*) over (partition by y) from t', `select sum(x) / ${nz('count(*) over (partition by y)')} from t`],
  ['select sum(x) / count(*) filter (where y) from t', `select sum(x) / ${nz('count(*) filter (where y)')} from t`],
  ['select a / case when b then 1 else case when c then 2 end end from t', `select a / ${nz('case when b then 1 else case when c then 2 end end')} from t`],
  ['select a / arr[1] from t', `select a / ${nz('arr[1]')} from t`],
  ['select a / b::numeric(10,2) from t', `select a / ${nz('b::numeric(10,2)')} from t`],
  ['select price_usd / nights as per_night from lake.bookings', `select price_usd / ${nz('nights')} as per_night from lake.bookings`],
  // not divisions: strings, comments, quoted identifiers
  ["select '1/0', \"a/b\" from t -- x / y", "select '1/0', \"a/b\" from t -- x / y"],
  ['select 1 /* / */ + 2', 'select 1 /* / */ + 2'],
];

describe('DuckDB dialect: division by zero raises 22012 as in PostgreSQL', () => {
  for (const [input, expected] of DIVISION) {
    it(input, () => assert.equal(toDuckDB(input), expected));
  }
  it('leaves an operand it does not recognise alone rather than guess', () => {
    assert.equal(toDuckDB('select a / ) from t'), 'select a / ) from t');
  });
});

describe('DuckDB dialect: declared parameter types and bytea literals', () => {
  it('casts parameters to the types declared in Parse, and wraps divisors after the cast', () => {
    assert.equal(toDuckDB('select $1 / $2', [OID.int4, OID.int8]), `select CAST($1 AS INTEGER) / ${nz('CAST($2 AS BIGINT)')}`);
  });
  it('keeps an explicit cast of a declared parameter', () => {
    assert.equal(toDuckDB('select $1::text', [OID.int4]), 'select $1::text');
  });
  it('casts a numeric parameter with the scale of its value', () => {
    assert.equal(toDuckDB('select $1 * 2', [OID.numeric], ['1.20']), 'select CAST($1 AS DECIMAL(38, 2)) * 2');
    assert.equal(toDuckDB('select $1 * 2', [OID.numeric], ['NaN']), 'select CAST($1 AS DOUBLE) * 2');
  });
  it("translates PostgreSQL's hex bytea literals", () => {
    assert.equal(toDuckDB("select '\\xdeadbeef'::bytea"), "select '\\xDE\\xAD\\xBE\\xEF'::bytea");
    assert.equal(toDuckDB("select bytea '\\x00ff'"), "select bytea '\\x00\\xFF'");
    assert.equal(toDuckDB("select 'abc'::bytea"), "select 'abc'::bytea");
  });
});
