/**
 * One HiveServer2 connection: a TCP (or TLS) socket, the authentication Impala's HS2 port expects,
 * and the TCLIService client on top, with every call a promise that settles exactly once.
 *
 * Authentication, as Impala's own (C++) TSaslServerTransport does it:
 *   - SASL PLAIN (Impala with LDAP or a custom PLAIN backend): the client sends START "PLAIN", then OK
 *     with "\0user\0password"; each message is a status byte (START 1, OK 2, BAD 3, ERROR 4,
 *     COMPLETE 5) and a 4-byte big-endian length. The server answers COMPLETE; from then on every
 *     Thrift message travels in a frame (4-byte length + payload). A wrong user name or password makes
 *     Impala close the connection without a word (its log says why); Hive and other HS2 servers send
 *     BAD or ERROR with a message. Both are 28P01; a server that does not offer PLAIN answers BAD
 *     "Unsupported mechanism type PLAIN" (28000).
 *   - NOSASL (Impala with no authentication): plain Thrift binary protocol, unframed.
 *
 * Faults never escape as uncaught exceptions: the socket and thrift's Connection both have 'error'
 * listeners, the frame receivers report bad input instead of throwing (thrift.ts), and thrift's
 * Connection — which forgets pending calls when the socket closes — is backed by our own table of
 * pending calls, rejected with ConnectionLostError when the connection ends for any reason.
 */
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { ConnectionLostError, authError, unavailableError } from './errors.ts';
import {
  bufferedTransport,
  framedTransport,
  thrift,
  TCLIService,
  type RpcName,
  type Rpcs,
  type TCLIServiceClient,
  type ThriftConnection,
} from './thrift.ts';

export interface Endpoint {
  /** The engine's name, for messages. */
  engine: string;
  host: string;
  port: number;
  auth: 'plain' | 'nosasl';
  user: string;
  /** For 'plain'; never logged. */
  password: string;
  /** TLS options (node's), or false for plain TCP. */
  tls: false | ConnectionOptions;
  connectTimeoutMs: number;
}

const SASL_START = 1;
const SASL_OK = 2;
const SASL_BAD = 3;
const SASL_ERROR = 4;
const SASL_COMPLETE = 5;

function saslMessage(status: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = status;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Opens the socket; rejects with 08006 when it cannot be opened within the timeout. */
function openSocket(ep: Endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = ep.tls
      ? tls.connect({ ...ep.tls, host: ep.host, port: ep.port, ...(ep.tls.servername === undefined && !net.isIP(ep.host) && { servername: ep.host }) })
      : net.connect({ host: ep.host, port: ep.port });
    const event = ep.tls ? 'secureConnect' : 'connect';
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(unavailableError(ep.engine, e, 'connecting'));
    };
    const timer = setTimeout(() => fail(new Error(`no connection to ${ep.host}:${ep.port} within ${ep.connectTimeoutMs} ms`)), ep.connectTimeoutMs);
    timer.unref?.();
    socket.once('error', fail);
    socket.once('close', () => fail(new Error('the connection closed while opening')));
    socket.once(event, () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('error', fail);
      socket.removeAllListeners('close');
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    });
  });
}

/** SASL PLAIN on a fresh socket; resolves once the server said COMPLETE. */
function saslPlain(socket: net.Socket, ep: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    let received: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (err !== undefined) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 5) return;
      const status = received[0]!;
      const length = received.readUInt32BE(1);
      if (status < SASL_START || status > SASL_COMPLETE || length > 65536) {
        finish(unavailableError(ep.engine, new Error(`the server's answer is not SASL (first byte ${status}); is the engine configured for auth: nosasl?`), 'connecting'));
        return;
      }
      if (received.length < 5 + length) return;
      const payload = received.subarray(5, 5 + length).toString('utf8');
      if (received.length > 5 + length) {
        finish(unavailableError(ep.engine, new Error('the server sent data after the SASL handshake before any request'), 'connecting'));
        return;
      }
      if (status === SASL_COMPLETE) finish();
      else if (status === SASL_BAD || status === SASL_ERROR) {
        finish(/Unsupported mechanism/i.test(payload) ? authError(ep.engine, ep.user, 'mechanism', payload) : authError(ep.engine, ep.user, 'rejected', payload || undefined));
      } else {
        // PLAIN has no challenge: an OK (or a START) from the server is a protocol the connector does not speak.
        finish(unavailableError(ep.engine, new Error(`unexpected SASL status ${status} from the server during PLAIN authentication`), 'connecting'));
      }
    };
    const onError = (e: Error): void => finish(unavailableError(ep.engine, e, 'connecting'));
    // Impala closes the connection when the credentials are wrong.
    const onClose = (): void => finish(authError(ep.engine, ep.user, 'closed'));
    const timer = setTimeout(
      () =>
        finish(
          unavailableError(
            ep.engine,
            new Error(`no answer to SASL authentication within ${ep.connectTimeoutMs} ms (a server configured without authentication waits silently: try auth: nosasl)`),
            'connecting',
          ),
        ),
      ep.connectTimeoutMs,
    );
    timer.unref?.();
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(saslMessage(SASL_START, Buffer.from('PLAIN')));
    socket.write(saslMessage(SASL_OK, Buffer.concat([Buffer.from([0]), Buffer.from(ep.user, 'utf8'), Buffer.from([0]), Buffer.from(ep.password, 'utf8')])));
  });
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/**
 * A connected, authenticated HS2 connection. `call()` runs one RPC; calls may overlap (thrift matches
 * replies by sequence id), but Impala serves one connection's calls one after another.
 */
