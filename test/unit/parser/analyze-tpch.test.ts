/**
 * The 22 TPC-H queries: exact tables, columns per reference and pruning predicates. Expectations written
 * from the queries (test/fixtures/tpch/queries): a predicate is a top-level conjunct of a WHERE comparing
 * one column with a constant; `date '…' + interval '…'` folds to a timestamp (PostgreSQL's type for
 * date + interval), `0.06 - 0.01` to numeric '0.05'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeQuery, type Predicate } from '../../../src/parser/index.ts';
import { TEST_CATALOG, tpchQueries } from '../../fixtures/tpch/schema.ts';

/** Days since 1970-01-01 of an ISO date (a date PgValue). */
const d = (iso: string): number => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86_400_000;
/** Microseconds since 1970 of 'YYYY-MM-DD HH:MM:SS' (a timestamp PgValue). */
const ts = (s: string): bigint => BigInt(Date.parse(s.replace(' ', 'T') + 'Z')) * 1000n;

type Expected = Array<[string, string, Predicate[]?]>;

const EXPECTED: Record<string, Expected> = {
  q01: [
    ['lineitem', 'l_discount l_extendedprice l_linestatus l_quantity l_returnflag l_shipdate l_tax', [{ column: 'l_shipdate', op: '<=', value: ts('1998-09-02 00:00:00'), type: 'timestamp' }]],
  ],
  q02: [
    ['part', 'p_mfgr p_partkey p_size p_type', [{ column: 'p_size', op: '=', value: 15, type: 'int4' }]],
    ['supplier', 's_acctbal s_address s_comment s_name s_nationkey s_phone s_suppkey'],
    ['partsupp', 'ps_partkey ps_suppkey ps_supplycost'],
    ['nation', 'n_name n_nationkey n_regionkey'],
    ['region', 'r_name r_regionkey', [{ column: 'r_name', op: '=', value: 'EUROPE', type: 'unknown' }]],
    ['partsupp', 'ps_partkey ps_suppkey ps_supplycost'],
    ['supplier', 's_nationkey s_suppkey'],
    ['nation', 'n_nationkey n_regionkey'],
    ['region', 'r_name r_regionkey', [{ column: 'r_name', op: '=', value: 'EUROPE', type: 'unknown' }]],
  ],
  q03: [
    ['customer', 'c_custkey c_mktsegment', [{ column: 'c_mktsegment', op: '=', value: 'BUILDING', type: 'unknown' }]],
    ['orders', 'o_custkey o_orderdate o_orderkey o_shippriority', [{ column: 'o_orderdate', op: '<', value: d('1995-03-15'), type: 'date' }]],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_shipdate', [{ column: 'l_shipdate', op: '>', value: d('1995-03-15'), type: 'date' }]],
  ],
  q04: [
    ['orders', 'o_orderdate o_orderkey o_orderpriority', [{ column: 'o_orderdate', op: '>=', value: d('1993-07-01'), type: 'date' }, { column: 'o_orderdate', op: '<', value: ts('1993-10-01 00:00:00'), type: 'timestamp' }]],
    ['lineitem', 'l_commitdate l_orderkey l_receiptdate'],
  ],
  q05: [
    ['customer', 'c_custkey c_nationkey'],
    ['orders', 'o_custkey o_orderdate o_orderkey', [{ column: 'o_orderdate', op: '>=', value: d('1994-01-01'), type: 'date' }, { column: 'o_orderdate', op: '<', value: ts('1995-01-01 00:00:00'), type: 'timestamp' }]],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_suppkey'],
    ['supplier', 's_nationkey s_suppkey'],
    ['nation', 'n_name n_nationkey n_regionkey'],
    ['region', 'r_name r_regionkey', [{ column: 'r_name', op: '=', value: 'ASIA', type: 'unknown' }]],
  ],
  q06: [
    ['lineitem', 'l_discount l_extendedprice l_quantity l_shipdate', [{ column: 'l_shipdate', op: '>=', value: d('1994-01-01'), type: 'date' }, { column: 'l_shipdate', op: '<', value: ts('1995-01-01 00:00:00'), type: 'timestamp' }, { column: 'l_discount', op: 'between', low: '0.05', high: '0.07', type: 'numeric' }, { column: 'l_quantity', op: '<', value: 24, type: 'int4' }]],
  ],
  q07: [
    ['supplier', 's_nationkey s_suppkey'],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_shipdate l_suppkey', [{ column: 'l_shipdate', op: 'between', low: d('1995-01-01'), high: d('1996-12-31'), type: 'date' }]],
    ['orders', 'o_custkey o_orderkey'],
    ['customer', 'c_custkey c_nationkey'],
    ['nation', 'n_name n_nationkey'],
    ['nation', 'n_name n_nationkey'],
  ],
  q08: [
    ['part', 'p_partkey p_type', [{ column: 'p_type', op: '=', value: 'ECONOMY ANODIZED STEEL', type: 'unknown' }]],
    ['supplier', 's_nationkey s_suppkey'],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_partkey l_suppkey'],
    ['orders', 'o_custkey o_orderdate o_orderkey', [{ column: 'o_orderdate', op: 'between', low: d('1995-01-01'), high: d('1996-12-31'), type: 'date' }]],
    ['customer', 'c_custkey c_nationkey'],
    ['nation', 'n_nationkey n_regionkey'],
    ['nation', 'n_name n_nationkey'],
    ['region', 'r_name r_regionkey', [{ column: 'r_name', op: '=', value: 'AMERICA', type: 'unknown' }]],
  ],
  q09: [
    ['part', 'p_name p_partkey'],
    ['supplier', 's_nationkey s_suppkey'],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_partkey l_quantity l_suppkey'],
    ['partsupp', 'ps_partkey ps_suppkey ps_supplycost'],
    ['orders', 'o_orderdate o_orderkey'],
    ['nation', 'n_name n_nationkey'],
  ],
  q10: [
    ['customer', 'c_acctbal c_address c_comment c_custkey c_name c_nationkey c_phone'],
    ['orders', 'o_custkey o_orderdate o_orderkey', [{ column: 'o_orderdate', op: '>=', value: d('1993-10-01'), type: 'date' }, { column: 'o_orderdate', op: '<', value: ts('1994-01-01 00:00:00'), type: 'timestamp' }]],
    ['lineitem', 'l_discount l_extendedprice l_orderkey l_returnflag', [{ column: 'l_returnflag', op: '=', value: 'R', type: 'unknown' }]],
    ['nation', 'n_name n_nationkey'],
  ],
  q11: [
    ['partsupp', 'ps_availqty ps_partkey ps_suppkey ps_supplycost'],
    ['supplier', 's_nationkey s_suppkey'],
    ['nation', 'n_name n_nationkey', [{ column: 'n_name', op: '=', value: 'GERMANY', type: 'unknown' }]],
    ['partsupp', 'ps_availqty ps_suppkey ps_supplycost'],
    ['supplier', 's_nationkey s_suppkey'],
    ['nation', 'n_name n_nationkey', [{ column: 'n_name', op: '=', value: 'GERMANY', type: 'unknown' }]],
  ],
  q12: [
    ['orders', 'o_orderkey o_orderpriority'],
    ['lineitem', 'l_commitdate l_orderkey l_receiptdate l_shipdate l_shipmode', [{ column: 'l_shipmode', op: 'in', values: ["MAIL", "SHIP"], type: 'unknown' }, { column: 'l_receiptdate', op: '>=', value: d('1994-01-01'), type: 'date' }, { column: 'l_receiptdate', op: '<', value: ts('1995-01-01 00:00:00'), type: 'timestamp' }]],
  ],
  q13: [
    ['customer', 'c_custkey'],
    ['orders', 'o_comment o_custkey o_orderkey'],
  ],
  q14: [
    ['lineitem', 'l_discount l_extendedprice l_partkey l_shipdate', [{ column: 'l_shipdate', op: '>=', value: d('1995-09-01'), type: 'date' }, { column: 'l_shipdate', op: '<', value: ts('1995-10-01 00:00:00'), type: 'timestamp' }]],
    ['part', 'p_partkey p_type'],
  ],
  q15: [
    ['lineitem', 'l_discount l_extendedprice l_shipdate l_suppkey', [{ column: 'l_shipdate', op: '>=', value: d('1996-01-01'), type: 'date' }, { column: 'l_shipdate', op: '<', value: ts('1996-04-01 00:00:00'), type: 'timestamp' }]],
    ['supplier', 's_address s_name s_phone s_suppkey'],
  ],
  q16: [
    ['partsupp', 'ps_partkey ps_suppkey'],
    ['part', 'p_brand p_partkey p_size p_type', [{ column: 'p_brand', op: '<>', value: 'Brand#45', type: 'unknown' }, { column: 'p_size', op: 'in', values: [49, 14, 23, 45, 19, 3, 36, 9], type: 'int4' }]],
    ['supplier', 's_comment s_suppkey'],
  ],
  q17: [
    ['lineitem', 'l_extendedprice l_partkey l_quantity'],
    ['part', 'p_brand p_container p_partkey', [{ column: 'p_brand', op: '=', value: 'Brand#23', type: 'unknown' }, { column: 'p_container', op: '=', value: 'MED BOX', type: 'unknown' }]],
    ['lineitem', 'l_partkey l_quantity'],
  ],
  q18: [
    ['customer', 'c_custkey c_name'],
    ['orders', 'o_custkey o_orderdate o_orderkey o_totalprice'],
    ['lineitem', 'l_orderkey l_quantity'],
    ['lineitem', 'l_orderkey l_quantity'],
  ],
  q19: [
    ['lineitem', 'l_discount l_extendedprice l_partkey l_quantity l_shipinstruct l_shipmode'],
    ['part', 'p_brand p_container p_partkey p_size'],
  ],
  q20: [
    ['supplier', 's_address s_name s_nationkey s_suppkey'],
    ['nation', 'n_name n_nationkey', [{ column: 'n_name', op: '=', value: 'CANADA', type: 'unknown' }]],
    ['partsupp', 'ps_availqty ps_partkey ps_suppkey'],
    ['part', 'p_name p_partkey'],
    ['lineitem', 'l_partkey l_quantity l_shipdate l_suppkey', [{ column: 'l_shipdate', op: '>=', value: d('1994-01-01'), type: 'date' }, { column: 'l_shipdate', op: '<', value: ts('1995-01-01 00:00:00'), type: 'timestamp' }]],
  ],
  q21: [
    ['supplier', 's_name s_nationkey s_suppkey'],
    ['lineitem', 'l_commitdate l_orderkey l_receiptdate l_suppkey'],
    ['orders', 'o_orderkey o_orderstatus', [{ column: 'o_orderstatus', op: '=', value: 'F', type: 'unknown' }]],
    ['nation', 'n_name n_nationkey', [{ column: 'n_name', op: '=', value: 'SAUDI ARABIA', type: 'unknown' }]],
    ['lineitem', 'l_orderkey l_suppkey'],
    ['lineitem', 'l_commitdate l_orderkey l_receiptdate l_suppkey'],
  ],
  q22: [
    ['customer', 'c_acctbal c_custkey c_phone'],
    ['customer', 'c_acctbal c_phone', [{ column: 'c_acctbal', op: '>', value: '0.00', type: 'numeric' }]],
    ['orders', 'o_custkey'],
  ],
};

