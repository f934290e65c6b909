/**
 * analyzeQuery: the rules, one table-driven case each, and the token-level fallback on the same cases
 * (it must never miss a table).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeQuery, type AnalyzeOptions, type Predicate } from '../../../src/parser/index.ts';
import { findRelationTokens } from '../../../src/parser/analysis/fallback.ts';
import { lex } from '../../../src/parser/lexer.ts';
import { catalogOf } from '../../fixtures/tpch/schema.ts';

const catalog = catalogOf({
  public: { t: ['a', 'b', 'c', 'd'], u: ['a', 'x', 'y'], Mixed: ['Id', 'name'], orders: ['id', 'total', 'day'] },
  s2: { t: ['a', 'z'], v: ['k', 'w'] },
  pg_catalog: { pg_class: ['oid', 'relname', 'relnamespace'] },
});
const OPTS: AnalyzeOptions = { searchPath: ['public', 's2'], catalog };

/** Days since 1970 of an ISO date; microseconds since 1970 of a timestamp. */
const d = (iso: string): number => Date.parse(iso + 'T00:00:00Z') / 86_400_000;
const ts = (s: string): bigint => BigInt(Date.parse(s.replace(' ', 'T') + 'Z')) * 1000n;

interface Case {
  name: string;
  sql: string;
  /** [schema.table, 'sorted columns', predicates] per reference in text order. */
  tables: Array<[string, string, Predicate[]?]>;
  exact?: boolean;
  ctes?: string[];
  unknown?: string[];
  catalog?: string[];
  opts?: Partial<AnalyzeOptions>;
}

