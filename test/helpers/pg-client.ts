import { connect } from 'node:net';
import pg from 'pg';
import type { Target } from './target.ts';

/** A connected node-postgres client; end() it (or use withClient). */
export async function connectClient(target: Target, user = 'alice', extra: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...target.clientConfig(user), ...extra });
  await client.connect();
  return client;
}

export async function withClient<T>(target: Target, fn: (c: pg.Client) => Promise<T>, user = 'alice'): Promise<T> {
  const client = await connectClient(target, user);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Connect, expect the connection to fail, and return the error. */
export async function connectError(config: pg.ClientConfig): Promise<Error & { code?: string }> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    return err as Error & { code?: string };
  }
  await client.end();
  throw new Error('connection unexpectedly succeeded');
}

/** Run a query that must fail and return its DatabaseError. */
export async function queryError(client: pg.Client, query: string | pg.QueryConfig, values?: unknown[]): Promise<pg.DatabaseError> {
  try {
    await client.query(query as pg.QueryConfig, values);
  } catch (err) {
    if (err instanceof pg.DatabaseError) return err;
    throw err;
  }
  throw new Error(`query unexpectedly succeeded: ${typeof query === 'string' ? query : query.text}`);
}

/**
 * The internal protocol connection of a pg.Client. node-postgres emits every backend message on it by name
 * ('readyForQuery' with .status, 'parameterStatus', 'authenticationSASL', ...); stable since pg 8.0.
 */
export function protocolEvents(client: pg.Client): NodeJS.EventEmitter {
  return (client as unknown as { connection: NodeJS.EventEmitter }).connection;
}

/** The BackendKeyData a client received (node-postgres keeps it as processID / secretKey). */
export function backendKey(client: pg.Client): { processID: number; secretKey: number } {
  const c = client as unknown as { processID: number | null; secretKey: number | null };
  if (c.processID === null || c.secretKey === null) throw new Error('no BackendKeyData received');
  return { processID: c.processID, secretKey: c.secretKey };
}

/**
 * Send a CancelRequest (length 16, code 80877102, pid, key) on a new connection, as libpq's PQcancel and
 * node-postgres's Client#cancel do, and wait for the server to close it.
 */
export function sendCancelRequest(host: string, port: number, processID: number, secretKey: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, host, () => {
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(80877102, 4);
      msg.writeInt32BE(processID, 8);
      msg.writeInt32BE(secretKey, 12);
      sock.end(msg);
    });
    sock.setTimeout(5_000, () => sock.destroy(new Error('CancelRequest: server did not close the connection')));
    sock.on('data', () => {}); // the server sends nothing back; drain anyway
    sock.once('error', reject);
    sock.once('close', () => resolve());
  });
}

/** Type parsers that return every value as sent: a string in text format, a Buffer in binary format. */
export const RAW_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string | Buffer) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * node-postgres asks for binary results per query with `binary: true`, which only applies to the extended
 * protocol: `queryMode: 'extended'` forces it even without parameters. Its typings lack both flags.
 * Caution: pg-protocol decodes every DataRow field as UTF-8 text, even binary ones, so the values node-postgres
 * hands back for binary columns are corrupted as soon as a byte is >= 0x80. Use tapBackend() for the bytes.
 */
type BinaryFlags = { binary: true; queryMode: 'extended' };
export type BinaryArrayQueryConfig = pg.QueryArrayConfig & BinaryFlags;

export interface BackendMessage {
  /** Message type byte as a character: 'T' RowDescription, 'D' DataRow, 'C' CommandComplete, 'Z' ReadyForQuery, ... */
  type: string;
  body: Buffer;
}

/**
 * Record every backend message a connected client receives, as raw bytes, by listening on its socket next to
 * node-postgres (which keeps working as usual). Call after connect(); messages() returns those seen since.
 */
export function tapBackend(client: pg.Client): { messages(): BackendMessage[]; clear(): void } {
  const stream = (protocolEvents(client) as unknown as { stream: NodeJS.ReadableStream }).stream;
  let pending: Buffer = Buffer.alloc(0);
  let seen: BackendMessage[] = [];
  stream.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const len = pending.readInt32BE(1);
      if (pending.length < 1 + len) break;
      seen.push({ type: String.fromCharCode(pending[0]), body: pending.subarray(5, 1 + len) });
      pending = pending.subarray(1 + len);
    }
  });
  return {
    messages: () => seen,
    clear: () => {
      seen = [];
    },
  };
}

/** The fields of a DataRow message body: raw bytes, or null for SQL NULL. */
export function dataRowFields(body: Buffer): (Buffer | null)[] {
  const n = body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let off = 2;
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(off);
    off += 4;
    if (len === -1) {
      out.push(null);
    } else {
      out.push(Buffer.from(body.subarray(off, off + len)));
      off += len;
    }
  }
  return out;
}

/** Name, type OID and format code (0 text, 1 binary) of each RowDescription field. */
export function rowDescription(body: Buffer): { name: string; oid: number; format: number }[] {
  const n = body.readInt16BE(0);
  const out: { name: string; oid: number; format: number }[] = [];
  let off = 2;
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, off);
    const name = body.toString('utf8', off, end);
    off = end + 1;
    const oid = body.readInt32BE(off + 6);
    const format = body.readInt16BE(off + 16);
    off += 18;
    out.push({ name, oid, format });
  }
  return out;
}
