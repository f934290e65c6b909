/**
 * The codec and SCRAM against a real client: node-postgres (`pg`) logs in to a small fake server on
 * loopback built only from the modules under test (reader, decoders, writer, ScramExchange), then runs
 * a simple and an extended-protocol query. The verifiers are ones PostgreSQL 15 stored (see scram.test.ts).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import pg from 'pg';
import { GatewayError, toGatewayError } from '../../../src/errors/index.ts';
import { BackendWriter, Prebuilt } from '../../../src/wire/backend-messages.ts';
import {
  decodeFrontendMessage,
  decodeSASLInitialResponse,
  decodeSASLResponse,
  decodeStartupPacket,
} from '../../../src/wire/frontend-messages.ts';
import { MessageReader } from '../../../src/wire/reader.ts';
import { ScramExchange, tlsServerEndPointHash } from '../../../src/wire/scram.ts';
import { EC_SHA384_CERT, EC_SHA384_KEY, RSA_SHA256_CERT, RSA_SHA256_KEY } from './tls-fixtures.ts';

const VERIFIERS: Record<string, string> = {
  // PostgreSQL 15: CREATE ROLE x LOGIN PASSWORD 'y'
  x: 'SCRAM-SHA-256$4096:uxG+A5JCowWPcen8+ThR2Q==$S1gtt8TG512syVHOP5vrM8hOMU76M4PGg09basdet+4=:p7SiUV81sIzQNVMbVOSYVnnKVsfOSsWNkg4Y2nL18WE=',
  // PostgreSQL 15: CREATE ROLE u4 LOGIN PASSWORD U&'e\0301te' (SASLprep composes it to 'éte'; pg does too)
  u4: 'SCRAM-SHA-256$4096:rZGMP6m79wNoCmhYAjAYXg==$912/ft4w6RM2J3U1Qkg2dxag30YP8ORD8JpLcrX5DzI=:hs999QICVsDJVjfYplGxmAosD7CuN5TMKEOP7zIHy+8=',
};

interface FakeServer {
  port: number;
  /** Mechanism and gs2 header of each SASLInitialResponse received. */
  logins: Array<{ mechanism: string; gs2: string }>;
  close(): Promise<void>;
}

async function startFakeServer(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeServer> {
  const logins: FakeServer['logins'] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let out: net.Socket | tls.TLSSocket = socket;
    const reader = new MessageReader();
    const w = new BackendWriter();
    let scram: ScramExchange | null = null;
    let endPoint: Buffer | undefined;
    let closed = false;
    const flush = () => {
      const b = w.flush();
      if (b.length > 0 && !closed) out.write(b);
    };
    const fatal = (e: GatewayError) => {
      w.errorResponse(e);
      flush();
      closed = true;
      out.end();
    };
    const onData = (chunk: Buffer) => {
      reader.push(chunk);
      for (let f = reader.next(); f !== null && !closed; f = reader.next()) {
        if (f.kind === 'error') return fatal(f.error);
        try {
          if (f.kind === 'startup') {
            const p = decodeStartupPacket(f);
            if (p.type === 'SSLRequest') {
              if (!opts.tls) {
                socket.write(Prebuilt.sslRefused);
                continue;
              }
              if (reader.buffered !== 0) return fatal(new GatewayError('PROTOCOL_VIOLATION', 'received unencrypted data after SSL request'));
              socket.removeListener('data', onData);
              socket.write(Prebuilt.sslAccepted);
              const secure = new tls.TLSSocket(socket, { isServer: true, key: opts.tls.key, cert: opts.tls.cert });
              secure.on('error', () => {});
              secure.on('data', onData);
              out = secure;
              endPoint = tlsServerEndPointHash(new X509Certificate(opts.tls.cert).raw) ?? undefined;
              return;
            }
            if (p.type !== 'StartupMessage') throw new GatewayError('PROTOCOL_VIOLATION', `unexpected ${p.type}`);
            reader.phase = 'typed';
            const user = p.parameters.user;
            scram = new ScramExchange(VERIFIERS[user] ?? null, { user, mockSecret: 'test-secret', tlsServerEndPoint: endPoint });
            w.authenticationSASL(scram.mechanisms);
          } else if (f.type === 0x70) {
            if (!scram) throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected password message');
            if (!scram.started) {
              const init = decodeSASLInitialResponse(f.body);
              if (init.data === null) throw new GatewayError('PROTOCOL_VIOLATION', 'malformed SCRAM message');
              logins.push({ mechanism: init.mechanism, gs2: init.data.toString('latin1').split(',').slice(0, 2).join(',') + ',' });
              w.authenticationSASLContinue(scram.clientFirst(init.data, init.mechanism));
            } else {
              const r = scram.clientFinal(decodeSASLResponse(f.body).data);
              if (!r.ok) return fatal(r.error);
              w.authenticationSASLFinal(r.serverFinal);
              w.authenticationOk();
              w.parameterStatus('server_version', '15.0');
              w.parameterStatus('client_encoding', 'UTF8');
              w.backendKeyData(42, 4242);
              w.readyForQuery('I');
            }
          } else {
            const m = decodeFrontendMessage(f.type, f.body);
            switch (m.type) {
              case 'Query':
                w.rowDescription([{ name: 'answer', typeOid: 23, typlen: 4 }]);
                w.dataRow(['42']);
                w.commandComplete('SELECT 1');
                w.readyForQuery('I');
                break;
              case 'Parse':
                w.parseComplete();
                break;
              case 'Bind':
                // Echo the parameters back as the row.
                pending = m.params.map((p) => (p === null ? null : p.toString('utf8')));
                w.bindComplete();
                break;
              case 'Describe':
                w.rowDescription(pending.map((_, i) => ({ name: `p${i + 1}`, typeOid: 25 })));
                break;
              case 'Execute':
                w.dataRow(pending);
                w.commandComplete('SELECT 1');
                break;
              case 'Sync':
                w.readyForQuery('I');
                break;
              case 'Terminate':
                closed = true;
                out.end();
                return;
              default:
                break;
            }
          }
        } catch (e) {
          const err = toGatewayError(e);
          if (err.severity === 'FATAL') return fatal(err);
          w.errorResponse(err);
        }
        flush();
      }
    };
    let pending: (string | null)[] = [];
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type ClientConfig = pg.ClientConfig & { enableChannelBinding?: boolean };

async function connect(port: number, config: Partial<ClientConfig>): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'db', ...config } as ClientConfig);
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function refused(port: number, config: Partial<ClientConfig>): Promise<{ code?: string; message: string; severity?: string }> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'db', ...config } as ClientConfig);
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    return e as { code?: string; message: string; severity?: string };
  } finally {
    await client.end().catch(() => {});
  }
  assert.fail('login should have been refused');
}

