import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserRecord } from '../../../src/executor/users.ts';
import { UserDirectory, reservedUserName, type ManagedUser } from '../../../src/users/index.ts';

const T0 = new Date('2026-01-01T00:00:00Z');

function configUsers(): Map<string, UserRecord> {
  return new Map([['alice', { name: 'alice', team: 'growth', role: 'analyst', scramVerifier: 'SCRAM-SHA-256$a', allowCleartext: false, disabled: false }]]);
}

function managed(name: string, fields: Partial<ManagedUser> = {}): ManagedUser {
  return { name, team: 'data', role: 'analyst', scramVerifier: `SCRAM-SHA-256$${name}`, disabled: false, createdAt: T0, createdBy: 'admin', updatedAt: T0, updatedBy: 'admin', ...fields };
}

describe('UserDirectory', () => {
  it('adds the ledger users and teams to the shared map and set, and tells each source', () => {
    const users = configUsers();
    const d = new UserDirectory(users, [{ name: 'growth' }]);
    d.apply({ teams: [{ name: 'data', description: null, createdAt: T0, createdBy: 'admin' }], users: [managed('dave')] });
    assert.equal(d.users, users, 'the same map, shared by reference');
    assert.deepEqual([...users.keys()], ['alice', 'dave']);
    assert.deepEqual([...d.teams], ['growth', 'data']);
    assert.equal(d.userSource('alice'), 'config');
    assert.equal(d.userSource('dave'), 'api');
    assert.equal(d.userSource('nobody'), undefined);
    assert.equal(d.teamSource('growth'), 'config');
    assert.equal(d.teamSource('data'), 'api');
  });

  it('updates a known record in place, so holders of it follow; reports users that became disabled', () => {
    const d = new UserDirectory(configUsers(), [{ name: 'growth' }]);
    d.apply({ teams: [], users: [managed('dave')] });
    const held = d.users.get('dave')!;
    const first = d.apply({ teams: [], users: [managed('dave', { team: 'growth', role: 'admin', disabled: true, scramVerifier: 'SCRAM-SHA-256$new' })] });
    assert.deepEqual(first.disabled, ['dave']);
    assert.equal(d.users.get('dave'), held);
    assert.deepEqual({ ...held }, { name: 'dave', team: 'growth', role: 'admin', scramVerifier: 'SCRAM-SHA-256$new', allowCleartext: false, disabled: true });
    assert.deepEqual(d.apply({ teams: [], users: [managed('dave', { disabled: true })] }).disabled, [], 'only a change is reported');
  });

  it('the config wins over a ledger user or team of the same name; ledger teams that are gone are dropped', () => {
    const d = new UserDirectory(configUsers(), [{ name: 'growth' }]);
    d.apply({ teams: [{ name: 'old', description: null, createdAt: T0, createdBy: 'admin' }], users: [] });
    const r = d.apply({ teams: [{ name: 'growth', description: 'x', createdAt: T0, createdBy: 'admin' }], users: [managed('alice', { team: 'data', disabled: true })] });
    assert.deepEqual(r.shadowed, ['team growth', 'user alice']);
    assert.deepEqual(r.disabled, []);
    assert.equal(d.users.get('alice')!.team, 'growth');
    assert.deepEqual([...d.teams], ['growth']);
  });

  it('hasConfigMember looks at config users only', () => {
    const d = new UserDirectory(configUsers(), [{ name: 'growth' }]);
    d.apply({ teams: [], users: [managed('dave')] });
    assert.equal(d.hasConfigMember('growth'), true);
    assert.equal(d.hasConfigMember('data'), false);
  });
});

describe('reservedUserName', () => {
  it('refuses PostgreSQL and tollgate role names and the deployment’s own', () => {
    for (const name of ['pg_monitor', 'pg_x', 'public', 'none', 'current_user', 'session_user', 'current_role', 'tollgate_users', 'tollgate_metastore']) assert.notEqual(reservedUserName(name), null, name);
    assert.match(reservedUserName('ledger_owner', ['ledger_owner'])!, /ledger's own role/);
    assert.equal(reservedUserName('dave', ['ledger_owner']), null);
  });
});
