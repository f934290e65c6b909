/**
 * End-to-end through `tollgate serve` (the npm start path): TLS when a certificate is configured,
 * graceful shutdown, and hostile bytes that must never take the process or other sessions down.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import YAML from 'yaml';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { runOk, run } from '../helpers/proc.ts';
import { RSA_SHA256_CERT, RSA_SHA256_KEY } from '../unit/wire/tls-fixtures.ts';

const ALICE = 'SCRAM-SHA-256$4096:JMR+vVQSXYY4Au99XZb5KQ==$j6FIJB6EE7QMvPFsIowALSvqr/0WjikZr5/KhRXvAM4=:MO2kqfm3T7nUoGjUKjJ8TUFv/0ivaQ1jJrvpT7MEZTY=';

async function writeConfig(dir: string, server: Record<string, unknown>): Promise<string> {
  const file = join(dir, 'tollgate.yaml');
  await writeFile(
    file,
    YAML.stringify({
      server: { database: 'tollgate', ...server },
      engines: [{ name: 'duckdb', kind: 'duckdb', tables: [] }],
      teams: [{ name: 'growth' }],
      users: [{ name: 'alice', team: 'growth', password: { scram: ALICE } }],
    }),
  );
  return file;
}

/** Raw protocol bytes: a StartupMessage for alice. */
function startupMessage(): Buffer {
  const body = Buffer.from('user\0alice\0database\0tollgate\0\0');
  const b = Buffer.alloc(8 + body.length);
  b.writeInt32BE(8 + body.length, 0);
  b.writeInt32BE(196608, 4);
  body.copy(b, 8);
  return b;
}

/** Sends bytes on a fresh connection and collects what comes back until the server closes or `ms` pass. */
function exchange(port: number, chunks: Buffer[], ms = 3000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let closed = false;
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(got), closed });
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => got.push(d));
    sock.on('close', () => {
      closed = true;
      done();
    });
    sock.on('error', () => {});
    sock.on('connect', () => {
      for (const c of chunks) sock.write(c);
    });
  });
}

/** SQLSTATEs of the ErrorResponses in a backend byte stream. */
function errorCodes(data: Buffer): string[] {
  const codes: string[] = [];
  let i = 0;
  while (i + 5 <= data.length) {
    const type = String.fromCharCode(data[i]!);
    const len = data.readInt32BE(i + 1);
    if (type === 'E') {
      const body = data.subarray(i + 5, i + 1 + len).toString('utf8');
      const m = /\0?C([0-9A-Z]{5})\0/.exec('\0' + body);
      if (m) codes.push(m[1]!);
    }
    if (type === 'N' && i === 0 && len > 1000) break;
    i += 1 + len;
  }
  return codes;
}

async function selectOne(port: number, ssl: pg.ClientConfig['ssl'] = false): Promise<{ value: unknown; encrypted: boolean }> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: 'alice', database: 'tollgate', ssl });
  await client.connect();
  try {
    const r = await client.query('select 42 as answer');
    const stream = (client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
    return { value: r.rows[0].answer, encrypted: stream.encrypted === true };
  } finally {
    await client.end();
  }
}

describe('tollgate serve: TLS', () => {
  let dir: string;
  let gw: Gateway;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-tls-'));
    await chmod(dir, 0o711); // the embedded PostgreSQL's OS user must reach the data dir inside
    await writeFile(join(dir, 'server.crt'), RSA_SHA256_CERT);
    await writeFile(join(dir, 'server.key'), RSA_SHA256_KEY, { mode: 0o600 });
    gw = await startGateway({ config: await writeConfig(dir, { tls: { cert: 'server.crt', key: 'server.key' } }), dataDir: join(dir, 'data') });
  });
  after(async () => {
    await gw?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers SSLRequest with TLS when a certificate is configured (node pg)', async () => {
    const r = await selectOne(gw.port, { rejectUnauthorized: false });
    assert.equal(r.value, 42);
    assert.equal(r.encrypted, true);
  });

  it('still serves clients that do not ask for TLS', async () => {
    const r = await selectOne(gw.port, false);
    assert.equal(r.value, 42);
    assert.equal(r.encrypted, false);
  });

  it('psql with sslmode=require gets an encrypted session', async () => {
    const env = { ...gw.libpqEnv('alice'), PGSSLMODE: 'require' };
    const r = await runOk('psql', ['-X', '-A', '-t', '-c', 'select 1'], { env });
    assert.equal(r.stdout.trim(), '1');
    const info = await runOk('psql', ['-X', '-c', '\\conninfo'], { env });
    assert.match(info.stdout, /SSL connection/);
  });

  it('binds SCRAM to the TLS channel (SCRAM-SHA-256-PLUS) when the client requires it', async () => {
    const env = { ...gw.libpqEnv('alice'), PGSSLMODE: 'require', PGCHANNELBINDING: 'require' };
    const r = await runOk('psql', ['-X', '-A', '-t', '-c', 'select 2'], { env });
    assert.equal(r.stdout.trim(), '2');
    const wrong = await run('psql', ['-X', '-A', '-t', '-c', 'select 2'], { env: { ...env, PGPASSWORD: 'nope' } });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /password authentication failed/);
  });
});