const CASES: Case[] = [
  // Select lists, stars, aliases
  { name: 'plain columns', sql: 'select a, b from t', tables: [['public.t', 'a b']] },
  { name: 'select *', sql: 'select * from t', tables: [['public.t', 'a b c d']] },
  { name: 't.* expands one table', sql: 'select u.*, t.a from t, u', tables: [['public.t', 'a'], ['public.u', 'a x y']] },
  { name: 'count(*) needs no column', sql: 'select count(*) from t', tables: [['public.t', '']] },
  { name: 'count(*) with a filter column', sql: 'select count(*) from t where b > 1', tables: [['public.t', 'b', [{ column: 'b', op: '>', value: 1, type: 'int4' }]]] },
  { name: 'column alias is not a column', sql: 'select a as x, b + 1 as y from t order by x, y', tables: [['public.t', 'a b']] },
  { name: 'order by an input column not in the list', sql: 'select a as b from t order by b, c', tables: [['public.t', 'a c']] },
  { name: 'table alias', sql: 'select q.a from t as q where q.c = 1', tables: [['public.t', 'a c', [{ column: 'c', op: '=', value: 1, type: 'int4' }]]] },
  { name: 'AS t(x, y) renames columns', sql: 'select x, d from t as q(x, y) where y = 2', tables: [['public.t', 'a b d', [{ column: 'b', op: '=', value: 2, type: 'int4' }]]] },
  { name: 'function arguments', sql: "select date_trunc('month', d), coalesce(a, b) from t", tables: [['public.t', 'a b d']] },
  { name: 'window clauses', sql: 'select row_number() over (partition by a order by b), sum(c) over w from t window w as (partition by d)', tables: [['public.t', 'a b c d']] },
  { name: 'FILTER (WHERE …)', sql: 'select count(*) filter (where c > 1) from t', tables: [['public.t', 'c']] },
  { name: 'GROUP BY ordinals and HAVING', sql: 'select a, sum(b) from t group by 1 having max(c) > 0 order by 2', tables: [['public.t', 'a b c']] },
  { name: 'GROUP BY an output alias', sql: 'select a + 1 as k, count(*) from t group by k', tables: [['public.t', 'a']] },
  { name: 'DISTINCT ON', sql: 'select distinct on (a) b from t order by a, c', tables: [['public.t', 'a b c']] },
  // Resolution
  { name: 'unqualified column belongs to the one table that has it', sql: 'select x, b from t, u', tables: [['public.t', 'b'], ['public.u', 'x']] },
  { name: 'ambiguous column goes to no table', sql: 'select a from t, u', tables: [['public.t', ''], ['public.u', '']], exact: false },
  { name: 'qualified column of a shared name', sql: 'select t.a, u.a from t join u on t.a = u.a', tables: [['public.t', 'a'], ['public.u', 'a']] },
  { name: 'schema-qualified table and column', sql: 'select s2.t.z from s2.t', tables: [['s2.t', 'z']] },
  { name: 'search_path: first schema that has it', sql: 'select * from t, v', tables: [['public.t', 'a b c d'], ['s2.v', 'k w']] },
  { name: 'quoted identifiers are case-sensitive', sql: 'select "Id" from "Mixed"', tables: [['public.Mixed', 'Id']] },
  { name: 'unquoted identifiers fold to lower case', sql: 'SELECT A, B FROM T WHERE C = 1', tables: [['public.t', 'a b c', [{ column: 'c', op: '=', value: 1, type: 'int4' }]]] },
  { name: 'unquoted Mixed does not find "Mixed"', sql: 'select * from Mixed', tables: [], exact: false, unknown: ['mixed'] },
  { name: 'unknown table', sql: 'select a from nope join t on true', tables: [['public.t', '']], exact: false, unknown: ['nope'] },
  { name: 'pg_catalog is a catalog reference', sql: 'select relname from pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace', tables: [], catalog: ['pg_catalog.pg_class', 'pg_catalog.pg_namespace'], exact: true },
  { name: 'information_schema is a catalog reference', sql: 'select table_name from information_schema.tables', tables: [], catalog: ['information_schema.tables'] },
  // Joins
  { name: 'USING merges the column', sql: 'select a, x, b from t join u using (a)', tables: [['public.t', 'a b'], ['public.u', 'a x']] },
  { name: 'NATURAL join on the common columns', sql: 'select * from t natural join u', tables: [['public.t', 'a b c d'], ['public.u', 'a x y']] },
  { name: 'NATURAL LEFT JOIN with alias', sql: 'select count(*) from t natural left join u as uu', tables: [['public.t', 'a'], ['public.u', 'a']] },
  { name: 'self join gives two references', sql: 'select l.b, r.c from t l join t r on l.a = r.a where r.d = 3', tables: [['public.t', 'a b'], ['public.t', 'a c d', [{ column: 'd', op: '=', value: 3, type: 'int4' }]]] },
  { name: 'inner join ON conjuncts are predicates', sql: 'select t.b from t join u on t.a = u.a and u.x = 5', tables: [['public.t', 'a b'], ['public.u', 'a x', [{ column: 'x', op: '=', value: 5, type: 'int4' }]]] },
  { name: 'LEFT JOIN ON: only the nullable side', sql: 'select t.b from t left join u on t.a = u.a and u.x = 5 and t.c = 1', tables: [['public.t', 'a b c'], ['public.u', 'a x', [{ column: 'x', op: '=', value: 5, type: 'int4' }]]] },
  { name: 'RIGHT JOIN ON: only the nullable side', sql: 'select 1 from t right join u on t.a = u.a and u.x = 5 and t.c = 1', tables: [['public.t', 'a c', [{ column: 'c', op: '=', value: 1, type: 'int4' }]], ['public.u', 'a x']] },
  { name: 'FULL JOIN ON: no side', sql: 'select 1 from t full join u on t.a = u.a and u.x = 5 and t.c = 1', tables: [['public.t', 'a c'], ['public.u', 'a x']] },
  { name: 'WHERE IS NULL on the nullable side is not a predicate', sql: 'select 1 from t left join u on t.a = u.a where u.y is null and u.x = 2 and t.b is null', tables: [['public.t', 'a b', [{ column: 'b', op: 'is null' }]], ['public.u', 'a x y', [{ column: 'x', op: '=', value: 2, type: 'int4' }]]] },
  { name: 'parenthesised join', sql: 'select t.b from (t join u on t.a = u.a) join s2.v on v.k = u.x', tables: [['public.t', 'a b'], ['public.u', 'a x'], ['s2.v', 'k']] },
  { name: 'LATERAL subquery sees the items on its left', sql: 'select s.m from t, lateral (select max(u.x) as m from u where u.a = t.a) s', tables: [['public.t', 'a'], ['public.u', 'a x']] },
  { name: 'function in FROM', sql: 'select g, t.a from t, generate_series(1, t.b) g', tables: [['public.t', 'a b']] },
  // Subqueries
  { name: 'derived table: only the outer demand', sql: 'select sum(b) from (select * from t) q', tables: [['public.t', 'b']] },
  { name: 'derived table: predicate pushed down', sql: "select sum(b) from (select * from t) q where q.c = 7 and q.d in ('x', 'y')", tables: [['public.t', 'b c d', [{ column: 'c', op: '=', value: 7, type: 'int4' }, { column: 'd', op: 'in', values: ['x', 'y'], type: 'unknown' }]]] },
  { name: 'derived table with LIMIT: no pushdown', sql: 'select b from (select * from t limit 5) q where q.c = 7', tables: [['public.t', 'b c']] },
  { name: 'derived table with GROUP BY: only group keys pushed', sql: 'select * from (select a, sum(b) as s from t group by a) q where a = 1 and s > 10', tables: [['public.t', 'a b', [{ column: 'a', op: '=', value: 1, type: 'int4' }]]] },
  { name: 'DISTINCT derived table needs all its outputs', sql: 'select count(*) from (select distinct a, b from t) q', tables: [['public.t', 'a b']] },
  { name: 'IN subquery', sql: 'select a from t where b in (select x from u where y = 1)', tables: [['public.t', 'a b'], ['public.u', 'x y', [{ column: 'y', op: '=', value: 1, type: 'int4' }]]] },
  { name: 'EXISTS needs no output column', sql: 'select a from t where exists (select * from u where u.a = t.a)', tables: [['public.t', 'a'], ['public.u', 'a']] },
  { name: 'NOT EXISTS', sql: 'select a from t where not exists (select * from u where u.a = t.b)', tables: [['public.t', 'a b'], ['public.u', 'a']] },
  { name: 'scalar subquery in the select list', sql: 'select a, (select max(x) from u where u.a = t.a) from t', tables: [['public.u', 'a x'], ['public.t', 'a']] },
  { name: 'correlated reference adds to the outer table', sql: 'select 1 from t where b > (select avg(x) from u where u.y = t.d)', tables: [['public.t', 'b d'], ['public.u', 'x y']] },
  { name: 'a subquery filter on an outer column is not an outer predicate', sql: 'select (select count(*) from u where t.c = 1) from t', tables: [['public.u', ''], ['public.t', 'c']] },
  // CTEs
  { name: 'CTE', sql: 'with q as (select a, b from t where c = 1) select b from q', tables: [['public.t', 'b c', [{ column: 'c', op: '=', value: 1, type: 'int4' }]]], ctes: ['q'] },
  { name: 'CTE name shadows a real table', sql: 'with u as (select a as x from t) select x from u', tables: [['public.t', 'a']], ctes: ['u'] },
  { name: 'CTE body reads the real table it shadows', sql: 'with t as (select * from t where a = 1) select b from t', tables: [['public.t', 'a b', [{ column: 'a', op: '=', value: 1, type: 'int4' }]]], ctes: ['t'] },
  { name: 'nested CTEs', sql: 'with a1 as (select a, b from t), a2 as (select b from a1 where a > 0) select * from (with a3 as (select b from a2) select b from a3) z', tables: [['public.t', 'a b', [{ column: 'a', op: '>', value: 0, type: 'int4' }]]], ctes: ['a1', 'a2', 'a3'] },
  { name: 'recursive CTE', sql: 'with recursive r(n, k) as (select a, b from t union all select n + 1, k from r where n < 10) select n from r', tables: [['public.t', 'a b']], ctes: ['r'] },
  { name: 'CTE with column list, referenced twice', sql: 'with q(k, v) as (select a, b from t) select q1.k from q q1 join q q2 on q1.k = q2.v', tables: [['public.t', 'a b']], ctes: ['q'] },
  { name: 'MATERIALIZED CTE', sql: 'with q as materialized (select a from t) select a from q', tables: [['public.t', 'a']], ctes: ['q'] },
  // Set operations, VALUES
  { name: 'UNION ALL passes the demand', sql: 'select count(*) from (select a, b from t union all select a, x from u) q', tables: [['public.t', ''], ['public.u', '']] },
  { name: 'UNION needs every output', sql: 'select a, b from t union select a, x from u order by 1', tables: [['public.t', 'a b'], ['public.u', 'a x']] },
  { name: 'INTERSECT / EXCEPT', sql: 'select a from t intersect select a from u except select k from s2.v', tables: [['public.t', 'a'], ['public.u', 'a'], ['s2.v', 'k']] },
  { name: 'VALUES list in FROM', sql: 'select t.b, v.n from t join (values (1, 2), (3, 4)) as v(k, n) on v.k = t.a', tables: [['public.t', 'a b']] },
  // Predicates
  { name: 'flipped comparison', sql: 'select 1 from t where 5 < a and 6 >= b', tables: [['public.t', 'a b', [{ column: 'a', op: '>', value: 5, type: 'int4' }, { column: 'b', op: '<=', value: 6, type: 'int4' }]]] },
  { name: 'BETWEEN, IN, IS [NOT] NULL, <>', sql: 'select 1 from t where a between 1 and 10 and b in (1, 2, 3) and c is not null and d is null and a <> 4 and b != 9', tables: [['public.t', 'a b c d', [
    { column: 'a', op: 'between', low: 1, high: 10, type: 'int4' }, { column: 'b', op: 'in', values: [1, 2, 3], type: 'int4' }, { column: 'c', op: 'is not null' }, { column: 'd', op: 'is null' },
    { column: 'a', op: '<>', value: 4, type: 'int4' }, { column: 'b', op: '<>', value: 9, type: 'int4' }]]] },
  { name: 'nothing under OR or NOT', sql: 'select 1 from t where (a = 1 or b = 2) and not (c = 3) and d not in (1)', tables: [['public.t', 'a b c d']] },
  { name: 'nothing on a function of the column', sql: "select 1 from t where lower(b) = 'x' and a + 1 = 2 and c::text = '1'", tables: [['public.t', 'a b c']] },
  { name: 'column = column is not a predicate', sql: 'select 1 from t where a = b', tables: [['public.t', 'a b']] },
  { name: 'typed literals and casts', sql: "select 1 from t where a = date '2024-01-31' and b > '2024-01-01'::date and c < cast('2024-02-01 10:00' as timestamp) and d = '7'", tables: [['public.t', 'a b c d', [
    { column: 'a', op: '=', value: d('2024-01-31'), type: 'date' }, { column: 'b', op: '>', value: d('2024-01-01'), type: 'date' },
    { column: 'c', op: '<', value: ts('2024-02-01 10:00:00'), type: 'timestamp' }, { column: 'd', op: '=', value: '7', type: 'unknown' }]]] },
  { name: 'date arithmetic folds exactly', sql: "select 1 from t where a >= date '2024-01-31' + interval '1' month and b < date '2024-03-01' - 1", tables: [['public.t', 'a b', [
    { column: 'a', op: '>=', value: ts('2024-02-29 00:00:00'), type: 'timestamp' }, { column: 'b', op: '<', value: d('2024-02-29'), type: 'date' }]]] },
  { name: 'numeric literals', sql: 'select 1 from t where a = 1.50 and b = -3 and c = 12345678901 and d = 1.5e3', tables: [['public.t', 'a b c d', [
    { column: 'a', op: '=', value: '1.50', type: 'numeric' }, { column: 'b', op: '=', value: -3, type: 'int4' }, { column: 'c', op: '=', value: 12345678901n, type: 'int8' }, { column: 'd', op: '=', value: '1500', type: 'numeric' }]]] },
  { name: 'string forms: E, dollar, U&', sql: "select 1 from t where a = E'x\\ty' and b = $$q'q$$ and c = U&'d\\0061t'", tables: [['public.t', 'a b c', [
    { column: 'a', op: '=', value: 'x\ty', type: 'unknown' }, { column: 'b', op: '=', value: "q'q", type: 'unknown' }, { column: 'c', op: '=', value: 'dat', type: 'unknown' }]]] },
  { name: 'bound parameters', sql: 'select 1 from t where a = $1 and b < $2::date and c = $3', opts: { params: [7, '2024-05-01'] }, tables: [['public.t', 'a b c', [
    { column: 'a', op: '=', value: 7, type: 'unknown' }, { column: 'b', op: '<', value: d('2024-05-01'), type: 'date' }]]] },
  { name: '= NULL is not a predicate', sql: 'select 1 from t where a = null', tables: [['public.t', 'a']] },
  { name: 'COLLATE drops every predicate', sql: 'select 1 from t where b = \'x\' collate "C" and a = 1', tables: [['public.t', 'a b']] },
  // Parser gaps handled by rewrites
  { name: 'substring(x from a for b)', sql: "select substring(b from 1 for 2) from t where a = 1", tables: [['public.t', 'a b', [{ column: 'a', op: '=', value: 1, type: 'int4' }]]] },
  { name: 'position(a in b), overlay', sql: "select position('x' in b), overlay(c placing 'y' from 2 for 1) from t", tables: [['public.t', 'b c']] },
  { name: 'extract, interval, numeric typmod, trim', sql: "select extract(year from d), d + interval '1 day', a::numeric(10,2), trim(both 'x' from b) from t", tables: [['public.t', 'a b d']] },
  { name: 'FETCH FIRST, OFFSET ROWS', sql: 'select a from t order by b offset 5 rows fetch first 10 rows only', tables: [['public.t', 'a b']] },
  { name: 'IS DISTINCT FROM, ILIKE, regex', sql: "select a from t where b is distinct from c and d ilike 'x%' and a ~ 'y'", tables: [['public.t', 'a b c d']] },
  { name: 'ISNULL / NOTNULL', sql: 'select a from t where b isnull and c notnull', tables: [['public.t', 'a b c', [{ column: 'b', op: 'is null' }, { column: 'c', op: 'is not null' }]]] },
  { name: 'window frames, NULLS FIRST', sql: 'select sum(a) over (order by b nulls first rows between unbounded preceding and current row) from t', tables: [['public.t', 'a b']] },
  { name: 'GROUPING SETS, ROLLUP, CUBE', sql: 'select a, b, count(*) from t group by grouping sets ((a), (b)), rollup (c), cube (d)', tables: [['public.t', 'a b c d']] },
  { name: 'array literals', sql: "select array[a, b], '{1,2}'::int[] from t where c = any(array[1, 2])", tables: [['public.t', 'a b c']] },
  { name: 'TABLESAMPLE', sql: 'select a from t tablesample system (10)', tables: [['public.t', 'a']] },
  { name: 'TABLE t', sql: 'table t', tables: [['public.t', 'a b c d']] },
  { name: 'timestamp with time zone literal', sql: "select a from t where b > timestamp with time zone '2024-01-01 00:00:00+00'", tables: [['public.t', 'a b', [{ column: 'b', op: '>', value: ts('2024-01-01 00:00:00'), type: 'timestamptz' }]]] },
  // Not parsed: the fallback answers
  { name: 'fallback: unparseable statement keeps every table', sql: "select a from t, lateral unnest(array[1]) with ordinality as x(v, n) where exists (select 1 from u)", tables: [['public.t', 'a b c d'], ['public.u', 'a x y']], exact: false },
  { name: 'fallback: CTE names excluded, shadowed real table kept', sql: "with t as (select * from t where a = 1 for update) select interval '1' day to second, * from t, s2.v", tables: [['public.t', 'a b c d'], ['s2.v', 'k w']], exact: false, ctes: ['t'] },
];

