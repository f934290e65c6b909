import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedTables, type ServedTable } from '../../../src/catalog/served-tables.ts';
import { chooseRoute, type RoutingInput, type RoutingRule } from '../../../src/planner/routing.ts';
import { OID } from '../../../src/pgtypes/oids.ts';

const table = (engine: string, schema: string, name: string): ServedTable => ({ engine, schema, name, columns: [{ name: 'id', typeOid: 23, typeModifier: -1 }] });
// lake.bookings on duck only; crm.customers on pg only; lake.hotels replicated on duck and pg.
const served = new ServedTables([table('duck', 'lake', 'bookings'), table('duck', 'lake', 'hotels'), table('pg', 'lake', 'hotels'), table('pg', 'crm', 'customers')]);
const ctx = { user: 'alice', team: 'growth', application: 'psql', sessionEngine: '' };

function route(tables: Array<[string, string]>, over: Partial<RoutingInput> = {}) {
  return chooseRoute({
    tables: tables.map(([schema, name]) => ({ schema, name })),
    served,
    rules: [],
    context: ctx,
    engines: ['duck', 'pg'],
    isUp: () => true,
    ...over,
  });
}

describe('routing', () => {
  it('a table on one engine goes there, saying so', () => {
    assert.deepEqual(route([['crm', 'customers']]), { kind: 'single', engine: 'pg', reason: 'only pg holds crm.customers' });
  });

  it('replicas: config order by default', () => {
    assert.deepEqual(route([['lake', 'hotels']]), { kind: 'single', engine: 'duck', reason: 'config order' });
  });

  it('a join that one engine can take whole is not federated', () => {
    assert.equal(route([['lake', 'hotels'], ['crm', 'customers']]).kind === 'single' && 'pg', 'pg');
  });

  it('tables on different engines are federated, replicas read from the preferred engine', () => {
    const r = route([['lake', 'bookings'], ['crm', 'customers'], ['lake', 'hotels']]);
    assert.equal(r.kind, 'federated');
    assert.deepEqual(r.kind === 'federated' && r.assignments.map((a) => `${a.table.name}@${a.engine}`), ['bookings@duck', 'customers@pg', 'hotels@duck']);
  });

  it('rules: first match by priority wins, then config order', () => {
    const rules: RoutingRule[] = [
      { name: 'bi on pg', priority: 1, application: 'Metabase*', engine: 'pg' },
      { name: 'ml on pg', priority: 5, team: ['ml'], engine: 'pg' },
      { name: 'alice on duck', priority: 9, user: ['alice'], engine: 'duck' },
    ];
    assert.deepEqual(route([['lake', 'hotels']], { rules, context: { ...ctx, user: 'bob', application: 'Metabase v0.50' } }), {
      kind: 'single',
      engine: 'pg',
      reason: 'routing rule "bi on pg"',
    });
    assert.equal((route([['lake', 'hotels']], { rules, context: { ...ctx, user: 'alice', application: 'Metabase' } }) as { engine: string }).engine, 'duck');
    assert.equal((route([['lake', 'hotels']], { rules, context: { ...ctx, user: 'bob', team: 'ml' } }) as { engine: string }).engine, 'pg');
    // A rule's engine that lacks the table does not stop routing.
    assert.deepEqual(route([['lake', 'bookings']], { rules, context: { ...ctx, team: 'ml', user: 'bob' } }), { kind: 'single', engine: 'duck', reason: 'only duck holds lake.bookings' });
  });

  it('SET tollgate.engine comes first; an unknown engine is a clear 22023', () => {
    assert.deepEqual(route([['lake', 'hotels']], { context: { ...ctx, sessionEngine: 'pg' } }), {
      kind: 'single',
      engine: 'pg',
      reason: 'the session setting tollgate.engine = pg',
    });
    assert.throws(() => route([['lake', 'hotels']], { context: { ...ctx, sessionEngine: 'vertica' } }), (e: { sqlstate: string; message: string }) =>
      e.sqlstate === '22023' && /"vertica", which is not a configured engine/.test(e.message),
    );
  });

  it('an engine that is down is skipped for replicas; a table with no live replica fails fast with 08006', () => {
    assert.equal((route([['lake', 'hotels']], { isUp: (e) => e !== 'duck' }) as { engine: string }).engine, 'pg');
    assert.throws(() => route([['lake', 'bookings']], { isUp: (e) => e !== 'duck' }), (e: { sqlstate: string; message: string }) =>
      e.sqlstate === '08006' && e.message === 'lake.bookings cannot be read: engine "duck" is down',
    );
  });

  it('an unknown table is 42P01; a statement reading no table runs on the first live engine', () => {
    assert.throws(() => route([['lake', 'nope']]), (e: { sqlstate: string }) => e.sqlstate === '42P01');
    assert.deepEqual(route([], { isUp: (e) => e === 'pg' }), { kind: 'single', engine: 'pg', reason: 'reads no table; config order' });
  });
});

describe('routing: tables pinned by a migration', () => {
  const col = (name: string) => ({ name, typeOid: OID.int4, typeModifier: -1 });
  const served = new ServedTables([
    { engine: 'old', schema: 's', name: 't', columns: [col('a')] },
    { engine: 'new', schema: 's', name: 't', columns: [col('a')] },
    { engine: 'old', schema: 's', name: 'u', columns: [col('a')] },
  ]);
  const base = { served, rules: [], context: { user: 'a', team: 'x', application: '', sessionEngine: '' }, engines: ['old', 'new'], isUp: () => true };
  const t = { schema: 's', name: 't' };

  it('a pin wins over config order, rules and the session setting, and says why', () => {
    const pinned = new Map([['s.t', { engine: 'new', why: 'migration of s.t: new-only' }]]);
    const r = chooseRoute({ ...base, tables: [t], pinned, context: { ...base.context, sessionEngine: 'old' } });
    assert.deepEqual(r, { kind: 'single', engine: 'new', reason: 'migration of s.t: new-only' });
  });

  it('a pinned table joined with one only the old engine holds is federated', () => {
    const pinned = new Map([['s.t', { engine: 'new', why: 'canary' }]]);
    const r = chooseRoute({ ...base, tables: [t, { schema: 's', name: 'u' }], pinned });
    assert.equal(r.kind, 'federated');
  });

  it('a pinned engine that is down fails fast naming it, rather than reading the other side', () => {
    const pinned = new Map([['s.t', { engine: 'new', why: 'migration of s.t: new-only' }]]);
    assert.throws(() => chooseRoute({ ...base, tables: [t], pinned, isUp: (e) => e !== 'new' }), /engine "new" is down \(migration of s\.t: new-only\)/);
  });
});
