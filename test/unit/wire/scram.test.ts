import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import {
  createScramVerifier,
  parseScramVerifier,
  preparePassword,
  saslprep,
  verifyScramPassword,
} from '../../../src/wire/password.ts';
import { ScramExchange, mockScramSecret, tlsServerEndPointHash, type ScramOptions } from '../../../src/wire/scram.ts';
import { ED25519_CERT, EC_SHA384_CERT, RSA_PSS_SHA512_CERT, RSA_SHA1_CERT, RSA_SHA256_CERT } from './tls-fixtures.ts';

/**
 * Verifiers stored by PostgreSQL 15.18 (`SET password_encryption = 'scram-sha-256'; CREATE ROLE r LOGIN
 * PASSWORD '...'`, then `SELECT rolpassword FROM pg_authid`), with the passwords they were made from.
 * Several exercise SASLprep, including PostgreSQL's deviations from RFC 4013 (see password.ts).
 */
const PG15_VERIFIERS: Array<{ role: string; password: string; verifier: string; why: string }> = [
  { role: 'x', password: 'y', why: 'ASCII', verifier: 'SCRAM-SHA-256$4096:uxG+A5JCowWPcen8+ThR2Q==$S1gtt8TG512syVHOP5vrM8hOMU76M4PGg09basdet+4=:p7SiUV81sIzQNVMbVOSYVnnKVsfOSsWNkg4Y2nL18WE=' },
  { role: 'alice', password: 'correct horse battery staple', why: 'ASCII with spaces', verifier: 'SCRAM-SHA-256$4096:qvXlGYhn/cf3v2nA4RXY3Q==$cDPuVCzsDMm0gZsHn6lXt3GQJv7gMwxdmJfh4trvN5o=:85H/KSkGyQ4486/BvKGMuSJDt7irmgs1u91d8hXM2IQ=' },
  { role: 'u1', password: '\uFF50\uFF41\uFF53\uFF53\u00A0w\u00F6rd\u00AD', why: 'NFKC, non-ASCII space, mapped to nothing', verifier: 'SCRAM-SHA-256$4096:Blwxd9YA5ALA9EG2d/mCiQ==$DOWRnCEb5nh2sy0be52RcmK+pjeOktw708QMj08228M=:2bR3IGkRj8DsfdRmxAFEYqif6vGk8iZNxaMSciMNreg=' },
  { role: 'u2', password: 'abc\uE000', why: 'private use: prohibited, raw bytes', verifier: 'SCRAM-SHA-256$4096:OkoSWgcJySK50zZp55/pOQ==$ZkhrnVMXdGZU0Hlt6mEp9tO2ocKSDLYbcq/u9rfX4VM=:W4Pbho1Or+dHXKH32M0GZdXDnFn4w9OYF2AxpN9do9M=' },
  { role: 'u3', password: 'a\u05D0', why: 'bidi violation: raw bytes', verifier: 'SCRAM-SHA-256$4096:f0lqr2VfRipjt+J+o5bhfw==$9mshKUlBDoSpLtnQCMhI/zHB2vVCTUeorVrOOab1kNo=:pd1LMzYq9SOIaW/fgsEOEUTt2oarFIe4titD2sIPom0=' },
  { role: 'u4', password: 'e\u0301te', why: 'composition', verifier: 'SCRAM-SHA-256$4096:rZGMP6m79wNoCmhYAjAYXg==$912/ft4w6RM2J3U1Qkg2dxag30YP8ORD8JpLcrX5DzI=:hs999QICVsDJVjfYplGxmAosD7CuN5TMKEOP7zIHy+8=' },
  { role: 'u5', password: '\uFF41\u{1F600}', why: 'unassigned in Unicode 3.2: raw bytes', verifier: 'SCRAM-SHA-256$4096:3mqzmh/Z7T0X5zCDgzXE9g==$8NStlwR2Hq+LEmZYFAOZvMdoWO7GkXt7oG+81q+E6FI=:mZP6xu5yrHl7yGotUREUCmW0wU6WpuDrNDuc338yLiQ=' },
  { role: 'u6', password: 'a\u0340b\uFF42', why: 'prohibited before NFKC only (PostgreSQL order)', verifier: 'SCRAM-SHA-256$4096:5dbIS+loHQqPKwuUT07aog==$i6/xL7CsMFGLtohVxHpwv4v4I1rIM0VFmfJjkXdPIPY=:Q/pv8BJMmCkpI0ioIgJT+lhoq1G7pAwMPWWjlzmGgCE=' },
  { role: 'u7', password: '\u00AD', why: 'empty after mapping: raw bytes', verifier: 'SCRAM-SHA-256$4096:NHbIuZRRGXZBbTrTyvPakA==$GXhYSbkRF7v2DHGXCXt0UBBdbNrxPvgvhDoJMS3j1xQ=:HbtIpu5UvxqVpRpcRsSFVBDqIwVKgn3jkviQhHz6EWc=' },
  { role: 'u8', password: '\u05D01\u05D1', why: 'RTL with a digit', verifier: 'SCRAM-SHA-256$4096:sGRPgqSkMLRa3ZQ9wpHwYQ==$OsHqE+FoKHk1frvJZkGzCdGoaXUEKLdVpVcOxTF0Eg4=:Hy2hYRexEnHsxSmrdvaeZYBmo8Ds3bdzb7rJ/oeUH6s=' },
  { role: 'u9', password: '\u05D0\uFF11\u05D1', why: 'RTL with a fullwidth digit', verifier: 'SCRAM-SHA-256$4096:XkCwU1tn++1uiL44YsjI5g==$saoyayQMCqBzawUemlpviPaGS358VbF5tQ9FZG3wTQ8=:QVWrSPBX6gmngR7XS97hV2aT6pRaKSiCUXtepU+9Fs0=' },
];

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

