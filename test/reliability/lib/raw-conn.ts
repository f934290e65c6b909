import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';

/** One backend message as received. */
export interface BackendMessage {
  type: string;
  body: Buffer;
}

/** SQLSTATE of an ErrorResponse / NoticeResponse body ('' when the C field is missing). */
export function sqlstateOf(body: Buffer): string {
  for (const f of body.toString('utf8').split('\0')) if (f.startsWith('C')) return f.slice(1);
  return '';
}

export function messageOf(body: Buffer): string {
  for (const f of body.toString('utf8').split('\0')) if (f.startsWith('M')) return f.slice(1);
  return '';
}

/**
 * A raw protocol connection: writes whatever bytes it is given, parses what comes back into messages
 * (single-byte answers to SSLRequest/GSSENCRequest are read as type 'N'/'S' with no body when expected),
 * and tells when the server closed. Used to send hostile input that no driver would produce.
 */
export class RawConn {
  readonly messages: BackendMessage[] = [];
  closed = false;
  /** Set when the server sent something the parser could not frame (bad length): a protocol bug. */
  garbled: string | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  /** Single-byte answers expected next (one per SSLRequest/GSSENCRequest sent before startup). */
  singleByteAnswers = 0;
  lastActivity = Date.now();

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      sock.setNoDelay(true);
      const conn = new RawConn(sock);
      sock.once('connect', () => resolve(conn));
      sock.once('error', reject);
    });
  }

  write(b: Buffer): void {
    if (!this.sock.destroyed && this.sock.writable) this.sock.write(b);
  }

  /** Half-close: the server sees EOF and must end the connection. */
  endWrite(): void {
    if (!this.sock.destroyed) this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.lastActivity = Date.now();
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.singleByteAnswers > 0 && this.buf.length >= 1 && (this.buf[0] === 0x4e || this.buf[0] === 0x53)) {
        this.singleByteAnswers--;
        this.messages.push({ type: String.fromCharCode(this.buf[0]!), body: Buffer.alloc(0) });
        this.buf = this.buf.subarray(1);
        continue;
      }
      if (this.buf.length < 5) break;
      const len = this.buf.readInt32BE(1);
      if (len < 4 || len > 64 * 1024 * 1024) {
        this.garbled ??= `bad backend length ${len} for type 0x${this.buf[0]!.toString(16)}`;
        this.buf = Buffer.alloc(0);
        break;
      }
      if (this.buf.length < 1 + len) break;
      this.messages.push({ type: String.fromCharCode(this.buf[0]!), body: Buffer.from(this.buf.subarray(5, 1 + len)) });
      this.buf = this.buf.subarray(1 + len);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until pred() holds or the connection closes or ms pass; returns pred()'s final value. */
  async until(pred: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!pred() && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return pred();
  }

  /** Index of the first message of this type at or after `from`, or -1. */
  find(type: string, from = 0): number {
    for (let i = from; i < this.messages.length; i++) if (this.messages[i]!.type === type) return i;
    return -1;
  }
}

// --- Building frontend messages ---------------------------------------------------------------------

export const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
};
export const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(((n + 32768) & 0xffff) - 32768);
  return b;
};
export const cstr = (s: string | Buffer): Buffer => Buffer.concat([typeof s === 'string' ? Buffer.from(s, 'utf8') : s, Buffer.from([0])]);

/** Type byte + self-inclusive length + body. */
export function typed(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body]);
}

/** Length + body (startup-phase packets). */
export function untyped(body: Buffer): Buffer {
  return Buffer.concat([int32(body.length + 4), body]);
}

export function startupPacket(params: Record<string, string>, version = 196608): Buffer {
  const parts: Buffer[] = [int32(version)];
  for (const [k, v] of Object.entries(params)) parts.push(cstr(k), cstr(v));
  parts.push(Buffer.from([0]));
  return untyped(Buffer.concat(parts));
}

// --- SCRAM-SHA-256 client (RFC 5802/7677), enough to log in over a raw connection --------------------

const saltedCache = new Map<string, Buffer>();

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Startup + SCRAM-SHA-256 as `user` over a fresh raw connection; resolves once ReadyForQuery arrives.
 * Throws with what the server said if it refused.
 */
export async function login(port: number, user: string, password: string, timeoutMs = 30_000): Promise<RawConn> {
  const conn = await RawConn.connect(port);
  conn.write(startupPacket({ user, database: 'tollgate', application_name: 'reliability-fuzz' }));
  const fail = (what: string): never => {
    conn.destroy();
    const e = conn.find('E');
    throw new Error(`login as ${user}: ${what}${e >= 0 ? `: ${sqlstateOf(conn.messages[e]!.body)} ${messageOf(conn.messages[e]!.body)}` : ''}`);
  };
  if (!(await conn.until(() => conn.find('R') >= 0, timeoutMs))) fail('no authentication request');
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=,r=${nonce}`;
  const mech = Buffer.from('SCRAM-SHA-256');
  const first = Buffer.from(`n,,${clientFirstBare}`);
  conn.write(typed('p', Buffer.concat([cstr(mech), int32(first.length), first])));
  const r1 = conn.messages.length;
  if (!(await conn.until(() => conn.find('R', r1) >= 0, timeoutMs))) fail('no SASLContinue');
  const cont = conn.messages[conn.find('R', r1)]!.body;
  if (cont.readInt32BE(0) !== 11) fail(`unexpected auth message ${cont.readInt32BE(0)}`);
  const serverFirst = cont.subarray(4).toString('utf8');
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  const salt = Buffer.from(attrs.s!, 'base64');
  const iterations = Number(attrs.i);
  const cacheKey = `${password}\0${attrs.s}\0${iterations}`;
  let salted = saltedCache.get(cacheKey);
  if (!salted) {
    salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
    saltedCache.set(cacheKey, salted);
  }
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const finalNoProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalNoProof}`;
  const sig = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) proof[i] = clientKey[i]! ^ sig[i]!;
  conn.write(typed('p', Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`)));
  const r2 = conn.messages.length;
  if (!(await conn.until(() => conn.find('Z', r2) >= 0, timeoutMs))) fail('not ready after SCRAM');
  return conn;
}
