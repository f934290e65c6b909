/** Shared helpers for the wire unit tests: a seeded PRNG, raw message builders, a transcript, a served fake session. */
import pg from 'pg';
import { serialize } from 'pg-protocol';
import pino from 'pino';
import { PgServer } from '../../../src/wire/index.ts';
import type { BackendSession, GatewayBackend } from '../../../src/wire/backend.ts';
import { createScramVerifier } from '../../../src/wire/password.ts';

/** mulberry32: a small deterministic PRNG, so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const cstr = (s: string): Buffer => Buffer.from(s + '\0', 'utf8');

/** A typed message (type byte + self-inclusive length + body), or an untyped one when type is null. */
export function frame(type: string | null, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return type === null ? Buffer.concat([u32(body.length + 4), body]) : Buffer.concat([Buffer.from(type, 'latin1'), u32(body.length + 4), body]);
}

/** A realistic client → server byte stream: SSLRequest, startup, SCRAM, simple and extended queries, COPY, Terminate. */
export function sessionTranscript(): Buffer {
  return Buffer.concat([
    serialize.requestSsl(),
    serialize.startup({ user: 'alice', database: 'sales', application_name: 'Métabase', client_encoding: 'UTF8', options: '-c search_path=x' }),
    serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=*,r=rOprNGfwEbeRWgbNEkqO'),
    serialize.sendSCRAMClientFinalMessage('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    serialize.query("SELECT 1; SELECT 'é', '日本'"),
    serialize.query(''),
    serialize.parse({ name: 's1', text: 'SELECT $1::int4, $2::text, $3::bytea', types: [23, 25, 17] }),
    serialize.describe({ type: 'S', name: 's1' }),
    serialize.bind({ statement: 's1', portal: 'p1', values: ['42', null, Buffer.from([0, 1, 2, 255])], binary: true }),
    serialize.describe({ type: 'P', name: 'p1' }),
    serialize.execute({ portal: 'p1', rows: 100 }),
    serialize.flush(),
    serialize.sync(),
    serialize.parse({ text: 'SELECT now()' }),
    serialize.bind({}),
    serialize.execute({}),
    serialize.close({ type: 'S', name: 's1' }),
    serialize.close({ type: 'P', name: '' }),
    serialize.sync(),
    serialize.copyData(Buffer.from('1\tone\n2\ttwo\n')),
    serialize.copyDone(),
    serialize.copyFail('client gave up'),
    frame('F', u32(1598), i16(1), i16(1), i16(2), i32(4), i32(7), i32(-1), i16(1)),
    serialize.end(),
  ]);
}

const FAKE_PASSWORD = 'secret';
const FAKE_VERIFIER = createScramVerifier(FAKE_PASSWORD, { iterations: 16 });

/**
 * tollgate's protocol server in front of `session` (every user signs in with the password 'secret'),
 * with a connected node-postgres client; stop() ends both.
 */
export async function serveFakeSession(session: BackendSession): Promise<{ server: PgServer; port: number; client: pg.Client; stop(): Promise<void> }> {
  const backend: GatewayBackend = {
    credentials: async (user) => ({ name: user, scramVerifier: FAKE_VERIFIER, allowCleartext: false }),
    openSession: async () => session,
  };
  const server = new PgServer({ backend, logger: pino({ level: 'silent' }), maxConnections: 10 });
  const { port } = await server.listen(0, '127.0.0.1');
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: FAKE_PASSWORD, database: 'db' });
  await client.connect();
  return {
    server,
    port,
    client,
    stop: async () => {
      await client.end();
      await server.close(0);
    },
  };
}