export class Hs2Connection {
  private readonly pending = new Set<Pending>();
  private lost: ConnectionLostError | null = null;
  private readonly closeListeners: Array<(e: ConnectionLostError) => void> = [];

  private constructor(
    readonly endpoint: Endpoint,
    private readonly socket: net.Socket,
    private readonly connection: ThriftConnection,
    private readonly client: TCLIServiceClient,
  ) {}

  /** Connects and authenticates; rejects with a GatewayError (08006, 28P01, 28000). */
  static async open(ep: Endpoint): Promise<Hs2Connection> {
    const socket = await openSocket(ep);
    // Until thrift's Connection listens, a socket error must not be unhandled.
    const early = (): void => {};
    socket.on('error', early);
    try {
      if (ep.auth === 'plain') await saslPlain(socket, ep);
    } catch (e) {
      socket.destroy();
      throw e;
    }
    let self: Hs2Connection | null = null;
    const fault = (err: Error): void => {
      if (self) self.fail(new ConnectionLostError(`protocol error: ${err.message}`, { cause: err }));
      else socket.destroy(err);
    };
    const transport = ep.auth === 'plain' ? framedTransport(fault) : bufferedTransport(fault);
    const connection = new thrift.Connection(socket, { transport, protocol: thrift.TBinaryProtocol });
    // thrift's Connection sets this on the socket's 'connect', which has already happened.
    connection.connected = true;
    const client = thrift.createClient<TCLIServiceClient>(TCLIService, connection);
    self = new Hs2Connection(ep, socket, connection, client);
    const conn = self;
    socket.removeListener('error', early);
    socket.on('error', (e) => conn.fail(new ConnectionLostError(e.message, { cause: e })));
    socket.on('close', () => conn.fail(new ConnectionLostError('the server closed the connection')));
    socket.on('end', () => conn.fail(new ConnectionLostError('the server closed the connection')));
    // Errors thrift raises while reading replies (undecodable message, unknown method).
    connection.on('error', (e) => conn.fail(new ConnectionLostError(`protocol error: ${e.message}`, { cause: e })));
    return self;
  }

  /** Why the connection ended, if it did. */
  get broken(): ConnectionLostError | null {
    return this.lost;
  }

  onLost(listener: (e: ConnectionLostError) => void): void {
    if (this.lost) listener(this.lost);
    else this.closeListeners.push(listener);
  }

  /** One RPC. Rejects with ConnectionLostError when the connection ends before the reply. */
  call<N extends RpcName>(name: N, req: Rpcs[N][0]): Promise<Rpcs[N][1]> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<Rpcs[N][1]>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject };
      this.pending.add(entry);
      const done = (err: unknown, result?: unknown): void => {
        if (!this.pending.delete(entry)) return;
        if (err !== null && err !== undefined) reject(typeof err === 'string' ? new ConnectionLostError(err) : err);
        else if (result === undefined || result === null) reject(new ConnectionLostError(`${name}: empty reply`));
        else resolve(result as Rpcs[N][1]);
      };
      try {
        const method = this.client[name] as unknown as (req: unknown, cb: (err: unknown, result?: unknown) => void) => void;
        method.call(this.client, req, done);
      } catch (e) {
        this.pending.delete(entry);
        reject(e);
      }
    });
  }

  private fail(e: ConnectionLostError): void {
    if (this.lost) return;
    this.lost = e;
    for (const p of this.pending) p.reject(e);
    this.pending.clear();
    for (const l of this.closeListeners.splice(0)) {
      try {
        l(e);
      } catch {
        // a listener's fault must not break the others
      }
    }
    this.socket.destroy();
  }

  /** Closes the socket (no RPC). Idempotent. */
  destroy(reason = 'closed by the connector'): void {
    this.fail(new ConnectionLostError(reason));
  }
}
