import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedTables, type ServedTable } from '../../../src/catalog/served-tables.ts';
import { analyzeQuery } from '../../../src/parser/index.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import { chooseRoute, type Route } from '../../../src/planner/routing.ts';
import { planFederation } from '../../../src/planner/federation.ts';

const col = (name: string, typeOid: number) => ({ name, typeOid, typeModifier: -1 });
const tables: ServedTable[] = [
  { engine: 'lake', schema: 'lake', name: 'bookings', columns: [col('booking_id', OID.int8), col('customer_id', OID.int4), col('price', OID.float8), col('booking_month', OID.text)] },
  { engine: 'crm', schema: 'crm', name: 'customers', columns: [col('customer_id', OID.int4), col('name', OID.text), col('segment', OID.text), col('since', OID.date)] },
  { engine: 'crm', schema: 'crm', name: 'regions', columns: [col('region_id', OID.int4), col('label', OID.text)] },
  { engine: 'crm', schema: 'crm', name: 'nations', columns: [col('nation_id', OID.int4), { name: 'code', typeOid: OID.bpchar, typeModifier: 29 }] },
];
const served = new ServedTables(tables);

function plan(sql: string, params: unknown[] = []) {
  const analysis = analyzeQuery(sql, { searchPath: ['public', 'crm'], catalog: served, params: params as never[] });
  const route = chooseRoute({ tables: analysis.tables, served, rules: [], context: { user: 'a', team: 't', application: '', sessionEngine: '' }, engines: ['lake', 'crm'], isUp: () => true }) as Route & { kind: 'federated' };
  assert.equal(route.kind, 'federated');
  return planFederation({ sql, tables: analysis.tables, exact: analysis.exact, assignments: route.assignments, host: 'lake', served, searchPath: ['public', 'crm'] });
}

describe('federation plans', () => {
  it('pushes the needed columns and the pruning predicates to the other engine, and swaps the reference', () => {
    const p = plan(`SELECT c.segment, sum(b.price) AS revenue
      FROM lake.bookings b JOIN crm.customers c ON c.customer_id = b.customer_id
      WHERE c.segment IN ('smb', 'enterprise') AND c.since >= DATE '2020-01-01' AND b.booking_month = '2024-01'
      GROUP BY 1`);
    assert.equal(p.parts.length, 1);
    const part = p.parts[0]!;
    assert.equal(part.engine, 'crm');
    assert.equal(part.source, 'crm.customers on engine crm');
    assert.equal(part.sql, 'SELECT customer_id, segment, since FROM crm.customers WHERE segment IN ($1, $2) AND since >= $3');
    assert.deepEqual(part.params.slice(0, 2), ['smb', 'enterprise']);
    assert.deepEqual(part.paramTypes, [OID.text, OID.text, OID.date]);
    assert.deepEqual(part.columns!.map((c) => c.name), ['customer_id', 'segment', 'since']);
    assert.match(p.hostSql, /JOIN tollgate_part_1 c ON c\.customer_id = b\.customer_id/);
    assert.match(p.hostSql, /FROM lake\.bookings b JOIN/);
  });

  it('keeps the table name as the alias when the reference has none', () => {
    const p = plan('SELECT customers.name, count(*) AS n FROM lake.bookings JOIN crm.customers USING (customer_id) GROUP BY customers.name');
    assert.match(p.hostSql, /JOIN tollgate_part_1 AS customers USING/);
  });

  it('a reference that needs no column still brings its rows; two references give two parts', () => {
    const p = plan('SELECT count(*) AS n FROM lake.bookings b CROSS JOIN crm.regions, crm.customers c WHERE b.customer_id = c.customer_id');
    assert.deepEqual(p.parts.map((x) => x.sql), ['SELECT true AS "__tollgate_row" FROM crm.regions', 'SELECT customer_id FROM crm.customers']);
    assert.equal(p.hostSql, 'SELECT count(*) AS n FROM lake.bookings b CROSS JOIN tollgate_part_1 AS regions, tollgate_part_2 c WHERE b.customer_id = c.customer_id');
  });

  it('a pushed-down value keeps its own type: date + interval is a timestamp, 1.5 a numeric (TPC-H Q4)', () => {
    const p = plan(`SELECT count(*) FROM lake.bookings b JOIN crm.customers c ON c.customer_id = b.customer_id
      WHERE c.since >= DATE '1993-07-01' AND c.since < DATE '1993-07-01' + INTERVAL '3' MONTH AND c.customer_id <> 1.5 AND c.name = 'x'`);
    const part = p.parts[0]!;
    assert.equal(part.sql, 'SELECT customer_id, name, since FROM crm.customers WHERE since >= $1 AND since < $2 AND customer_id <> $3 AND name = $4');
    // PostgreSQL then compares date < timestamp and integer <> numeric, as the statement does; the untyped
    // literal takes the column's type.
    assert.deepEqual(part.paramTypes, [OID.date, OID.timestamp, OID.numeric, OID.text]);
    assert.deepEqual(part.params, [8582, 749433600000000n, '1.5', 'x']);
  });

  it('char(n) columns come as text, without their padding, as PostgreSQL compares them (TPC-H n_name = \'FRANCE\')', () => {
    const p = plan("SELECT n.code, count(*) FROM lake.bookings b JOIN crm.nations n ON n.nation_id = b.customer_id WHERE n.code IN ('FRANCE', 'GERMANY') GROUP BY n.code");
    const part = p.parts[0]!;
    assert.equal(part.sql, 'SELECT CAST(code AS text) AS code, nation_id FROM crm.nations WHERE code IN ($1, $2)');
    // The predicate still reads the column itself, with PostgreSQL's char(n) comparison.
    assert.deepEqual(part.paramTypes, [OID.bpchar, OID.bpchar]);
    assert.deepEqual(part.columns, [{ name: 'code', typeOid: OID.text, typeModifier: -1 }, { name: 'nation_id', typeOid: OID.int4, typeModifier: -1 }]);
    assert.match(p.hostSql, /JOIN tollgate_part_1 n ON/);
  });

  it('bound parameters become the part\'s own parameters', () => {
    const p = plan('SELECT b.price FROM lake.bookings b JOIN crm.customers c ON c.customer_id = b.customer_id WHERE c.name = $1', ['Ada']);
    assert.equal(p.parts[0]!.sql, 'SELECT customer_id, name FROM crm.customers WHERE name = $1');
    assert.deepEqual(p.parts[0]!.params, ['Ada']);
  });
});

