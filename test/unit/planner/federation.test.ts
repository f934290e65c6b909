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

  it('bound parameters become the part\'s own parameters', () => {
    const p = plan('SELECT b.price FROM lake.bookings b JOIN crm.customers c ON c.customer_id = b.customer_id WHERE c.name = $1', ['Ada']);
    assert.equal(p.parts[0]!.sql, 'SELECT customer_id, name FROM crm.customers WHERE name = $1');
    assert.deepEqual(p.parts[0]!.params, ['Ada']);
  });
});