describe('pg client against the codec and ScramExchange (loopback)', () => {
  let server: FakeServer;
  before(async () => {
    server = await startFakeServer();
  });
  after(async () => {
    await server.close();
  });

  it('logs in with a PostgreSQL 15 verifier and runs simple and extended queries', async () => {
    const client = await connect(server.port, { user: 'x', password: 'y' });
    try {
      assert.deepEqual(server.logins.at(-1), { mechanism: 'SCRAM-SHA-256', gs2: 'n,,' });
      const simple = await client.query('SELECT 42');
      assert.deepEqual(simple.rows, [{ answer: 42 }]);
      const extended = await client.query('SELECT $1::text, $2::text, $3::text', ['héllo wörld ✓', null, '']);
      assert.deepEqual(extended.rows, [{ p1: 'héllo wörld ✓', p2: null, p3: '' }]);
    } finally {
      await client.end();
    }
  });

  it('logs in with a password that SASLprep changes', async () => {
    const client = await connect(server.port, { user: 'u4', password: 'e\u0301te' });
    await client.end();
  });

  it('refuses a wrong password with 28P01', async () => {
    const e = await refused(server.port, { user: 'x', password: 'z' });
    assert.equal(e.code, '28P01');
    assert.equal(e.severity, 'FATAL');
    assert.equal(e.message, 'password authentication failed for user "x"');
  });

  it('refuses an unknown user exactly like a wrong password', async () => {
    const e = await refused(server.port, { user: 'nobody', password: 'y' });
    assert.equal(e.code, '28P01');
    assert.equal(e.message, 'password authentication failed for user "nobody"');
  });

  it("accepts the 'y' flag from a client that supports channel binding over plain TCP", async () => {
    const client = await connect(server.port, { user: 'x', password: 'y', enableChannelBinding: true });
    assert.deepEqual(server.logins.at(-1), { mechanism: 'SCRAM-SHA-256', gs2: 'y,,' });
    await client.end();
  });
});

describe('pg client with TLS and SCRAM-SHA-256-PLUS (tls-server-end-point)', () => {
  for (const [label, key, cert] of [
    ['RSA, sha256WithRSAEncryption', RSA_SHA256_KEY, RSA_SHA256_CERT],
    ['P-256, ecdsa-with-SHA384', EC_SHA384_KEY, EC_SHA384_CERT],
  ] as const) {
    it(`binds the exchange to the server certificate (${label})`, async () => {
      const server = await startFakeServer({ tls: { key, cert } });
      try {
        const client = await connect(server.port, { user: 'x', password: 'y', ssl: { rejectUnauthorized: false }, enableChannelBinding: true });
        assert.deepEqual(server.logins.at(-1), { mechanism: 'SCRAM-SHA-256-PLUS', gs2: 'p=tls-server-end-point,,' });
        assert.deepEqual((await client.query('SELECT 1')).rows, [{ answer: 42 }]);
        await client.end();

        const e = await refused(server.port, { user: 'x', password: 'nope', ssl: { rejectUnauthorized: false }, enableChannelBinding: true });
        assert.equal(e.code, '28P01');

        // A client that does not do channel binding still gets in with plain SCRAM-SHA-256 over TLS.
        const plain = await connect(server.port, { user: 'x', password: 'y', ssl: { rejectUnauthorized: false } });
        assert.deepEqual(server.logins.at(-1), { mechanism: 'SCRAM-SHA-256', gs2: 'n,,' });
        await plain.end();
      } finally {
        await server.close();
      }
    });
  }
});