/** What each engine receives for one statement: the parts (engine, kind, SQL), the host's SQL, and the LIMIT notes. */
interface PushCase {
  name: string;
  sql: string;
  parts: Array<[engine: string, kind: 'table' | 'query', sql: string]>;
  host: string;
  notes?: string[];
}

const SUBQUERIES: PushCase[] = [
  {
    name: 'an aggregate in a CTE over one engine runs there whole',
    sql: 'WITH t AS (SELECT customer_id, count(*) n FROM crm.customers GROUP BY customer_id) SELECT b.price, t.n FROM lake.bookings b JOIN t ON t.customer_id = b.customer_id',
    parts: [['crm', 'query', 'SELECT customer_id, count(*) n FROM crm.customers GROUP BY customer_id']],
    host: 'WITH t AS (SELECT * FROM tollgate_part_1) SELECT b.price, t.n FROM lake.bookings b JOIN t ON t.customer_id = b.customer_id',
  },
  {
    name: 'a CTE with column names and MATERIALIZED keeps them on the host',
    sql: 'WITH t (id, first_seen) AS MATERIALIZED (SELECT customer_id, min(since) FROM crm.customers GROUP BY 1) SELECT sum(b.price) FROM lake.bookings b JOIN t ON t.id = b.customer_id',
    parts: [['crm', 'query', 'SELECT customer_id, min(since) FROM crm.customers GROUP BY 1']],
    host: 'WITH t (id, first_seen) AS MATERIALIZED (SELECT * FROM tollgate_part_1) SELECT sum(b.price) FROM lake.bookings b JOIN t ON t.id = b.customer_id',
  },
  {
    name: 'an IN subquery joining two tables of one engine; unqualified names get their schema',
    sql: "SELECT b.price FROM lake.bookings b WHERE b.customer_id IN (SELECT customer_id FROM customers c JOIN regions r ON r.region_id = c.customer_id WHERE r.label = 'x')",
    parts: [['crm', 'query', "SELECT customer_id FROM crm.customers c JOIN crm.regions r ON r.region_id = c.customer_id WHERE r.label = 'x'"]],
    host: 'SELECT b.price FROM lake.bookings b WHERE b.customer_id IN (SELECT * FROM tollgate_part_1)',
  },
  {
    name: 'an unqualified name without alias keeps its name as the alias',
    sql: 'SELECT b.price FROM lake.bookings b WHERE b.customer_id NOT IN (SELECT customers.customer_id FROM customers)',
    parts: [['crm', 'query', 'SELECT customers.customer_id FROM crm.customers AS customers']],
    host: 'SELECT b.price FROM lake.bookings b WHERE b.customer_id NOT IN (SELECT * FROM tollgate_part_1)',
  },
  {
    name: 'a scalar subquery',
    sql: 'SELECT b.price, (SELECT max(since) FROM crm.customers) AS latest FROM lake.bookings b',
    parts: [['crm', 'query', 'SELECT max(since) FROM crm.customers']],
    host: 'SELECT b.price, (SELECT * FROM tollgate_part_1) AS latest FROM lake.bookings b',
  },
  {
    name: 'a derived table with its ORDER BY and LIMIT',
    sql: 'SELECT x.name, b.price FROM (SELECT name, customer_id FROM crm.customers ORDER BY since DESC LIMIT 3) x JOIN lake.bookings b USING (customer_id)',
    parts: [['crm', 'query', 'SELECT name, customer_id FROM crm.customers ORDER BY since DESC LIMIT 3']],
    host: 'SELECT x.name, b.price FROM (SELECT * FROM tollgate_part_1) x JOIN lake.bookings b USING (customer_id)',
  },
  {
    name: 'the outermost subquery of one engine is the part (not the one inside it)',
    sql: 'SELECT count(*) FROM lake.bookings b WHERE b.customer_id IN (SELECT customer_id FROM crm.customers WHERE customer_id IN (SELECT region_id FROM crm.regions))',
    parts: [['crm', 'query', 'SELECT customer_id FROM crm.customers WHERE customer_id IN (SELECT region_id FROM crm.regions)']],
    host: 'SELECT count(*) FROM lake.bookings b WHERE b.customer_id IN (SELECT * FROM tollgate_part_1)',
  },
  {
    name: 'a subquery mixing engines is split; a subquery inside it on one engine is still whole',
    sql: 'SELECT s.x FROM (SELECT c.customer_id AS x FROM crm.customers c JOIN lake.bookings b USING (customer_id) WHERE c.customer_id IN (SELECT region_id FROM crm.regions)) s',
    parts: [
      ['crm', 'table', 'SELECT customer_id FROM crm.customers'],
      ['crm', 'query', 'SELECT region_id FROM crm.regions'],
    ],
    host: 'SELECT s.x FROM (SELECT c.customer_id AS x FROM tollgate_part_1 c JOIN lake.bookings b USING (customer_id) WHERE c.customer_id IN (SELECT * FROM tollgate_part_2)) s',
  },
  {
    name: 'a correlated subquery is not sent whole: its table is a part',
    sql: 'SELECT b.price, (SELECT count(*) FROM crm.customers c WHERE c.customer_id = b.customer_id) AS n FROM lake.bookings b',
    parts: [['crm', 'table', 'SELECT customer_id FROM crm.customers']],
    host: 'SELECT b.price, (SELECT count(*) FROM tollgate_part_1 c WHERE c.customer_id = b.customer_id) AS n FROM lake.bookings b',
  },
  {
    name: 'correlated through an unused output of a nested derived table: not sent whole',
    sql: 'SELECT b.price FROM lake.bookings b WHERE EXISTS (SELECT 1 FROM (SELECT c.name, b.booking_id AS k FROM crm.customers c) s)',
    parts: [['crm', 'table', 'SELECT true AS "__tollgate_row" FROM crm.customers']],
    host: 'SELECT b.price FROM lake.bookings b WHERE EXISTS (SELECT 1 FROM (SELECT c.name, b.booking_id AS k FROM tollgate_part_1 c) s)',
  },
  {
    name: 'a subquery with a bound parameter is not sent whole',
    sql: 'SELECT b.price FROM lake.bookings b WHERE b.customer_id IN (SELECT customer_id FROM crm.customers WHERE segment = $1)',
    parts: [['crm', 'table', 'SELECT customer_id, segment FROM crm.customers WHERE segment = $1']],
    host: 'SELECT b.price FROM lake.bookings b WHERE b.customer_id IN (SELECT customer_id FROM tollgate_part_1 AS customers WHERE segment = $1)',
  },
  {
    name: 'a CTE that reads another CTE is not sent whole (the engine does not have it)',
    sql: 'WITH r AS (SELECT region_id FROM crm.regions), t AS (SELECT customer_id FROM crm.customers JOIN r ON r.region_id = customer_id) SELECT count(*) FROM t JOIN lake.bookings USING (customer_id)',
    parts: [
      ['crm', 'query', 'SELECT region_id FROM crm.regions'],
      ['crm', 'table', 'SELECT customer_id FROM crm.customers'],
    ],
    host: 'WITH r AS (SELECT * FROM tollgate_part_1), t AS (SELECT customer_id FROM tollgate_part_2 AS customers JOIN r ON r.region_id = customer_id) SELECT count(*) FROM t JOIN lake.bookings USING (customer_id)',
  },
  {
    name: 'ARRAY(subquery) depends on the order of its rows: not sent whole',
    sql: 'SELECT ARRAY(SELECT name FROM crm.customers ORDER BY name), count(*) FROM lake.bookings',
    parts: [['crm', 'table', 'SELECT name FROM crm.customers']],
    host: 'SELECT ARRAY(SELECT name FROM tollgate_part_1 AS customers ORDER BY name), count(*) FROM lake.bookings',
  },
  {
    name: 'a subquery on the host engine stays in the host statement',
    sql: 'SELECT c.name FROM crm.customers c WHERE c.customer_id IN (SELECT customer_id FROM lake.bookings GROUP BY 1 HAVING sum(price) > 10)',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name FROM tollgate_part_1 c WHERE c.customer_id IN (SELECT customer_id FROM lake.bookings GROUP BY 1 HAVING sum(price) > 10)',
  },
];