describe('tollgate serve: hostile input and shutdown', () => {
  let dir: string;
  let gw: Gateway;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-e2e-'));
    await chmod(dir, 0o711);
    gw = await startGateway({ config: await writeConfig(dir, { shutdownGraceMs: 1500 }), dataDir: join(dir, 'data') });
  });
  after(async () => {
    await gw?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers SSLRequest with N when no certificate is configured', async () => {
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const r = await exchange(gw.port, [ssl], 500);
    assert.equal(r.data.toString('latin1', 0, 1), 'N');
  });

  it('refuses a 2 GiB startup length at once, with 08P01, and closes', async () => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(0x80000000, 0);
    b.writeInt32BE(196608, 4);
    const r = await exchange(gw.port, [b]);
    assert.equal(r.closed, true);
    assert.deepEqual(errorCodes(r.data), ['08P01']);
  });

  it('refuses an unknown protocol version with 0A000', async () => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(8, 0);
    b.writeInt32BE(2 << 16, 4);
    const r = await exchange(gw.port, [b]);
    assert.deepEqual(errorCodes(r.data), ['0A000']);
  });

  it('survives random bytes, and other sessions never notice', async () => {
    const bystander = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'alice', database: 'tollgate' });
    await bystander.connect();
    try {
      let seed = 7;
      const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let n = 0; n < 40; n++) {
        const junk = Buffer.alloc(1 + Math.floor(rand() * 200));
        for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
        await exchange(gw.port, n % 2 === 0 ? [junk] : [startupMessage(), junk], 300);
        const r = await bystander.query('select $1::int as n', [n]);
        assert.equal(r.rows[0].n, n);
      }
    } finally {
      await bystander.end();
    }
  });

  it('refuses a 2 GiB message length after startup without waiting for the bytes', async () => {
    const huge = Buffer.alloc(5);
    huge.write('Q', 0, 'latin1');
    huge.writeUInt32BE(0x7fffffff, 1);
    const r = await exchange(gw.port, [startupMessage(), huge]);
    // Authentication has not happened, so the server may answer the SASL request first; what matters is
    // that the connection ends promptly with a protocol error and nothing else breaks.
    assert.equal(r.closed, true);
  });

  it('reports invalid UTF-8 in a query as 22021 and keeps the session usable', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'alice', database: 'tollgate' });
    await client.connect();
    try {
      const conn = (client as unknown as { connection: NodeJS.EventEmitter & { stream: net.Socket } }).connection;
      client.on('error', () => {});
      const body = Buffer.concat([Buffer.from('select '), Buffer.from([0xc3, 0x28]), Buffer.from([0])]);
      const header = Buffer.alloc(5);
      header.write('Q', 0, 'latin1');
      header.writeInt32BE(4 + body.length, 1);
      const errorSeen = new Promise<string>((resolve) => conn.once('errorMessage', (m: { code: string }) => resolve(m.code)));
      conn.stream.write(Buffer.concat([header, body]));
      const ready = new Promise<string>((resolve) => conn.once('readyForQuery', (m: { status: string }) => resolve(m.status)));
      assert.equal(await errorSeen, '22021');
      // The server goes on with ReadyForQuery (node-pg itself gives up on an error it did not ask for).
      assert.equal(await ready, 'I');
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => {});
    }
  });

  it('refuses a wrong password with 28P01 and an unknown database with 3D000', async () => {
    const bad = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'nope', database: 'tollgate' });
    await assert.rejects(bad.connect(), (e: Error & { code?: string }) => e.code === '28P01');
    const nodb = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'alice', database: 'other' });
    await assert.rejects(nodb.connect(), (e: Error & { code?: string }) => e.code === '3D000');
    const ghost = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'ghost', password: 'x', database: 'tollgate' });
    await assert.rejects(ghost.connect(), (e: Error & { code?: string }) => e.code === '28P01');
  });

  it('on SIGTERM: running queries get the grace period, then 57P01; idle sessions get 57P01; exit 0', async () => {
    const idle = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'alice', database: 'tollgate' });
    const busy = new pg.Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password: 'alice', database: 'tollgate' });
    await idle.connect();
    await busy.connect();
    const idleError = new Promise<string>((resolve) => idle.on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message)));
    busy.on('error', () => {});
    const longQuery = busy.query('select count(*) from range(1000000000000) a').then(
      () => 'finished',
      (e: Error & { code?: string }) => e.code ?? e.message,
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await gw.stop();
    if (gw.exitCode() !== 0) assert.fail(gw.output().slice(-3000));
    const elapsed = Date.now() - started;
    assert.equal(gw.exitCode(), 0);
    assert.deepEqual([await idleError, await longQuery], ['57P01', '57P01']);
    assert.ok(elapsed >= 1000, `stopped after ${elapsed} ms, before the 1.5 s grace period`);
    const after = await run('psql', ['-X', '-c', 'select 1'], { env: gw.libpqEnv('alice') });
    assert.notEqual(after.code, 0);
  });
});
