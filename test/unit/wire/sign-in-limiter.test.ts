/**
 * Rate limiting of failed PostgreSQL sign-ins: the limiter alone (fake clock), and a WireSession on a
 * fake transport that refuses a (user, address) pair with 28000 before any password exchange once it
 * failed 5 times within a minute, while other users and other addresses still get in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../../src/log/index.ts';
import type { BackendSession, GatewayBackend } from '../../../src/wire/backend.ts';
import { createScramVerifier } from '../../../src/wire/password.ts';
import { WireSession, type Transport } from '../../../src/wire/session.ts';
import { hostOf, WireSignInLimiter } from '../../../src/wire/sign-in-limiter.ts';
import { cstr, frame, i32 } from './helpers.ts';

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('WireSignInLimiter', () => {
  it('holds a pair off after 5 failures within 60 s, until the oldest leaves the window', () => {
    const c = clock();
    const l = new WireSignInLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) {
      l.failed('alice', '10.0.0.1');
      c.advance(1000);
    }
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 0, '4 failures are allowed');
    l.failed('alice', '10.0.0.1'); // failures at t0, +1s, +2s, +3s, +4s
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 56, 'until the first failure is 60 s old');
    assert.equal(l.retryAfter('alice', '10.0.0.2'), 0, 'another address is not affected');
    assert.equal(l.retryAfter('bob', '10.0.0.1'), 0, 'another user is not affected');
    c.advance(55_500);
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 1, 'rounded up, never 0 while held off');
    c.advance(500);
    assert.equal(l.retryAfter('alice', '10.0.0.1'), 0);
  });

  it('a success clears the pair', () => {
    const c = clock();
    const l = new WireSignInLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) l.failed('alice', 'h');
    assert.ok(l.retryAfter('alice', 'h') > 0);
    l.succeeded('alice', 'h');
    assert.equal(l.retryAfter('alice', 'h'), 0);
  });

  it('failures spread over more than the window never add up', () => {
    const c = clock();
    const l = new WireSignInLimiter({ now: c.now });
    for (let i = 0; i < 50; i++) {
      l.failed('alice', 'h');
      c.advance(15_001);
      assert.equal(l.retryAfter('alice', 'h'), 0);
    }
  });

  it('memory is bounded: the oldest pairs are evicted past maxKeys', () => {
    const c = clock();
    const l = new WireSignInLimiter({ now: c.now, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) l.failed(`user${i}`, 'h');
    assert.equal(l.size, 100);
    for (let i = 0; i < 20; i++) l.failed('alice', 'h');
    assert.ok(l.size <= 100);
    assert.ok(l.retryAfter('alice', 'h') > 0);
  });

  it('hostOf strips the port from IPv4 and bracketed IPv6, and leaves a bare address alone', () => {
    assert.equal(hostOf('127.0.0.1:5432'), '127.0.0.1');
    assert.equal(hostOf('[::1]:5432'), '::1');
    assert.equal(hostOf('::1'), '::1');
    assert.equal(hostOf('localhost'), 'localhost');
  });
});

// --- Through a WireSession --------------------------------------------------------------------------

const VERIFIER = createScramVerifier('right', { iterations: 16 });

/** Cleartext password auth (allowed by this fake backend), so the test needs no SCRAM client. */
const backend: GatewayBackend = {
  credentials: async (user) => (user === 'ghost' ? undefined : { name: user, scramVerifier: VERIFIER, allowCleartext: true }),
  openSession: async () =>
    ({
      initialParameterStatus: () => [],
      outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
      transactionStatus: () => 'I',
      splitStatements: (s: string) => [s],
      prepare: async () => ({ paramTypes: [], columns: null }),
      execute: async () => {
        throw new Error('not used');
      },
      markFailed: () => {},
      close: async () => {},
    }) satisfies BackendSession,
};

interface Outcome {
  /** Message types the server sent, in order ('R', 'E', 'Z', ...). */
  types: string[];
  /** SQLSTATE and message of the first ErrorResponse. */
  error?: { code: string; message: string };
  closed: boolean;
}

function parseBackend(data: Buffer): Pick<Outcome, 'types' | 'error'> {
  const types: string[] = [];
  let error: Outcome['error'];
  for (let i = 0; i + 5 <= data.length; ) {
    const type = String.fromCharCode(data[i]!);
    const len = data.readInt32BE(i + 1);
    types.push(type);
    if (type === 'E' && !error) {
      const fields = new Map<string, string>();
      for (const f of data.subarray(i + 5, i + 1 + len).toString('utf8').split('\0')) if (f) fields.set(f[0]!, f.slice(1));
      error = { code: fields.get('C') ?? '', message: fields.get('M') ?? '' };
    }
    i += 1 + len;
  }
  return { types, error };
}

async function signIn(limiter: WireSignInLimiter, user: string, password: string, host = '10.0.0.1'): Promise<Outcome> {
  const written: Buffer[] = [];
  let closed = false;
  const transport: Transport = {
    remoteAddress: `${host}:40000`,
    remoteHost: host,
    tls: false,
    write: async (b) => void written.push(b),
    pause: () => {},
    resume: () => {},
    close: () => void (closed = true),
  };
  const session = new WireSession(transport, {
    backend,
    logger: silentLogger(),
    processId: 1,
    mockAuthSecret: Buffer.alloc(32, 1),
    registerCancelKey: () => {},
    cancelRequest: () => {},
    onClose: () => {},
    signInLimiter: limiter,
  });
  session.onData(frame(null, i32(196608), cstr('user'), cstr(user), cstr('database'), cstr('tollgate'), Buffer.from([0])));
  await new Promise((r) => setTimeout(r, 20));
  if (!closed) session.onData(frame('p', cstr(password)));
  for (let i = 0; i < 100 && !closed && !written.some((b) => b.includes(Buffer.from('Z\0\0\0\x05I'))); i++) await new Promise((r) => setTimeout(r, 10));
  return { ...parseBackend(Buffer.concat(written)), closed };
}

describe('WireSession with a sign-in limiter', () => {
  it('5 wrong passwords, then 28000 before the password is asked for; others unaffected; expiry lets the pair in', async () => {
    const c = clock();
    const limiter = new WireSignInLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) {
      const r = await signIn(limiter, 'alice', 'wrong');
      assert.equal(r.error?.code, '28P01');
    }
    const held = await signIn(limiter, 'alice', 'right');
    assert.equal(held.error?.code, '28000');
    assert.match(held.error!.message, /^too many failed sign-ins for user "alice" from 10\.0\.0\.1; try again in 60 s$/);
    assert.deepEqual(held.types, ['E'], 'no authentication request: refused before the exchange');
    assert.equal(held.closed, true);

    assert.equal((await signIn(limiter, 'alice', 'right', '10.0.0.2')).error, undefined, 'another address');
    assert.equal((await signIn(limiter, 'bob', 'right')).error, undefined, 'another user');

    c.advance(60_000);
    const later = await signIn(limiter, 'alice', 'right');
    assert.equal(later.error, undefined);
    assert.ok(later.types.includes('Z'));
  });

  it('a success resets the count', async () => {
    const c = clock();
    const limiter = new WireSignInLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) await signIn(limiter, 'alice', 'wrong');
    assert.equal((await signIn(limiter, 'alice', 'right')).error, undefined);
    for (let i = 0; i < 4; i++) await signIn(limiter, 'alice', 'wrong');
    assert.equal((await signIn(limiter, 'alice', 'wrong')).error?.code, '28P01', '5th failure after the reset is still checked');
    assert.equal((await signIn(limiter, 'alice', 'right')).error?.code, '28000');
  });
});