for (const [name, sql] of tpchQueries()) {
  test(`TPC-H ${name}: tables, columns and predicates`, () => {
    const a = analyzeQuery(sql, { searchPath: ['public'], catalog: TEST_CATALOG });
    assert.equal(a.exact, true, a.notes.join('; '));
    assert.deepEqual(a.unknownTables, []);
    const got = a.tables.map((t) => [t.schema, t.name, t.columns.join(' '), t.predicates]);
    const want = EXPECTED[name]!.map(([table, cols, preds]) => ['tpch', table, cols, preds ?? []]);
    assert.deepEqual(got, want);
  });
}

test('TPC-H: every query is analysed exactly', () => {
  const exact = tpchQueries().filter(([, sql]) => analyzeQuery(sql, { searchPath: ['public'], catalog: TEST_CATALOG }).exact);
  assert.equal(exact.length, 22);
});

test('TPC-H through search_path: unqualified names resolve to tpch', () => {
  for (const [, sql] of tpchQueries()) {
    const a = analyzeQuery(sql.replace(/tpch\./g, ''), { searchPath: ['public', 'tpch'], catalog: TEST_CATALOG });
    const b = analyzeQuery(sql, { searchPath: ['public'], catalog: TEST_CATALOG });
    assert.deepEqual(
      a.tables.map((t) => [t.schema, t.name, t.columns, t.predicates]),
      b.tables.map((t) => [t.schema, t.name, t.columns, t.predicates]),
    );
  }
});
