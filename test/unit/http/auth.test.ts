import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { VerifiedCache } from '../../../src/http/auth-cache.ts';
import { parseBasic } from '../../../src/http/auth.ts';
import { basic, testApp, type LogCapture } from './helpers.ts';

// No ledger here: authentication runs before the route, so a request that gets past it answers 503.
describe('HTTP authentication', () => {
  let app: FastifyInstance;
  let logs: LogCapture;
  before(async () => {
    ({ app, logs } = await testApp());
  });
  after(async () => {
    await app?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    app.inject({ method: 'GET', url, headers, ...(remoteAddress && { remoteAddress }) });

  it('asks for credentials with a Basic challenge when none are sent', async () => {
    const r = await get('/v1/admin/teams/growth/budget');
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="tollgate", charset="UTF-8"');
    assert.equal(r.json().error.code, 'AUTHENTICATION_REQUIRED');
    assert.equal(r.json().error.sqlstate, '28000');
  });

  it('refuses a wrong password, an unknown user and a malformed header with 401', async () => {
    for (const authorization of [basic('root', 'wrong'), basic('nobody'), 'Basic !!!', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Bearer abc']) {
      const r = await get('/v1/admin/teams/growth/budget', { authorization });
      assert.equal(r.statusCode, 401, authorization);
      assert.match(r.headers['www-authenticate'] as string, /^Basic realm="tollgate"/);
    }
    const r = await get('/v1/admin/teams/growth/budget', { authorization: basic('root', 'wrong') });
    assert.deepEqual(r.json().error, { code: 'INVALID_PASSWORD', sqlstate: '28P01', message: 'password authentication failed for user "root"' });
  });

  it('refuses a disabled user even with the right password', async () => {
    const r = await get('/v1/teams/growth/budget', { authorization: basic('mallory') });
    assert.equal(r.statusCode, 403);
    assert.match(r.json().error.message, /disabled/);
  });

  it('accepts Basic only from loopback or over TLS: another host on plain HTTP gets 403 saying why', async () => {
    for (const remote of ['10.1.2.3', '192.168.0.7', '::ffff:10.0.0.1', '2001:db8::1']) {
      const r = await get('/v1/admin/teams/growth/budget', { authorization: basic('root') }, remote);
      assert.equal(r.statusCode, 403, remote);
      assert.equal(r.json().error.code, 'INSECURE_TRANSPORT');
      assert.match(r.json().error.message, /only over TLS or from the gateway's own host/);
      assert.equal(r.headers['www-authenticate'], undefined, 'no challenge inviting a password in clear');
    }
    for (const remote of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const r = await get('/v1/admin/teams/growth/budget', { authorization: basic('root') }, remote);
      assert.equal(r.statusCode, 503, remote); // authenticated; no ledger behind it
    }
  });

  it('keeps analysts off admin routes with 403', async () => {
    const r = await get('/v1/admin/teams/growth/budget', { authorization: basic('alice') });
    assert.equal(r.statusCode, 403);
    assert.deepEqual(r.json().error, { code: 'INSUFFICIENT_PRIVILEGE', sqlstate: '42501', message: 'user "alice" is not an admin; this needs the admin role', hint: 'Sign in as a user with role admin.' });
    const put = await app.inject({ method: 'PUT', url: '/v1/admin/teams/growth/budget', headers: { authorization: basic('alice') }, payload: { monthly: 1 } });
    assert.equal(put.statusCode, 403);
  });

  it('answers 503 with a clear message when there is no budget store', async () => {
    const r = await get('/v1/admin/teams/growth/budget', { authorization: basic('root') });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().error.code, 'LEDGER_UNAVAILABLE');
    assert.match(r.json().error.message, /budgets are not available/);
    const mine = await get('/v1/teams/growth/budget', { authorization: basic('alice') });
    assert.equal(mine.statusCode, 503);
    // A getter that has nothing yet (the ledger starts after the HTTP app) is the same.
    const { app: later } = await testApp({ extra: { budgets: () => undefined } });
    const r2 = await later.inject({ method: 'GET', url: '/v1/admin/teams/growth/budget', headers: { authorization: basic('root') } });
    assert.equal(r2.statusCode, 503);
    await later.close();
  });

  it('never writes the Authorization header or a password to the log', async () => {
    const secrets = ['root-pw', 'alice-pw', 'wrong', basic('root').slice(6), basic('alice').slice(6), basic('root', 'wrong').slice(6)];
    const text = logs.text();
    assert.ok(text.includes('incoming request'), 'requests are logged at all');
    for (const s of secrets) assert.ok(!text.includes(s), `log contains ${s}`);
    assert.ok(!/"authorization"|Bearer abc/i.test(text), 'no Authorization header in the log');
  });
});

describe('Basic header parsing', () => {
  it('splits at the first colon and decodes UTF-8', () => {
    assert.deepEqual(parseBasic(basic('root', 'a:b:ç')), { user: 'root', password: 'a:b:ç' });
    assert.deepEqual(parseBasic('basic ' + Buffer.from('u:').toString('base64')), { user: 'u', password: '' });
    assert.equal(parseBasic('Basic ' + Buffer.from(':pw').toString('base64')), null);
    assert.equal(parseBasic('Digest x'), null);
  });
});

describe('verification cache', () => {
  it('remembers a verification for its TTL, keyed by user, verifier and password', () => {
    let now = 1_000;
    const cache = new VerifiedCache({ ttlMs: 60_000, now: () => now });
    cache.add('root', 'v1', 'pw');
    assert.ok(cache.has('root', 'v1', 'pw'));
    assert.ok(!cache.has('root', 'v1', 'other'));
    assert.ok(!cache.has('root', 'v2', 'pw'), 'a changed verifier does not match');
    assert.ok(!cache.has('alice', 'v1', 'pw'));
    now += 59_999;
    assert.ok(cache.has('root', 'v1', 'pw'));
    now += 1;
    assert.ok(!cache.has('root', 'v1', 'pw'), 'expired');
    assert.equal(cache.size, 0);
  });

  it('stays bounded, dropping the oldest', () => {
    const cache = new VerifiedCache({ maxEntries: 3 });
    for (const p of ['a', 'b', 'c', 'd']) cache.add('u', 'v', p);
    assert.equal(cache.size, 3);
    assert.ok(!cache.has('u', 'v', 'a'));
    assert.ok(cache.has('u', 'v', 'd'));
  });
});
