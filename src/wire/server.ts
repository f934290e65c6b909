import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { GatewayBackend } from './backend.ts';
import { tlsServerEndPointHash } from './scram.ts';
import { WireSession, type Transport } from './session.ts';
import { WireSignInLimiter } from './sign-in-limiter.ts';

/** Bytes a session may have queued on its socket before it waits for the client to read. */
const SOCKET_BUFFER_LIMIT = 1024 * 1024;

export interface PgServerOptions {
  backend: GatewayBackend;
  logger: Logger;
  maxConnections: number;
  tls?: { cert: string; key: string };
  /** Failed sign-ins per (user, address); default 5 a minute per pair. */
  signInLimiter?: WireSignInLimiter;
  /** How long a client may take to authenticate (default 60 s, PostgreSQL's authentication_timeout). */
  authenticationTimeoutMs?: number;
  /**
   * Several serving processes (app/serving): this one's slot among `slots`. Process ids (the cancel key's
   * first half) are allocated so that `pid % slots === slot`, which tells a CancelRequest that reaches
   * another process where its session is.
   */
  processSlot?: { slot: number; slots: number };
  /** Receives the CancelRequests whose process id belongs to another serving process. */
  forwardCancel?: (processId: number, key: Buffer) => void;
  /** Spreads new connections over the serving processes; without it every connection is served here. */
  balancer?: ConnectionBalancer;
  /** The secret that makes the fake SCRAM salts of unknown users stable; shared by the serving processes. */
  mockAuthSecret?: Buffer;
}

/**
 * Where new connections are served when there are several serving processes. The listener asks it for
 * every connection before reading a byte from it (the socket is paused), so a connection handed to
 * another process starts clean there.
 */
export interface ConnectionBalancer {
  /** Connections open in every serving process, `here` being this process's, for server.maxConnections. */
  total(here: number): number;
  /** Hands the paused socket to another serving process (true), or leaves it to be served here (false). */
  offer(socket: Socket, here: number): boolean;
}

const AUTHENTICATION_TIMEOUT_MS = 60_000;
/** How long a refused connection may take to send its StartupMessage (and hear why it is refused). */
const REFUSED_STARTUP_TIMEOUT_MS = 10_000;
/** How long close() waits for the listener's own close callback once every session here has ended. */
const LISTENER_CLOSE_WAIT_MS = 2_000;

/** The serving process whose session has this process id (any int32 a client sends maps to one). */
export function slotOf(processId: number, slots: number): number {
  return ((processId % slots) + slots) % slots;
}

/**
 * The PostgreSQL protocol listener: owns sockets, TLS and the cancel-key registry. Everything about
 * messages lives in WireSession, which sees only a Transport.
 */
export class PgServer {
  private readonly server: net.Server;
  private readonly sessions = new Set<WireSession>();
  private readonly byProcessId = new Map<number, WireSession>();
  private readonly secureContext: tls.SecureContext | undefined;
  private readonly tlsServerEndPoint: Buffer | undefined;
  private readonly mockAuthSecret: Buffer;
  private readonly signInLimiter: WireSignInLimiter;
  private readonly slot: number;
  private readonly slots: number;
  private nextSequence = 1000 + Math.floor(Math.random() * 10000);
  private closing = false;

