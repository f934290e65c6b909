import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SignInLimiter } from '../../../src/http/rate-limit.ts';
import { basic, testApp } from './helpers.ts';

/** A clock in milliseconds that tests move by hand. */
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('sign-in limiter', () => {
  it('holds a (user, address) pair off after 5 failures within a minute, for the rest of that minute', () => {
    const clock = fakeClock();
    const l = new SignInLimiter({ now: clock.now });
    for (let i = 0; i < 4; i++) {
      l.failed('alice', '10.0.0.1');
      clock.advance(1000);
    }
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 0);
    l.failed('alice', '10.0.0.1');
    // The first failure was 4 s ago: it leaves the window in 56 s.
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 56);
    assert.equal(l.retryAfter('alice', '10.0.0.2'), 0, 'another address');
    assert.equal(l.retryAfter('bob', '10.0.0.1'), 0, 'another user');
    clock.advance(55_999);
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 1);
    clock.advance(1);
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 0);
  });

  it('holds an address off after 20 failures whatever the users', () => {
    const clock = fakeClock();
    const l = new SignInLimiter({ now: clock.now });
    for (let i = 0; i < 20; i++) l.failed(`user${i}`, '10.0.0.9');
    assert.equal(l.retryAfter('someone-else', '10.0.0.9'), 60);
    assert.equal(l.retryAfter(null, '10.0.0.9'), 60);
    assert.equal(l.retryAfter('someone-else', '10.0.0.8'), 0);
  });

  it("a success clears that user's count from that address, not the address's", () => {
    const clock = fakeClock();
    const l = new SignInLimiter({ now: clock.now, perAddress: 8 });
    for (let i = 0; i < 4; i++) l.failed('alice', 'a');
    l.succeeded('alice', 'a');
    for (let i = 0; i < 4; i++) l.failed('alice', 'a');
    assert.equal(l.retryAfter('alice', 'a'), 60, 'the address count reached 8');
    for (let i = 0; i < 4; i++) l.failed('carol', 'b');
    l.succeeded('carol', 'b');
    assert.equal(l.retryAfter('carol', 'b'), 0);
  });

  it('stays bounded in memory', () => {
    const l = new SignInLimiter({ maxKeys: 10 });
    for (let i = 0; i < 100; i++) l.failed(`u${i}`, `10.0.0.${i}`);
    assert.equal((l as unknown as { failures: Map<string, unknown> }).failures.size, 10);
  });
});

describe('sign-in rate limit over HTTP', () => {
  let app: FastifyInstance;
  const clock = fakeClock();
  before(async () => {
    ({ app } = await testApp({ extra: { signInLimiter: new SignInLimiter({ now: clock.now }) } }));
  });
  after(async () => {
    await app?.close();
  });
  const me = (authorization: string) => app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });

  it('answers 429 with Retry-After without checking the password, until the window passes', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await me(basic('alice', 'wrong'))).statusCode, 401);
    const held = await me(basic('alice'));
    assert.equal(held.statusCode, 429, 'even the right password is not checked');
    assert.equal(held.headers['retry-after'], '60');
    assert.match(held.json().error.message, /^too many failed sign-in attempts; try again in 60 s$/);
    assert.equal((await me(basic('bob'))).statusCode, 200, 'other users are not held off');
    clock.advance(60_000);
    assert.equal((await me(basic('alice'))).statusCode, 200);
  });

  it('a success resets the count', async () => {
    clock.advance(60_000);
    for (let i = 0; i < 4; i++) assert.equal((await me(basic('alice', 'wrong'))).statusCode, 401);
    assert.equal((await me(basic('alice'))).statusCode, 200);
    for (let i = 0; i < 4; i++) assert.equal((await me(basic('alice', 'wrong'))).statusCode, 401);
    assert.equal((await me(basic('alice'))).statusCode, 200);
  });

  it('unknown users count like wrong passwords; a disabled user with the right password does not', async () => {
    clock.advance(60_000);
    for (let i = 0; i < 5; i++) assert.equal((await me(basic('ghost', 'x'))).statusCode, 401);
    assert.equal((await me(basic('ghost', 'x'))).statusCode, 429);
    for (let i = 0; i < 6; i++) assert.equal((await me(basic('mallory'))).statusCode, 403);
  });
});