const LIMITS: PushCase[] = [
  {
    name: 'LEFT JOIN with ORDER BY on the left table: the part gets both, with PostgreSQL\'s NULLS order',
    sql: 'SELECT c.name, b.price FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY c.since DESC, c.customer_id LIMIT 10',
    parts: [['crm', 'table', 'SELECT customer_id, name, since FROM crm.customers ORDER BY since DESC NULLS FIRST, customer_id ASC NULLS LAST LIMIT 10']],
    host: 'SELECT c.name, b.price FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY c.since DESC, c.customer_id LIMIT 10',
    notes: ['LIMIT 10 ordered by its columns pushed to crm.customers: every row of it gives at least one row of the statement'],
  },
  {
    name: 'LEFT JOIN without ORDER BY, WHERE fully pushed, OFFSET added to the LIMIT',
    sql: "SELECT c.name FROM crm.customers c LEFT OUTER JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE c.segment = 'smb' AND c.since BETWEEN DATE '2020-01-01' AND DATE '2021-01-01' LIMIT 5 OFFSET 10",
    parts: [['crm', 'table', 'SELECT customer_id, name, segment, since FROM crm.customers WHERE segment = $1 AND since BETWEEN $2 AND $3 LIMIT 15']],
    host: "SELECT c.name FROM tollgate_part_1 c LEFT OUTER JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE c.segment = 'smb' AND c.since BETWEEN DATE '2020-01-01' AND DATE '2021-01-01' LIMIT 5 OFFSET 10",
    notes: ['LIMIT 15 pushed to crm.customers: every row of it gives at least one row of the statement'],
  },
  {
    name: 'UNION ALL: each branch reading a part gets the LIMIT',
    sql: 'SELECT customer_id FROM crm.customers UNION ALL SELECT r.region_id FROM crm.regions r LEFT JOIN lake.bookings b ON b.customer_id = r.region_id UNION ALL SELECT customer_id FROM lake.bookings LIMIT 7',
    parts: [
      ['crm', 'table', 'SELECT customer_id FROM crm.customers LIMIT 7'],
      ['crm', 'table', 'SELECT region_id FROM crm.regions LIMIT 7'],
    ],
    host: 'SELECT customer_id FROM tollgate_part_1 AS customers UNION ALL SELECT r.region_id FROM tollgate_part_2 r LEFT JOIN lake.bookings b ON b.customer_id = r.region_id UNION ALL SELECT customer_id FROM lake.bookings LIMIT 7',
    notes: [
      "LIMIT 7 pushed to crm.customers (UNION ALL branch 1): the union's first rows may come from any branch",
      "LIMIT 7 pushed to crm.regions (UNION ALL branch 2): the union's first rows may come from any branch",
      'LIMIT not pushed to UNION ALL branch 3: the first FROM item is not a table part',
    ],
  },
  {
    name: 'not pushed: a WHERE condition on the right side',
    sql: 'SELECT c.name, b.price FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE b.price > 3 LIMIT 10',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name, b.price FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE b.price > 3 LIMIT 10',
    notes: ['LIMIT not pushed: the WHERE clause has conditions that are not pushed to the part'],
  },
  {
    name: 'not pushed: a WHERE condition on the left side that is not a pushed predicate',
    sql: "SELECT c.name FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE lower(c.name) = 'x' LIMIT 10",
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: "SELECT c.name FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id WHERE lower(c.name) = 'x' LIMIT 10",
    notes: ['LIMIT not pushed: the WHERE clause has conditions that are not pushed to the part'],
  },
  {
    name: 'not pushed: ORDER BY a text column (the engines may collate it differently)',
    sql: 'SELECT c.name FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY c.name LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY c.name LIMIT 5',
    notes: ["LIMIT not pushed: ORDER BY name: its type may sort differently on the part's engine"],
  },
  {
    name: 'not pushed: ORDER BY a column of the right side',
    sql: 'SELECT c.name FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY b.price LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id ORDER BY b.price LIMIT 5',
    notes: ['LIMIT not pushed: ORDER BY is not on columns of the left table written as alias.column'],
  },
  {
    name: 'not pushed: an aggregate',
    sql: 'SELECT count(*) FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id FROM crm.customers']],
    host: 'SELECT count(*) FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    notes: ['LIMIT not pushed: the select list calls count(), which may be an aggregate'],
  },
  {
    name: 'not pushed: an inner join (it may drop rows of the left table)',
    sql: 'SELECT c.name FROM crm.customers c JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name FROM tollgate_part_1 c JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    notes: ['LIMIT not pushed: the first table is not followed by LEFT JOINs only'],
  },
  {
    name: 'not pushed: DISTINCT',
    sql: 'SELECT DISTINCT c.name FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT DISTINCT c.name FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id LIMIT 5',
    notes: ['LIMIT not pushed: SELECT DISTINCT'],
  },
  {
    name: 'not pushed: UNION (without ALL)',
    sql: 'SELECT customer_id FROM crm.customers UNION SELECT customer_id FROM lake.bookings LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id FROM crm.customers']],
    host: 'SELECT customer_id FROM tollgate_part_1 AS customers UNION SELECT customer_id FROM lake.bookings LIMIT 5',
    notes: ['LIMIT not pushed: UNION, INTERSECT and EXCEPT combine rows across branches'],
  },
  {
    name: 'not pushed: ORDER BY over a UNION ALL',
    sql: 'SELECT customer_id FROM crm.customers UNION ALL SELECT customer_id FROM lake.bookings ORDER BY 1 LIMIT 5',
    parts: [['crm', 'table', 'SELECT customer_id FROM crm.customers']],
    host: 'SELECT customer_id FROM tollgate_part_1 AS customers UNION ALL SELECT customer_id FROM lake.bookings ORDER BY 1 LIMIT 5',
    notes: ['LIMIT not pushed: ORDER BY applies to the whole UNION ALL'],
  },
  {
    name: 'not pushed: FETCH FIRST (only LIMIT n [OFFSET m] is read)',
    sql: 'SELECT c.name FROM crm.customers c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id FETCH FIRST 3 ROWS ONLY',
    parts: [['crm', 'table', 'SELECT customer_id, name FROM crm.customers']],
    host: 'SELECT c.name FROM tollgate_part_1 c LEFT JOIN lake.bookings b ON b.customer_id = c.customer_id FETCH FIRST 3 ROWS ONLY',
    notes: ['LIMIT not pushed: it is not LIMIT n [OFFSET m] with integer constants'],
  },
];

describe('federation pushdown: what each engine receives', () => {
  for (const c of [...SUBQUERIES, ...LIMITS]) {
    it(c.name, () => {
      const p = plan(c.sql, c.sql.includes('$1') ? ['smb'] : []);
      assert.deepEqual(p.parts.map((x) => [x.engine, x.kind, x.sql]), c.parts);
      assert.equal(p.hostSql, c.host);
      assert.deepEqual(p.notes, c.notes ?? []);
      for (const x of p.parts.filter((x) => x.kind === 'query')) assert.equal(x.columns, null, 'a query part\'s columns come from its engine');
    });
  }
});