  constructor(private readonly opts: PgServerOptions) {
    this.signInLimiter = opts.signInLimiter ?? new WireSignInLimiter();
    this.mockAuthSecret = opts.mockAuthSecret ?? randomBytes(32);
    this.slot = opts.processSlot?.slot ?? 0;
    this.slots = opts.processSlot?.slots ?? 1;
    if (opts.tls) {
      try {
        const cert = readFileSync(opts.tls.cert);
        this.secureContext = tls.createSecureContext({ cert, key: readFileSync(opts.tls.key) });
        // null for certificate kinds without a defined hash (Ed25519): then -PLUS is not offered.
        this.tlsServerEndPoint = tlsServerEndPointHash(new X509Certificate(cert).raw) ?? undefined;
      } catch (e) {
        throw new GatewayError('CONFIG_INVALID', `cannot load the TLS certificate or key: ${(e as Error).message}`, { cause: e });
      }
    }
    // Paused until placed: a connection handed to another serving process must reach it unread.
    this.server = net.createServer({ noDelay: true, pauseOnConnect: opts.balancer !== undefined }, (socket) => this.accept(socket));
    this.server.on('error', (err) => opts.logger.error({ err }, 'PostgreSQL listener error'));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Serves a connection another serving process accepted and handed over (app/serving). */
  acceptHandedOver(socket: Socket): void {
    socket.setNoDelay(true);
    this.accept(socket, true);
  }

  private accept(socket: Socket, handedOver = false): void {
    const log = this.opts.logger;
    socket.on('error', (err) => log.debug({ err }, 'client socket error'));
    const balancer = handedOver ? undefined : this.opts.balancer;
    const open = balancer ? balancer.total(this.sessions.size) : this.sessions.size;
    // Refused in protocol, as PostgreSQL does: after the SSL negotiation (a client that requires TLS would
    // otherwise report a TLS failure), at the StartupMessage, so the client shows the real message; a
    // CancelRequest on such a connection is still served. Not counted as a session.
    const refusal = this.closing
      ? new GatewayError('ADMIN_SHUTDOWN', 'the database system is shutting down')
      : open >= this.opts.maxConnections
        ? new GatewayError('TOO_MANY_CONNECTIONS', 'sorry, too many clients already')
        : undefined;
    if (refusal === undefined && balancer?.offer(socket, this.sessions.size)) return;
    const processId = this.allocateProcessId();
    let current: Socket | tls.TLSSocket = socket;
    let session: WireSession;
    const attach = (s: Socket | tls.TLSSocket): void => {
      s.on('data', (chunk: Buffer) => session.onData(chunk));
    };
    const transport: Transport = {
      remoteAddress: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      remoteHost: socket.remoteAddress ?? '?',
      tls: false,
      write: (data) => {
        if (current.destroyed) return Promise.reject(new Error('socket closed'));
        // Backpressure with room to work: keep encoding while up to SOCKET_BUFFER_LIMIT bytes wait for
        // the kernel, rather than stalling at Node's 16 KiB mark after every flush. Nothing to wait for
        // (the usual case): no promise.
        current.write(data);
        if (current.writableLength < SOCKET_BUFFER_LIMIT) return;
        return new Promise<void>((resolve, reject) => {
          const onDrain = (): void => {
            current.off('close', onClose);
            resolve();
          };
          const onClose = (): void => {
            current.off('drain', onDrain);
            reject(new Error('socket closed'));
          };
          current.once('drain', onDrain);
          current.once('close', onClose);
        });
      },
      pause: () => current.pause(),
      resume: () => current.resume(),
      close: () => {
        current.end();
        // A peer that never reads must not hold the socket open.
        setTimeout(() => current.destroy(), 5000).unref();
      },
    };
    if (this.secureContext) {
      const context = this.secureContext;
      transport.startTls = () =>
        new Promise<void>((resolve, reject) => {
          socket.removeAllListeners('data');
          const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
          secure.once('secure', () => {
            (transport as { tls: boolean }).tls = true;
            if (this.tlsServerEndPoint) transport.tlsServerEndPoint = this.tlsServerEndPoint;
            resolve();
          });
          secure.once('error', (err) => {
            log.info({ err }, 'TLS handshake failed');
            reject(err);
          });
          secure.on('error', () => {});
          secure.on('close', () => session.onSocketClosed());
          current = secure;
          attach(secure);
        });
    }
    session = new WireSession(transport, {
      backend: this.opts.backend,
      logger: log,
      processId,
      mockAuthSecret: this.mockAuthSecret,
      signInLimiter: this.signInLimiter,
      ...(refusal && { refuse: refusal }),
      registerCancelKey: (pid, _key, s) => this.byProcessId.set(pid, s),
      cancelRequest: (pid, key) => this.cancel(pid, key),
      onClose: (s) => {
        this.sessions.delete(s);
        if (this.byProcessId.get(s.processId) === s) this.byProcessId.delete(s.processId);
      },
    });
    if (!refusal) this.sessions.add(session);
    attach(socket);
    socket.on('close', () => session.onSocketClosed());
    // Paused by pauseOnConnect (balancer) or by the process that handed it over; a no-op otherwise.
    socket.resume();
    // A client that has not authenticated within the limit is disconnected, as PostgreSQL does
    // (authentication_timeout): a silent connection must not hold a slot forever.
    const authTimer = setTimeout(() => {
      if (session.authenticating) void session.terminate(new GatewayError('PROTOCOL_VIOLATION', 'canceling authentication due to timeout'));
    }, Math.min(this.opts.authenticationTimeoutMs ?? AUTHENTICATION_TIMEOUT_MS, refusal ? REFUSED_STARTUP_TIMEOUT_MS : Infinity));
    authTimer.unref();
    socket.once('close', () => clearTimeout(authTimer));
  }

  /** A process id no open session has, of this serving process's slot (pid % slots === slot). */
  private allocateProcessId(): number {
    const limit = Math.floor((0x7fffffff - this.slot) / this.slots);
    let pid: number;
    do {
      this.nextSequence = this.nextSequence >= limit ? 1000 : this.nextSequence + 1;
      pid = this.nextSequence * this.slots + this.slot;
    } while (this.byProcessId.has(pid));
    return pid;
  }

  private cancel(processId: number, key: Buffer): void {
    if (slotOf(processId, this.slots) !== this.slot && this.opts.forwardCancel) {
      this.opts.forwardCancel(processId, key);
      return;
    }
    this.cancelHere(processId, key);
  }

  /** A CancelRequest for a session of this process (received here, or forwarded by another serving process). */
  cancelHere(processId: number, key: Buffer): void {
    const target = this.byProcessId.get(processId);
    // A wrong key is ignored silently, as PostgreSQL does, so keys cannot be probed.
    if (target && target.matchesKey(key)) {
      this.opts.logger.info({ pid: processId }, 'cancel request');
      target.cancel();
    }
  }

  /**
   * Ends every session of this user, as pg_terminate_backend does (FATAL 57P01): a disabled user must not
   * keep the connections they opened before. A running statement is cancelled. Returns how many.
   */
  terminateUser(user: string): number {
    const reason = new GatewayError('ADMIN_SHUTDOWN', 'terminating connection due to administrator command', { hint: `User "${user}" was disabled.` });
    const mine = [...this.sessions].filter((s) => s.userName === user);
    for (const s of mine) void s.terminate(reason);
    if (mine.length > 0) this.opts.logger.info({ user, sessions: mine.length }, 'sessions of a disabled user terminated');
    return mine.length;
  }

  /**
   * Graceful shutdown: stop accepting, let running statements finish for `graceMs`, then cancel them;
   * idle sessions are told why they are disconnected (57P01).
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const shutdown = new GatewayError('ADMIN_SHUTDOWN', 'terminating connection due to administrator command');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.sessions].some((s) => s.busy)) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([...this.sessions].map((s) => s.terminate(shutdown)));
    const waitUntil = Date.now() + 2000;
    while (this.sessions.size > 0 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
    // The listener closed at once; its callback also waits for sockets handed to other serving processes
    // (node tracks them across processes), which their processes close on their own.
    await Promise.race([listenerClosed, new Promise((r) => setTimeout(r, LISTENER_CLOSE_WAIT_MS).unref())]);
  }
}