interface ClientOptions {
  gs2?: string;
  mechanism?: string;
  cbindData?: Buffer;
  nonce?: string;
}

/** A test-side SCRAM client (RFC 5802), driving a ScramExchange. */
function login(ex: ScramExchange, password: string, opts: ClientOptions = {}): { ok: boolean; error?: GatewayError } {
  const nonce = opts.nonce ?? 'fyko+d2lbbFgONRv9qkxdawL';
  const gs2 = opts.gs2 ?? 'n,,';
  const bare = `n=,r=${nonce}`;
  const serverFirst = ex.clientFirst(Buffer.from(gs2 + bare), opts.mechanism).toString();
  const m = /^r=([^,]+),s=([^,]+),i=(\d+)$/.exec(serverFirst);
  assert.ok(m, serverFirst);
  assert.ok(m[1].startsWith(nonce));
  const salted = pbkdf2Sync(preparePassword(password), Buffer.from(m[2], 'base64'), Number(m[3]), 32, 'sha256');
  const cbind = Buffer.concat([Buffer.from(gs2), opts.cbindData ?? Buffer.alloc(0)]).toString('base64');
  const withoutProof = `c=${cbind},r=${m[1]}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const clientKey = hmac(salted, 'Client Key');
  const sig = hmac(sha256(clientKey), authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]));
  const r = ex.clientFinal(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
  if (!r.ok) return { ok: false, error: r.error };
  assert.equal(r.serverFinal.toString(), `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`);
  return { ok: true };
}

function throwsPg(fn: () => unknown, sqlstate: string, message: string, detail?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GatewayError, `not a GatewayError: ${String(e)}`);
    assert.equal(e.sqlstate, sqlstate);
    assert.equal(e.message, message);
    if (detail !== undefined) assert.equal(e.detail, detail);
    return true;
  });
}

const VERIFIER = createScramVerifier('secret', { salt: Buffer.from('0123456789abcdef') });
const exchange = (opts: Partial<ScramOptions> = {}, verifier: string | null = VERIFIER) => new ScramExchange(verifier, { user: 'bob', ...opts });

describe('SCRAM-SHA-256 exchange', () => {
  it('reproduces the RFC 7677 test vector', () => {
    const verifier = createScramVerifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), iterations: 4096 });
    const ex = new ScramExchange(verifier, { user: 'user', serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' });
    assert.deepEqual(ex.mechanisms, ['SCRAM-SHA-256']);
    assert.equal(ex.started, false);
    const serverFirst = ex.clientFirst(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    assert.equal(ex.started, true);
    assert.equal(serverFirst.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const r = ex.clientFinal(
      Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    );
    assert.ok(r.ok);
    assert.equal(r.serverFinal.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    assert.equal(ex.finished, true);
  });

  it('accepts the right password with a random server nonce, refuses a wrong one with 28P01', () => {
    assert.deepEqual(login(exchange(), 'secret'), { ok: true });
    const bad = login(exchange(), 'Secret');
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.sqlstate, '28P01');
    assert.equal(bad.error?.severity, 'FATAL');
    assert.equal(bad.error?.message, 'password authentication failed for user "bob"');
    const a = exchange().clientFirst(Buffer.from('n,,n=,r=abc')).toString();
    const b = exchange().clientFirst(Buffer.from('n,,n=,r=abc')).toString();
    assert.notEqual(a, b);
    assert.match(a, /^r=abc[A-Za-z0-9+/]{24},s=MDEyMzQ1Njc4OWFiY2RlZg==,i=4096$/);
  });

  it('runs a fake exchange for unknown users: stable per-user salt, same shape, always 28P01', () => {
    const first = (user: string, secret: string) =>
      new ScramExchange(null, { user, mockSecret: secret }).clientFirst(Buffer.from('n,,n=,r=abc'), 'SCRAM-SHA-256').toString().split(',').slice(1).join(',');
    assert.equal(first('ghost', 's1'), first('ghost', 's1'));
    assert.notEqual(first('ghost', 's1'), first('ghost2', 's1'));
    assert.notEqual(first('ghost', 's1'), first('ghost', 's2'));
    assert.match(first('ghost', 's1'), /^s=[A-Za-z0-9+/]{22}==,i=4096$/);
    const r = login(new ScramExchange(null, { user: 'ghost', mockSecret: 's1' }), 'anything');
    assert.equal(r.error?.message, 'password authentication failed for user "ghost"');
    assert.equal(r.error?.sqlstate, '28P01');
    // Even a client that knows the fake verifier's keys cannot get in (the exchange is doomed).
    const fake = mockScramSecret('ghost', 's1');
    assert.equal(fake.salt.length, 16);
    // An unusable verifier (md5, garbage) behaves like an unknown user.
    assert.equal(login(exchange({}, 'md5c0ffee'), 'secret').ok, false);
    assert.equal(login(exchange({}, 'SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA'), 'secret').ok, false);
  });

  it('refuses malformed client-first messages as PostgreSQL 15 does', () => {
    // Each case was checked against a PostgreSQL 15 server.
    const first = (s: string, mech?: string) => () => exchange().clientFirst(Buffer.from(s, 'latin1'), mech);
    const M = 'malformed SCRAM message';
    throwsPg(first(''), '08P01', M, 'The message is empty.');
    throwsPg(first('x,,n=,r=abc'), '08P01', M, 'Unexpected channel-binding flag "\'x\'".');
    throwsPg(first('p=tls-server-end-point,,n=,r=abc'), '08P01', M, 'The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.');
    throwsPg(first('nx,n=,r=abc'), '08P01', M, 'Comma expected, but found character "\'x\'".');
    throwsPg(first('n,a=x,n=,r=abc'), '0A000', 'client uses authorization identity, but it is not supported');
    throwsPg(first('n,b,n=,r=abc'), '08P01', M, 'Unexpected attribute "\'b\'" in client-first-message.');
    throwsPg(first('n,,m=foo,n=,r=abc'), '0A000', 'client requires an unsupported SCRAM extension');
    throwsPg(first('n,,r=abc'), '08P01', M, 'Expected attribute "n" but found "\'r\'".');
    throwsPg(first('n,,nx,r=abc'), '08P01', M, 'Expected character "=" for attribute "n".');
    throwsPg(first('n,,n=,r=a\x01b'), '08P01', 'non-printable characters in SCRAM nonce');
    throwsPg(first('n,,n=,r=abc,1=x'), '08P01', M, 'Attribute expected, but found invalid character "\'1\'".');
    throwsPg(first('n,,n=\0,r=abc'), '08P01', M, 'Message length does not match input length.');
    throwsPg(first('n,,n=,r=abc', 'FOO'), '08P01', 'client selected an invalid SASL authentication mechanism');
    throwsPg(first('n,,n=,r=abc', 'SCRAM-SHA-256-PLUS'), '08P01', 'client selected an invalid SASL authentication mechanism');
    // Extensions after the nonce are ignored.
    assert.ok(exchange().clientFirst(Buffer.from('n,,n=user,r=abc,x=1,y=2')).length > 0);
  });

  it('refuses malformed client-final messages as PostgreSQL 15 does', () => {
    const final = (mk: (nonce: string) => string) => () => {
      const ex = exchange();
      const nonce = /^r=([^,]+)/.exec(ex.clientFirst(Buffer.from('n,,n=,r=clientnonce')).toString())![1];
      return ex.clientFinal(Buffer.from(mk(nonce), 'latin1'));
    };
    const P = 'p=' + Buffer.alloc(32).toString('base64');
    const M = 'malformed SCRAM message';
    throwsPg(final((n) => `c=eSws,r=${n},${P}`), '08P01', 'unexpected SCRAM channel-binding attribute in client-final-message');
    throwsPg(final((n) => `c=biws,r=${n}X,${P}`), '08P01', 'invalid SCRAM response', 'Nonce does not match.');
    throwsPg(final((n) => `c=biws,r=${n},p=AAAA`), '08P01', M, 'Malformed proof in client-final-message.');
    throwsPg(final((n) => `c=biws,r=${n},p=!!!!`), '08P01', M, 'Malformed proof in client-final-message.');
    throwsPg(final((n) => `c=biws,r=${n},${P},x=1`), '08P01', M, 'Garbage found at the end of client-final-message.');
    throwsPg(final((n) => `c=biws,r=${n}`), '08P01', M, 'Attribute expected, but found end of string.');
    throwsPg(final((n) => `c=biws,r=${n}X,${P},zz`), '08P01', M, 'Garbage found at the end of client-final-message.');
    throwsPg(final(() => ''), '08P01', M, 'The message is empty.');
    const wrong = final((n) => `c=biws,r=${n},x=1,${P}`)();
    assert.equal(wrong.ok, false);
  });

  it('is a one-shot state machine', () => {
    const ex = exchange();
    throwsPg(() => ex.clientFinal(Buffer.from('c=biws,r=x,p=x')), '08P01', 'unexpected SCRAM client-final-message');
    ex.clientFirst(Buffer.from('n,,n=,r=abc'));
    throwsPg(() => ex.clientFirst(Buffer.from('n,,n=,r=abc')), '08P01', 'unexpected SCRAM client-first-message');
    // A failed client-first spends the exchange too.
    const ex2 = exchange();
    assert.throws(() => ex2.clientFirst(Buffer.from('garbage')));
    throwsPg(() => ex2.clientFirst(Buffer.from('n,,n=,r=abc')), '08P01', 'unexpected SCRAM client-first-message');
  });
});

describe('SCRAM channel binding', () => {
  const certDer = new X509Certificate(RSA_SHA256_CERT).raw;
  const endPoint = tlsServerEndPointHash(certDer)!;

  it("accepts gs2 flags 'n' and 'y' when -PLUS is not offered", () => {
    assert.deepEqual(login(exchange(), 'secret', { gs2: 'n,,' }), { ok: true });
    assert.deepEqual(login(exchange(), 'secret', { gs2: 'y,,' }), { ok: true });
  });

  it('offers SCRAM-SHA-256-PLUS with a certificate hash, and checks the binding data', () => {
    const ex = exchange({ tlsServerEndPoint: endPoint });
    assert.deepEqual(ex.mechanisms, ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
    assert.deepEqual(login(ex, 'secret', { gs2: 'p=tls-server-end-point,,', mechanism: 'SCRAM-SHA-256-PLUS', cbindData: endPoint }), { ok: true });
    assert.equal(login(exchange({ tlsServerEndPoint: endPoint }), 'wrong', { gs2: 'p=tls-server-end-point,,', mechanism: 'SCRAM-SHA-256-PLUS', cbindData: endPoint }).ok, false);
    throwsPg(
      () => login(exchange({ tlsServerEndPoint: endPoint }), 'secret', { gs2: 'p=tls-server-end-point,,', mechanism: 'SCRAM-SHA-256-PLUS', cbindData: Buffer.alloc(32) }),
      '28000',
      'SCRAM channel binding check failed',
    );
    // Plain SCRAM-SHA-256 with 'n' is still fine when -PLUS is offered.
    assert.deepEqual(login(exchange({ tlsServerEndPoint: endPoint }), 'secret', { gs2: 'n,,' }), { ok: true });
  });

  it("refuses 'y' when -PLUS was offered (downgrade), 'n' or 'y' with -PLUS, and other binding types", () => {
    throwsPg(
      () => exchange({ tlsServerEndPoint: endPoint }).clientFirst(Buffer.from('y,,n=,r=abc')),
      '08P01',
      'SCRAM channel binding negotiation error',
      'The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.',
    );
    throwsPg(
      () => exchange({ tlsServerEndPoint: endPoint }).clientFirst(Buffer.from('n,,n=,r=abc'), 'SCRAM-SHA-256-PLUS'),
      '08P01',
      'malformed SCRAM message',
      'The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.',
    );
    throwsPg(
      () => exchange({ tlsServerEndPoint: endPoint }).clientFirst(Buffer.from('p=tls-unique,,n=,r=abc'), 'SCRAM-SHA-256-PLUS'),
      '08P01',
      'unsupported SCRAM channel-binding type "tls-unique"',
    );
  });

  it('hashes certificates with their signature hash (SHA-256 for SHA-1), none for Ed25519', () => {
    const der = (pem: string) => new X509Certificate(pem).raw;
    const h = (algo: string, pem: string) => createHash(algo).update(der(pem)).digest();
    assert.deepEqual(tlsServerEndPointHash(der(RSA_SHA256_CERT)), h('sha256', RSA_SHA256_CERT));
    assert.deepEqual(tlsServerEndPointHash(der(EC_SHA384_CERT)), h('sha384', EC_SHA384_CERT));
    assert.deepEqual(tlsServerEndPointHash(der(RSA_SHA1_CERT)), h('sha256', RSA_SHA1_CERT));
    assert.deepEqual(tlsServerEndPointHash(der(RSA_PSS_SHA512_CERT)), h('sha512', RSA_PSS_SHA512_CERT));
    assert.equal(tlsServerEndPointHash(der(ED25519_CERT)), null);
    assert.equal(tlsServerEndPointHash(Buffer.from([0x30, 0x82, 0xff])), null);
    assert.equal(tlsServerEndPointHash(Buffer.alloc(0)), null);
  });
});

describe('SCRAM verifiers', () => {
  it('match what PostgreSQL 15 stores, byte for byte (same salt and iterations)', () => {
    for (const { role, password, verifier, why } of PG15_VERIFIERS) {
      const s = parseScramVerifier(verifier)!;
      assert.equal(createScramVerifier(password, { salt: s.salt, iterations: s.iterations }), verifier, `${role}: ${why}`);
    }
  });

  it('PostgreSQL 15 verifiers accept the right password and refuse a wrong one', () => {
    for (const { role, password, verifier } of PG15_VERIFIERS) {
      assert.deepEqual(login(new ScramExchange(verifier, { user: role }), password), { ok: true }, role);
      assert.equal(login(new ScramExchange(verifier, { user: role }), password + 'x').ok, false, role);
    }
  });

  it('have the pg_authid format, with a random 16-byte salt by default', () => {
    const v = createScramVerifier('pw');
    assert.match(v, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(createScramVerifier('pw'), v);
    assert.match(createScramVerifier('pw', { iterations: 10000 }), /^SCRAM-SHA-256\$10000:/);
    assert.throws(() => createScramVerifier(''), /empty string is not a valid password/);
    assert.throws(() => createScramVerifier('a\0b'), GatewayError);
    assert.throws(() => createScramVerifier('pw', { iterations: 0 }), GatewayError);
  });

  it('parse strictly', () => {
    const ok = PG15_VERIFIERS[0].verifier;
    assert.ok(parseScramVerifier(ok));
    for (const bad of [
      '',
      'md5abc',
      ok.replace('SCRAM-SHA-256$', 'SCRAM-SHA-1$'),
      ok.replace('$4096:', '$0:'),
      ok.replace('$4096:', '$-1:'),
      ok.replace('$4096:', '$4096x:'),
      ok.replace('uxG+', 'ux*+'),
      ok.slice(0, -2),
      ok + ':x',
    ]) {
      assert.equal(parseScramVerifier(bad), null, bad);
    }
  });

  it('verify cleartext passwords (for AuthenticationCleartextPassword)', async () => {
    for (const { password, verifier } of PG15_VERIFIERS.slice(0, 4)) {
      assert.equal(await verifyScramPassword(password, verifier), true);
      assert.equal(await verifyScramPassword(Buffer.from(password), verifier), true);
      assert.equal(await verifyScramPassword(password + ' ', verifier), false);
    }
    assert.equal(await verifyScramPassword('', PG15_VERIFIERS[0].verifier), false);
    assert.equal(await verifyScramPassword('y', 'md5xxx'), false);
  });
});

describe('SASLprep', () => {
  it('follows RFC 4013 section 3 examples, except where PostgreSQL differs', () => {
    assert.equal(saslprep('I\u00ADX'), 'IX');
    assert.equal(saslprep('user'), 'user');
    assert.equal(saslprep('USER'), 'USER');
    assert.equal(saslprep('\u00AA'), 'a');
    assert.equal(saslprep('\u2168'), 'IX');
    // RFC: error (prohibited). PostgreSQL: pure ASCII is returned as is.
    assert.equal(saslprep('\u0007'), '\u0007');
    assert.equal(saslprep('\u0627\u0031'), null); // bidi: RandALCat first but not last
  });

  it('maps spaces, drops B.1 characters, normalizes; refuses prohibited, unassigned and bidi-mixed input', () => {
    assert.equal(saslprep('a\u3000b\u200Bc'), 'a b c');
    assert.equal(saslprep('x\uFE0Fy\u200D'), 'xy');
    assert.equal(saslprep('\u00AD'), null);
    assert.equal(saslprep('ok\uE000'), null);
    assert.equal(saslprep('ok\u{E0001}'), null);
    assert.equal(saslprep('ok\u0221'), null); // unassigned in 3.2
    assert.equal(saslprep('\u05D0\u05D1'), '\u05D0\u05D1');
    assert.equal(saslprep('\u05D0a\u05D1'), null);
    assert.equal(saslprep('a\u0340'), null); // prohibited before NFKC (PostgreSQL), allowed after (RFC)
    assert.equal(saslprep('\ud800x'), null); // lone surrogate → U+FFFD, prohibited (C.6)
  });

  it('falls back to the raw bytes for prohibited input and invalid UTF-8', () => {
    assert.deepEqual(preparePassword('abc\uE000'), Buffer.from('abc\uE000'));
    assert.deepEqual(preparePassword(Buffer.from([0x61, 0xff, 0x62])), Buffer.from([0x61, 0xff, 0x62]));
    assert.deepEqual(preparePassword('\uFF50w'), Buffer.from('pw'));
  });
});
