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
  const analysis = analyzeQuery(sql, { searchPath: ['public'], catalog: served, params: params as never[] });
  const route = chooseRoute({ tables: analysis.tables, served, rules: [], context: { user: 'a', team: 't', application: '', sessionEngine: '' }, engines: ['lake', 'crm'], isUp: () => true }) as Route & { kind: 'federated' };
  assert.equal(route.kind, 'federated');
  return planFederation({ sql, tables: analysis.tables, assignments: route.assignments, host: 'lake', served });
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
    assert.deepEqual(part.columns.map((c) => c.name), ['customer_id', 'segment', 'since']);
    assert.match(p.hostSql, /JOIN tollgate_part_1 c ON c\.customer_id = b\.customer_id/);
    assert.match(p.hostSql, /FROM lake\.bookings b JOIN/);
  });

  it('keeps the table name as the alias when the reference has none', () => {
    const p = plan('SELECT customers.name, count(*) AS n FROM lake.bookings JOIN crm.customers USING (customer_id) GROUP BY customers.name');
    assert.match(p.hostSql, /JOIN tollgate_part_1 AS customers USING/);
  });

  it('a reference that needs no column still brings its rows; two references give two parts', () => {
    const p = plan('SELECT (SELECT count(*) FROM crm.regions) AS r, count(*) AS n FROM lake.bookings b, crm.customers c WHERE b.customer_id = c.customer_id');
    assert.deepEqual(p.parts.map((x) => x.sql), ['SELECT true AS "__tollgate_row" FROM crm.regions', 'SELECT customer_id FROM crm.customers']);
    assert.match(p.hostSql, /FROM tollgate_part_1 AS regions\)/);
    assert.match(p.hostSql, /lake\.bookings b, tollgate_part_2 c WHERE/);
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