function run(c: Case) {
  return analyzeQuery(c.sql, { ...OPTS, ...c.opts });
}

for (const c of CASES) {
  test(`analyze: ${c.name}`, () => {
    const a = run(c);
    assert.equal(a.exact, c.exact ?? true, `exact (${a.notes.join('; ')})`);
    const got = a.tables.map((t) => [`${t.schema}.${t.name}`, t.columns.join(' '), t.predicates]);
    const want = c.tables.map(([n, cols, preds]) => [n, cols, preds ?? []]);
    if (a.exact) assert.deepEqual(got, want);
    else assert.deepEqual(got.map((g) => g[0]), want.map((w) => w[0]));
    if (c.ctes) assert.deepEqual(a.ctes, c.ctes);
    assert.deepEqual(a.unknownTables.map((u) => (u.schema ? `${u.schema}.` : '') + u.name), c.unknown ?? []);
    assert.deepEqual(a.catalog.map((r) => `${r.schema}.${r.name}`), c.catalog ?? []);
  });
}

test('fallback: the token scan finds every table of every case', () => {
  for (const c of CASES) {
    const { refs } = findRelationTokens(lex(c.sql));
    const names = refs.map((r) => r.name);
    const expected = [...c.tables.map(([n]) => n.split('.')[1]!), ...(c.unknown ?? []), ...(c.catalog ?? []).map((n) => n.split('.')[1]!)];
    assert.deepEqual([...names].sort(), [...expected].sort(), c.name);
  }
});

test('positions are 1-based character positions of each reference', () => {
  const a = analyzeQuery('select 1 from t x join nope on true, pg_class', OPTS);
  assert.deepEqual(a.tables.map((t) => t.position), [15]);
  assert.deepEqual(a.unknownTables, [{ name: 'nope', position: 24 }]);
  assert.deepEqual(a.catalog, [{ schema: 'pg_catalog', name: 'pg_class', position: 38 }]);
});

test('several statements are concatenated', () => {
  const a = analyzeQuery('select a from t; select x from u;', OPTS);
  assert.deepEqual(a.tables.map((t) => `${t.name}:${t.columns.join(',')}`), ['t:a', 'u:x']);
});

test('a lexer error is thrown, not hidden', () => {
  assert.throws(() => analyzeQuery("select 'unterminated", OPTS), /unterminated quoted string/);
});
