import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import { GatewayError, isGatewayError, toGatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type {
  BackendSession,
  GatewayBackend,
  PreparedStatement,
  SessionEvents,
  StatementExecution,
} from './backend.ts';
import { BackendWriter, errorFields, Prebuilt, type NoticeFields } from './backend-messages.ts';
import {
  checkBindParameterCount,
  checkResultFormats,
  decodeFrontendMessage,
  decodeSASLInitialResponse,
  decodeSASLResponse,
  decodePasswordMessage,
  decodeStartupPacket,
  formatCodeAt,
  SUPPORTED_MINOR_VERSION,
  type BindMessage,
  type FormatCode,
  type FrontendMessage,
  type StartupMessage,
} from './frontend-messages.ts';
import { decodeParameter } from './parameters.ts';
import { MessageReader } from './reader.ts';
import { CopyEncoder } from './copy-encoder.ts';
import { RowEncoder, describeColumns } from './row-encoder.ts';
import { ScramExchange } from './scram.ts';
import { verifyScramPassword } from './password.ts';
import { hostOf, type WireSignInLimiter } from './sign-in-limiter.ts';

/** What the session needs from the connection it runs on; the socket and TLS live in server.ts only. */
export interface Transport {
  readonly remoteAddress: string;
  /** The peer's address without the port (what failed sign-ins are counted against); default: from remoteAddress. */
  readonly remoteHost?: string;
  readonly tls: boolean;
  /** Writes; returns a promise only when the caller must wait before writing more (backpressure). */
  write(data: Buffer): Promise<void> | void;
  /** Upgrades to TLS after 'S' was sent; undefined when no certificate is configured. */
  startTls?: () => Promise<void>;
  /** RFC 5929 tls-server-end-point data of the server certificate, once TLS is up (SCRAM-SHA-256-PLUS). */
  tlsServerEndPoint?: Uint8Array;
  /** Pauses / resumes reading from the peer. */
  pause(): void;
  resume(): void;
  close(): void;
}

export interface SessionOptions {
  backend: GatewayBackend;
  logger: Logger;
  processId: number;
  /** Secret used to build fake SCRAM verifiers for unknown users. */
  mockAuthSecret: Buffer;
  /** Called with this session's cancel key once authenticated. */
  registerCancelKey(processId: number, secretKey: Buffer, session: WireSession): void;
  /** Forwards a CancelRequest that arrived on this connection. */
  cancelRequest(processId: number, secretKey: Buffer): void;
  onClose(session: WireSession): void;
  /** Failed sign-ins per (user, address); without it, sign-ins are not rate limited. */
  signInLimiter?: WireSignInLimiter;
  /**
   * The connection is refused (too many clients, shutting down): as PostgreSQL does, the SSL request is
   * still answered and a CancelRequest still served; the StartupMessage is answered with this error.
   */
  refuse?: GatewayError;
}

/** Connection states; the const object doubles as the union type. */
export const SessionState = {
  Startup: 'startup',
  Authenticating: 'authenticating',
  Ready: 'ready',
  Closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

interface Statement {
  sql: string;
  prepared: PreparedStatement | null;
  /** Empty query text: Execute answers EmptyQueryResponse. */
  empty: boolean;
}

/** Writes rows [from, to) of a batch: DataRows, or CopyData lines for COPY TO STDOUT. */
interface RowWriter {
  write(w: BackendWriter, batch: RowBatch, from: number, to: number): void;
}

interface Portal {
  statement: Statement;
  params: PgValue[];
  resultFormats: FormatCode[];
  execution: StatementExecution | null;
  /** Aborts the execution; one per portal so a cancel reaches a portal resumed by a later Execute. */
  control: StatementControl | null;
  encoder: RowWriter | null;
  /** A batch partly sent by an Execute with a row limit. */
  pending: { batch: RowBatch; next: number } | null;
  rowsSent: number;
  done: boolean;
}

/** Where sending an execution's rows stands (streamRows). */
interface RowRun {
  exec: StatementExecution;
  encoder: RowWriter | null;
  portal: Portal | null;
  /** Rows the portal had sent before this Execute. */
  before: number;
  sent: number;
  /** Rows this Execute may still send (Infinity: all). */
  limit: number;
}

/**
 * One statement's cancellation, and the options object the backend's execute() gets. The AbortController
 * (costly to make: an EventTarget and a signal) is only created when something needs it: the backend
 * reads `signal`, or a cancel, a shutdown or a closed socket aborts the statement. Each statement has its
 * own, so a signal handed out for one statement is never aborted by a cancel of a later one.
 */
class StatementControl {
  private controller: AbortController | null = null;

  constructor(readonly events: SessionEvents) {}

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** Whether the statement was aborted (without creating a controller when it was not). */
  get aborted(): boolean {
    return this.controller !== null && this.controller.signal.aborted;
  }

  /** The abort reason, once aborted. */
  get reason(): unknown {
    return this.controller === null ? undefined : this.controller.signal.reason;
  }

  abort(reason?: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}

/** Notices and ParameterStatus from running statements, into the session's output; made once per session. */
function wireEvents(out: BackendWriter): SessionEvents {
  /**
   * The last plain notice (no detail, no hint) as sent: a session re-running a cached query gets the
   * same one each time (the cache hit's), sent as a copy of its bytes.
   */
  let last: { message: string; severity: string; code: string; bytes: Buffer } | null = null;
  return {
    notice: (message, o) => {
      const severity = o?.severity ?? 'NOTICE';
      const code = o?.sqlstate ?? '00000';
      const plain = !o?.detail && !o?.hint;
      if (plain && last !== null && last.message === message && last.severity === severity && last.code === code) {
        out.raw(last.bytes);
        return;
      }
      const f: NoticeFields = { severity, code, message };
      if (o?.detail) f.detail = o.detail;
      if (o?.hint) f.hint = o.hint;
      const before = out.length;
      out.noticeResponse(f);
      if (plain) last = { message, severity, code, bytes: out.copyOfLast(out.length - before) };
    },
    parameterStatus: (name, value) => out.parameterStatus(name, value),
  };
}

/** Whether two result-format lists ask the same format of each of `columns` columns ([] all text, [f] all f). */
function sameFormats(a: readonly FormatCode[], b: readonly FormatCode[], columns: number): boolean {
  if (a === b) return true;
  for (let i = 0; i < columns; i++) if (formatCodeAt(a, i) !== formatCodeAt(b, i)) return false;
  return true;
}

const NO_PARAMS: readonly PgValue[] = [];
const NO_FORMATS: readonly FormatCode[] = [];

const FLUSH_THRESHOLD = 64 * 1024;
/** Pause reading from a client that sends faster than we process beyond this many buffered bytes. */
const READ_HIGH_WATER = 1024 * 1024;

/**
 * One client connection speaking PostgreSQL protocol 3.0: startup, SCRAM authentication, simple and
 * extended query. Messages are processed strictly in order by one loop; the socket only feeds bytes.
 */
export class WireSession {
  state: SessionState = SessionState.Startup;
  private readonly reader = new MessageReader();
  private readonly out = new BackendWriter();
  private readonly log: Logger;
  private backendSession: BackendSession | null = null;
  private startup: StartupMessage | null = null;
  private scram: ScramExchange | null = null;
  private cleartextVerifier: string | null = null;
  private user = '';
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();
  /** Extended protocol: after an error, messages are skipped until Sync. */
  private skipUntilSync = false;
  /** The running statement's cancellation, null while none runs. */
  private running: StatementControl | null = null;
  /** Handed to every statement the backend runs (see StatementControl). */
  private readonly events: SessionEvents = wireEvents(this.out);
  /** The last row encoder made, reused by the next result with the same columns, formats and settings. */
  private lastEncoder: RowEncoder | null = null;
  /** The last RowDescription sent (see rowDescription()). */
  private lastRowDescription: { columns: readonly ColumnInfo[]; formats: readonly FormatCode[]; bytes: Buffer } | null = null;
  private readonly onStepFailed = (e: unknown): void => this.stepFailed(e);
  private processing = false;
  private secretKey = randomBytes(4);
  private paused = false;
  /** Set by a server shutdown; a statement interrupted by it reports this reason (57P01), not a cancel. */
  private terminationReason: GatewayError | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly opts: SessionOptions,
  ) {
    this.log = opts.logger.child({ pid: opts.processId, remote: transport.remoteAddress });
  }

  get processId(): number {
    return this.opts.processId;
  }

  get userName(): string {
    return this.user;
  }

  /** True while a statement runs (graceful shutdown waits for these). */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Bytes from the socket. */
  onData(chunk: Buffer): void {
    if (this.state === SessionState.Closed) return;
    this.reader.push(chunk);
    if (this.reader.buffered > READ_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.transport.pause();
    }
    void this.pump();
  }

  /** The socket closed or failed: stop whatever runs. */
  onSocketClosed(): void {
    if (this.state === SessionState.Closed) return;
    this.state = SessionState.Closed;
    this.running?.abort();
    void this.release();
  }

  /** CancelRequest with our key: interrupt the running statement, if any. */
  cancel(): void {
    this.running?.abort(new GatewayError('QUERY_CANCELED', 'canceling statement due to user request'));
  }

  matchesKey(key: Buffer): boolean {
    return key.length === this.secretKey.length && timingSafeEqual(key, this.secretKey);
  }

  /** Whether the client is still starting up or authenticating (no ReadyForQuery sent yet). */
  get authenticating(): boolean {
    return this.state !== SessionState.Ready && this.state !== SessionState.Closed && this.backendSession === null;
  }

  /** Server shutdown: tell an idle client why it is disconnected, as PostgreSQL does. */
  async terminate(reason: GatewayError): Promise<void> {
    if (this.state === SessionState.Closed || this.terminationReason) return;
    this.terminationReason = reason;
    this.running?.abort(reason);
    if (!this.processing) await this.fatal(reason);
  }

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        if (this.state === SessionState.Closed) return;
        const frame = this.reader.next();
        if (frame === null) break;
        if (frame.kind === 'error') {
          await this.fatal(frame.error);
          return;
        }
        try {
          // Most messages are handled synchronously (undefined): no promise, no await.
          const step = frame.kind === 'startup' ? this.onStartupPacket(frame) : this.onMessage(frame.type, frame.body);
          if (step !== undefined) await step;
        } catch (e) {
          await this.onHandlerError(e);
        }
      }
      const flushed = this.flush();
      if (flushed) await flushed;
      if (this.terminationReason && (this.state as SessionState) !== SessionState.Closed) await this.fatal(this.terminationReason);
    } catch (e) {
      // Writing failed: the peer is gone.
      this.log.debug({ err: e }, 'connection write failed');
      this.onSocketClosed();
      this.transport.close();
    } finally {
      this.processing = false;
      if (this.paused && this.reader.buffered < READ_HIGH_WATER / 2) {
        this.paused = false;
        this.transport.resume();
      }
    }
  }

  private async onHandlerError(e: unknown): Promise<void> {
    const err = toGatewayError(e);
    if (err.kind === 'internal') this.log.error({ err: e }, 'internal error');
    if (err.severity === 'FATAL' || this.state !== SessionState.Ready) {
      await this.fatal(err);
      return;
    }
    this.out.errorResponse(errorFields(err));
  }

  /** Sends a FATAL error and closes the connection. */
  private async fatal(err: GatewayError): Promise<void> {
    if (this.state === SessionState.Closed) return;
    this.out.discard();
    this.out.errorResponse({ ...errorFields(err), severity: 'FATAL' });
    try {
      await this.flush();
    } catch {
      /* peer gone */
    }
    this.onSocketClosed();
    this.transport.close();
  }

  private flush(): Promise<void> | void {
    const buf = this.out.flush();
    if (buf.length > 0) return this.transport.write(buf);
  }

  private async release(): Promise<void> {
    const s = this.backendSession;
    this.backendSession = null;
    for (const p of this.portals.values()) await this.closePortal(p);
    this.portals.clear();
    try {
      await s?.close();
    } catch (e) {
      this.log.warn({ err: e }, 'closing session failed');
    }
    this.opts.onClose(this);
  }

  // --- Startup and authentication ---------------------------------------------------------------

  private async onStartupPacket(frame: { code: number; body: Buffer }): Promise<void> {
    const packet = decodeStartupPacket(frame);
    switch (packet.type) {
      case 'SSLRequest':
        if (this.transport.startTls && !this.transport.tls) {
          if (this.reader.buffered > 0)
            throw new GatewayError('PROTOCOL_VIOLATION', 'received unencrypted data after SSL request');
          this.out.raw(Prebuilt.sslAccepted);
          await this.flush();
          await this.transport.startTls();
        } else {
          this.out.raw(Prebuilt.sslRefused);
        }
        return;
      case 'GSSENCRequest':
        this.out.raw(Prebuilt.sslRefused);
        return;
      case 'CancelRequest':
        this.opts.cancelRequest(packet.processId, packet.secretKey);
        this.state = SessionState.Closed;
        this.transport.close();
        this.opts.onClose(this);
        return;
      case 'StartupMessage':
        return this.onStartupMessage(packet);
    }
  }

  private async onStartupMessage(msg: StartupMessage): Promise<void> {
    this.reader.phase = 'typed';
    if (this.opts.refuse) throw this.opts.refuse;
    if (msg.minorVersion > SUPPORTED_MINOR_VERSION || msg.protocolOptions.length > 0) {
      this.out.negotiateProtocolVersion(SUPPORTED_MINOR_VERSION, msg.protocolOptions);
    }
    const user = msg.parameters.user;
    if (!user) throw new GatewayError('INVALID_AUTHORIZATION', 'no PostgreSQL user name specified in startup packet');
    if (msg.parameters.replication !== undefined && msg.parameters.replication !== 'false' && msg.parameters.replication !== '0')
      throw new GatewayError('FEATURE_NOT_SUPPORTED', 'replication connections are not supported by tollgate');
    this.startup = msg;
    this.user = user;
    this.state = SessionState.Authenticating;
    this.refuseIfThrottled();
    const creds = await this.opts.backend.credentials(user);
    if (creds?.allowCleartext) {
      // Only where the config allows it, for clients that cannot do SCRAM; checked against the verifier.
      this.cleartextVerifier = creds.scramVerifier;
      this.out.authenticationCleartextPassword();
      return;
    }
    // Over TLS, SCRAM-SHA-256-PLUS binds the authentication to this connection's certificate.
    const endPoint = this.transport.tls ? this.transport.tlsServerEndPoint : undefined;
    this.scram = new ScramExchange(creds?.scramVerifier ?? null, {
      user,
      mockSecret: this.opts.mockAuthSecret,
      ...(endPoint && { tlsServerEndPoint: endPoint }),
    });
    this.out.authenticationSASL(this.scram.mechanisms);
  }

  private async onAuthResponse(body: Buffer): Promise<void> {
    if (this.cleartextVerifier !== null) {
      const { password } = decodePasswordMessage(body);
      const ok = await verifyScramPassword(password, this.cleartextVerifier);
      this.cleartextVerifier = null;
      if (!ok) throw this.authenticationFailed();
      this.opts.signInLimiter?.succeeded(this.user, this.clientHost);
      this.out.authenticationOk();
      await this.openSession();
      return;
    }
    const scram = this.scram;
    if (!scram) throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected password message');
    if (!scram.started) {
      const first = decodeSASLInitialResponse(body);
      if (!scram.mechanisms.includes(first.mechanism))
        throw new GatewayError('PROTOCOL_VIOLATION', 'client selected an invalid SASL authentication mechanism');
      if (first.data === null) throw new GatewayError('PROTOCOL_VIOLATION', 'malformed SASL message');
      this.out.authenticationSASLContinue(scram.clientFirst(first.data, first.mechanism));
      return;
    }
    const result = scram.clientFinal(decodeSASLResponse(body).data);
    if (!result.ok) throw this.authenticationFailed();
    this.opts.signInLimiter?.succeeded(this.user, this.clientHost);
    this.out.authenticationSASLFinal(result.serverFinal);
    this.out.authenticationOk();
    await this.openSession();
  }

  private get clientHost(): string {
    return this.transport.remoteHost ?? hostOf(this.transport.remoteAddress);
  }

  /**
   * Too many failed sign-ins of this user from this address: refused before any password work, with
   * 28000 (invalid authorization), which clients report and do not retry, as for a wrong password.
   */
  private refuseIfThrottled(): void {
    const wait = this.opts.signInLimiter?.retryAfter(this.user, this.clientHost) ?? 0;
    if (wait === 0) return;
    this.log.info({ user: this.user, client: this.clientHost, retryAfterSeconds: wait }, 'sign-in refused: too many failed attempts');
    throw new GatewayError('INVALID_AUTHORIZATION', `too many failed sign-ins for user "${this.user}" from ${this.clientHost}; try again in ${wait} s`);
  }

  private authenticationFailed(): GatewayError {
    this.log.info({ user: this.user }, 'password authentication failed');
    this.opts.signInLimiter?.failed(this.user, this.clientHost);
    return new GatewayError('INVALID_PASSWORD', `password authentication failed for user "${this.user}"`);
  }

  private async openSession(): Promise<void> {
    const msg = this.startup!;
    const params = msg.parameters;
    const session = await this.opts.backend.openSession({
      user: this.user,
      database: params.database || this.user,
      parameters: { ...params },
      remoteAddress: this.transport.remoteAddress,
      tls: this.transport.tls,
      processId: this.opts.processId,
    });
    if (this.state === SessionState.Closed) {
      await session.close();
      return;
    }
    this.backendSession = session;
    for (const [name, value] of session.initialParameterStatus()) this.out.parameterStatus(name, value);
    this.out.backendKeyData(this.opts.processId, this.secretKey);
    this.opts.registerCancelKey(this.opts.processId, this.secretKey, this);
    this.state = SessionState.Ready;
    this.scram = null;
    this.log.info({ user: this.user, database: params.database, application: params.application_name }, 'session started');
    this.readyForQuery();
  }

  // --- Messages ---------------------------------------------------------------------------------

  /** Handles one message; returns a promise only when the handling has to wait. */
  private onMessage(type: number, body: Buffer): Promise<void> | void {
    if (this.state === SessionState.Authenticating) {
      if (type !== 0x70) throw new GatewayError('PROTOCOL_VIOLATION', `expected password response, got message type ${type}`);
      return this.onAuthResponse(body);
    }
    if (this.state !== SessionState.Ready) return;
    let msg: FrontendMessage;
    try {
      msg = decodeFrontendMessage(type, body);
    } catch (e) {
      // The frame was well delimited, so the connection survives a malformed body, as in PostgreSQL:
      // ERROR, then ReadyForQuery for a simple query, or skip until Sync for an extended-protocol message.
      if (!isGatewayError(e) || e.message.startsWith('invalid frontend message type')) throw e;
      const err = e.code === 'PROTOCOL_VIOLATION' ? new GatewayError('MALFORMED_MESSAGE', e.message, e.detail ? { detail: e.detail } : {}) : e;
      if (type === 0x51 /* Query */) {
        this.out.errorResponse(errorFields(err));
        this.readyForQuery();
        return;
      }
      if (this.skipUntilSync) return;
      this.extendedError(err);
      return;
    }
    if (this.skipUntilSync && msg.type !== 'Sync' && msg.type !== 'Terminate') return;
    switch (msg.type) {
      case 'Query':
        return this.simpleQuery(msg.query);
      case 'Parse':
        try {
          return this.guard(this.parse(msg.name, msg.query, msg.paramTypes));
        } catch (e) {
          return this.stepFailed(e);
        }
      case 'Bind':
        try {
          return this.guard(this.bind(msg));
        } catch (e) {
          return this.stepFailed(e);
        }
      case 'Describe':
        try {
          return this.describe(msg.target, msg.name);
        } catch (e) {
          return this.stepFailed(e);
        }
      case 'Execute':
        try {
          return this.guard(this.execute(msg.portal, msg.maxRows));
        } catch (e) {
          return this.stepFailed(e);
        }
      case 'Close':
        return this.closeMessage(msg.target, msg.name);
      case 'Sync':
        this.skipUntilSync = false;
        if (this.backendSession?.transactionStatus() === 'I') {
          if (this.anyExecution()) return this.syncClosingPortals();
          this.portals.clear();
        }
        this.readyForQuery();
        return this.flush();
      case 'Flush':
        return this.flush();
      case 'Terminate':
        this.state = SessionState.Closed;
        this.transport.close();
        this.running?.abort();
        return this.release();
      case 'FunctionCall':
        this.extendedError(new GatewayError('FEATURE_NOT_SUPPORTED', 'the fast-path function call interface is not supported'));
        return;
      case 'CopyData':
      case 'CopyDone':
      case 'CopyFail':
        // Outside COPY FROM STDIN these are ignored, as PostgreSQL does.
        return;
      case 'AuthResponse':
        throw new GatewayError('PROTOCOL_VIOLATION', 'unexpected password message after authentication');
    }
  }

  private async closeMessage(target: 'S' | 'P', name: string): Promise<void> {
    if (target === 'S') this.statements.delete(name);
    else {
      const p = this.portals.get(name);
      if (p) await this.closePortal(p);
      this.portals.delete(name);
    }
    this.out.closeComplete();
  }

  /** Sync outside a transaction block with a portal still holding an execution: close them, then ReadyForQuery. */
  private async syncClosingPortals(): Promise<void> {
    await this.closeAllPortals();
    this.readyForQuery();
    await this.flush();
  }

  /** Whether some portal holds an unfinished execution (closing the others needs no waiting). */
  private anyExecution(): boolean {
    for (const p of this.portals.values()) if (p.execution) return true;
    return false;
  }

  /** An extended-protocol step that may finish later: its failure is reported as the step's error. */
  private guard(step: Promise<void> | void): Promise<void> | void {
    if (step !== undefined) return step.then(undefined, this.onStepFailed);
  }

  /** An extended-protocol step failed: ErrorResponse and skip until Sync, or rethrow a FATAL error. */
  private stepFailed(e: unknown): void {
    const err = this.terminationReason ?? toGatewayError(e);
    if (err.severity === 'FATAL') throw err;
    this.extendedError(err);
  }

  private extendedError(err: GatewayError): void {
    if (err.kind === 'internal') this.log.error({ err: err.cause ?? err }, 'internal error');
    this.out.errorResponse(errorFields(err));
    this.backendSession?.markFailed();
    this.skipUntilSync = true;
  }

  private readyForQuery(): void {
    const status = this.backendSession?.transactionStatus() ?? 'I';
    this.out.raw(status === 'I' ? Prebuilt.readyForQueryIdle : status === 'T' ? Prebuilt.readyForQueryInTransaction : Prebuilt.readyForQueryFailed);
  }

  // --- Simple query -----------------------------------------------------------------------------

  private async simpleQuery(sql: string): Promise<void> {
    const session = this.backendSession!;
    try {
      const statements = session.splitStatements(sql);
      if (statements.length === 0) this.out.emptyQueryResponse();
      for (const text of statements) {
        const exec = await this.startExecution(text, null, NO_PARAMS);
        let writer: RowWriter | null;
        try {
          if (exec.columns && !exec.copyOut) this.rowDescription(exec.columns, NO_FORMATS);
          writer = this.rowWriter(exec, NO_FORMATS);
        } catch (e) {
          await this.abandonExecution(exec, e);
          throw e;
        }
        await this.streamRows(exec, writer, 0, null);
      }
    } catch (e) {
      const err = this.terminationReason ?? toGatewayError(e);
      if (err.severity === 'FATAL') throw err;
      if (err.kind === 'internal') this.log.error({ err: e }, 'internal error');
      this.out.errorResponse(errorFields(err));
      session.markFailed();
    }
    this.readyForQuery();
    await this.flush();
  }

  /** Starts a statement; its StatementControl is this.running until it ends (or its portal suspends). */
  private startExecution(sql: string, prepared: PreparedStatement | null, params: readonly PgValue[]): StatementExecution | Promise<StatementExecution> {
    const control = new StatementControl(this.events);
    this.running = control;
    let started: StatementExecution | Promise<StatementExecution>;
    try {
      started = this.backendSession!.execute(sql, prepared, params, control);
    } catch (e) {
      this.running = null;
      throw e;
    }
    if (started instanceof Promise)
      return started.then(
        (exec) => this.started(exec),
        (e: unknown) => {
          this.running = null;
          throw e;
        },
      );
    return this.started(started);
  }

  private started(exec: StatementExecution): StatementExecution {
    try {
      if (exec.sessionEffect) this.applyEffect(exec.sessionEffect);
      return exec;
    } catch (e) {
      this.running = null;
      throw e;
    }
  }

  /** DEALLOCATE and DISCARD ALL act on prepared statements, which only the wire holds. */
  private applyEffect(effect: NonNullable<StatementExecution['sessionEffect']>): void {
    if (effect.name === null) {
      this.statements.clear();
      return;
    }
    if (!this.statements.delete(effect.name))
      throw new GatewayError('INVALID_STATEMENT_NAME', `prepared statement "${effect.name}" does not exist`);
  }

  /** Chooses how rows go out; for COPY, also sends CopyOutResponse and the header line. */
  private rowWriter(exec: StatementExecution, formats: readonly FormatCode[]): RowWriter | null {
    if (!exec.columns) return null;
    const settings = this.backendSession!.outputSettings();
    if (exec.copyOut) {
      const copy = new CopyEncoder(exec.columns, exec.copyOut, settings);
      this.out.copyOutResponse(0, exec.columns.map(() => 0));
      const header = copy.header();
      if (header !== null) this.out.copyData(header);
      return copy;
    }
    const last = this.lastEncoder;
    if (last !== null && last.reusableFor(exec.columns, formats, settings)) return last;
    const encoder = new RowEncoder(exec.columns, formats, settings);
    this.lastEncoder = encoder;
    return encoder;
  }

  /**
   * Sends rows of an execution until it ends or `maxRows` rows were sent (0 = all). Returns true when the
   * execution finished (CommandComplete sent), false when suspended.
   */
  private streamRows(exec: StatementExecution, encoder: RowWriter | null, maxRows: number, portal: Portal | null): Promise<boolean> | boolean {
    const before = portal?.rowsSent ?? 0;
    const run: RowRun = { exec, encoder, portal, before, sent: before, limit: maxRows > 0 ? maxRows : Infinity };
    try {
      if (portal?.pending && encoder) {
        const { batch, next } = portal.pending;
        const to = Math.min(batch.rowCount, next + run.limit);
        encoder.write(this.out, batch, next, to);
        run.sent += to - next;
        run.limit -= to - next;
        portal.pending = to < batch.rowCount ? { batch, next: to } : null;
      }
      // Without a promise for as long as every batch is already there (a cache hit, rows in memory).
      if (exec.batches && encoder) {
        while (run.limit > 0 && !portal?.pending) {
          this.throwIfCancelled();
          const next = exec.batches.next();
          if (next instanceof Promise) return this.streamRowsLater(run, next);
          if (next.done) break;
          this.sendBatch(run, next.value);
          if (this.out.length >= FLUSH_THRESHOLD) return this.streamRowsLater(run, null);
        }
      }
      const ended = this.endRows(run);
      return ended instanceof Promise ? ended.catch((e: unknown) => this.rowsFailed(run, e)) : ended;
    } catch (e) {
      return this.rowsFailed(run, e);
    }
  }

  /**
   * streamRows from the first thing it has to wait for: a batch still coming (`next`), or a flush (null).
   * It keeps its own loop rather than handing back to streamRows after each wait: a long stream would
   * otherwise build a chain of pending frames, one per batch.
   */
  private async streamRowsLater(run: RowRun, next: Promise<IteratorResult<RowBatch>> | null): Promise<boolean> {
    const { exec, portal } = run;
    try {
      if (next === null) await this.flush();
      else {
        const r = await next;
        if (r.done) return await this.endRows(run);
        this.sendBatch(run, r.value);
        if (this.out.length >= FLUSH_THRESHOLD) await this.flush();
      }
      while (run.limit > 0 && !portal?.pending) {
        this.throwIfCancelled();
        const n = exec.batches!.next();
        const r = n instanceof Promise ? await n : n;
        if (r.done) break;
        this.sendBatch(run, r.value);
        if (this.out.length >= FLUSH_THRESHOLD) await this.flush();
      }
      return await this.endRows(run);
    } catch (e) {
      return this.rowsFailed(run, e);
    }
  }

  private throwIfCancelled(): void {
    const running = this.running;
    if (running !== null && running.aborted) throw running.reason ?? new GatewayError('QUERY_CANCELED', 'canceling statement due to user request');
  }

  /** Writes a batch's rows, up to the run's limit; what is left of it waits in the portal. */
  private sendBatch(run: RowRun, batch: RowBatch): void {
    const to = Math.min(batch.rowCount, run.limit);
    run.encoder!.write(this.out, batch, 0, to);
    run.sent += to;
    run.limit -= to;
    if (to < batch.rowCount && run.portal) run.portal.pending = { batch, next: to };
  }

  /** PortalSuspended, or the end of the statement: CommandComplete, then the execution is closed. */
  private endRows(run: RowRun): Promise<boolean> | boolean {
    const { exec, portal } = run;
    if (portal) portal.rowsSent = run.sent;
    if (run.limit === 0 && portal) {
      // Suspended only if rows remain; PostgreSQL also suspends when exactly maxRows were left.
      this.out.portalSuspended();
      return false;
    }
    if (exec.copyOut) this.out.copyDone();
    // Like PostgreSQL, the tag counts the rows of this Execute, not of the whole portal.
    this.out.commandComplete(exec.commandTag(run.sent - run.before));
    this.running = null;
    const closing = exec.close({ rowsSent: run.sent });
    return closing ? closing.then(() => true) : true;
  }

  private async rowsFailed(run: RowRun, e: unknown): Promise<never> {
    this.running = null;
    await this.closeQuietly(run.exec, { error: e, rowsSent: run.sent }, 'closing execution failed');
    if (run.portal) {
      run.portal.done = true;
      // Closed: Sync must not close it a second time (backend.ts: close is called exactly once).
      run.portal.execution = null;
    }
    throw e;
  }

  // --- Extended query ---------------------------------------------------------------------------

  private parse(name: string, sql: string, paramTypes: number[]): Promise<void> | void {
    if (name !== '' && this.statements.has(name))
      throw new GatewayError('DUPLICATE_STATEMENT', `prepared statement "${name}" already exists`);
    const session = this.backendSession!;
    const parts = session.splitStatements(sql);
    if (parts.length > 1) throw new GatewayError('SYNTAX_ERROR', 'cannot insert multiple commands into a prepared statement');
    if (parts.length === 0) return this.parsed(name, { sql: '', prepared: null, empty: true });
    const text = parts[0]!;
    const prepared = session.prepare(text, paramTypes);
    if (prepared instanceof Promise) return prepared.then((p) => this.parsed(name, { sql: text, prepared: p, empty: false }));
    this.parsed(name, { sql: text, prepared, empty: false });
  }

  private parsed(name: string, statement: Statement): void {
    this.statements.set(name, statement);
    this.out.parseComplete();
  }

  private bind(msg: BindMessage): Promise<void> | void {
    const statement = this.statements.get(msg.statement);
    if (!statement)
      throw new GatewayError('INVALID_STATEMENT_NAME', msg.statement === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${msg.statement}" does not exist`);
    const types = statement.prepared?.paramTypes ?? [];
    checkBindParameterCount(msg, types.length);
    if (msg.paramFormats.length > 1 && msg.paramFormats.length !== msg.params.length)
      throw new GatewayError('PROTOCOL_VIOLATION', `bind message has ${msg.paramFormats.length} parameter formats but ${msg.params.length} parameters`);
    const settings = this.backendSession!.outputSettings();
    const n = msg.params.length;
    const params: PgValue[] = new Array(n);
    for (let i = 0; i < n; i++) params[i] = decodeParameter(msg.params[i]!, types[i] ?? 0, formatCodeAt(msg.paramFormats, i), i + 1, settings);
    if (statement.prepared?.columns) checkResultFormats(msg.resultFormats, statement.prepared.columns.length);
    const existing = this.portals.get(msg.portal);
    if (existing) {
      if (msg.portal !== '') throw new GatewayError('DUPLICATE_CURSOR', `cursor "${msg.portal}" already exists`);
      if (existing.execution) return this.rebind(existing, msg, statement, params);
      existing.done = true;
    }
    this.addPortal(msg, statement, params);
  }

  /** Bind over the unnamed portal while it still holds an execution: close that first. */
  private async rebind(existing: Portal, msg: BindMessage, statement: Statement, params: PgValue[]): Promise<void> {
    await this.closePortal(existing);
    this.addPortal(msg, statement, params);
  }

  private addPortal(msg: BindMessage, statement: Statement, params: PgValue[]): void {
    this.portals.set(msg.portal, {
      statement,
      params,
      resultFormats: msg.resultFormats,
      execution: null,
      control: null,
      encoder: null,
      pending: null,
      rowsSent: 0,
      done: false,
    });
    this.out.bindComplete();
  }

  private describe(target: 'S' | 'P', name: string): void {
    if (target === 'S') {
      const s = this.statements.get(name);
      if (!s) throw new GatewayError('INVALID_STATEMENT_NAME', name === '' ? 'unnamed prepared statement does not exist' : `prepared statement "${name}" does not exist`);
      this.out.parameterDescription(s.prepared?.paramTypes ?? []);
      const cols = s.prepared?.columns;
      if (cols) this.rowDescription(cols, NO_FORMATS);
      else this.out.noData();
      return;
    }
    const p = this.portals.get(name);
    if (!p) throw new GatewayError('INVALID_CURSOR_NAME', `portal "${name}" does not exist`);
    const cols = p.execution?.columns ?? p.statement.prepared?.columns;
    if (cols) this.rowDescription(cols, p.resultFormats);
    else this.out.noData();
  }

  /**
   * RowDescription of result columns in the given formats; the same columns (the same array: a kept
   * prepared statement's) in the same formats as last time are sent as a copy of the bytes sent then.
   */
  private rowDescription(columns: readonly ColumnInfo[], formats: readonly FormatCode[]): void {
    const last = this.lastRowDescription;
    if (last !== null && last.columns === columns && sameFormats(last.formats, formats, columns.length)) {
      this.out.raw(last.bytes);
      return;
    }
    const before = this.out.length;
    this.out.rowDescription(describeColumns(columns, formats));
    this.lastRowDescription = { columns, formats: [...formats], bytes: this.out.copyOfLast(this.out.length - before) };
  }

  private execute(portalName: string, maxRows: number): Promise<void> | void {
    const p = this.portals.get(portalName);
    if (!p) throw new GatewayError('INVALID_CURSOR_NAME', `portal "${portalName}" does not exist`);
    if (p.statement.empty) {
      this.out.emptyQueryResponse();
      return;
    }
    if (p.done) {
      // Executing a completed portal again returns no rows, as PostgreSQL does for a finished cursor.
      this.out.commandComplete(p.execution ? p.execution.commandTag(0) : 'SELECT 0');
      return;
    }
    return this.runPortal(p, maxRows);
  }

  /** Runs (or resumes) a portal's execution; without a promise when nothing had to wait (a cache hit). */
  private runPortal(p: Portal, maxRows: number): Promise<void> | void {
    const exec = p.execution;
    if (exec) {
      this.running = p.control;
      return this.continuePortal(p, exec, maxRows);
    }
    const starting = this.startExecution(p.statement.sql, p.statement.prepared, p.params);
    if (starting instanceof Promise) return starting.then((started) => this.openPortal(p, started, maxRows));
    return this.openPortal(p, starting, maxRows);
  }

  private openPortal(p: Portal, exec: StatementExecution, maxRows: number): Promise<void> | void {
    try {
      if (exec.columns && !exec.copyOut) checkResultFormats(p.resultFormats, exec.columns.length);
      p.encoder = this.rowWriter(exec, p.resultFormats);
    } catch (e) {
      return this.abandonExecution(exec, e).then(() => {
        p.done = true;
        throw e;
      });
    }
    p.execution = exec;
    p.control = this.running;
    return this.continuePortal(p, exec, maxRows);
  }

  private continuePortal(p: Portal, exec: StatementExecution, maxRows: number): Promise<void> | void {
    // COPY ignores the row limit and runs to completion, as in PostgreSQL.
    const finished = this.streamRows(exec, p.encoder, exec.copyOut ? 0 : maxRows, p);
    if (finished instanceof Promise) return finished.then((f) => this.portalRan(p, f));
    this.portalRan(p, finished);
  }

  private portalRan(p: Portal, finished: boolean): void {
    if (finished) {
      p.done = true;
      p.execution = null;
    } else {
      this.running = null;
    }
  }

  /**
   * A statement that started but whose rows cannot go out (a result format the type cannot be written
   * in): closed with the error, so it is recorded as failed, and no longer running.
   */
  private async abandonExecution(exec: StatementExecution, error: unknown): Promise<void> {
    this.running = null;
    await this.closeQuietly(exec, { error, rowsSent: 0 }, 'closing execution failed');
  }

  private async closePortal(p: Portal): Promise<void> {
    const exec = p.execution;
    p.execution = null;
    p.done = true;
    if (exec) await this.closeQuietly(exec, { rowsSent: p.rowsSent }, 'closing portal failed');
  }

  /** Closes an execution whose failure must not surface (it is logged); undefined when nothing had to wait. */
  private closeQuietly(exec: StatementExecution, outcome: { error?: unknown; rowsSent: number }, failure: string): Promise<void> | undefined {
    try {
      const closing = exec.close(outcome);
      return closing ? closing.catch((err: unknown) => this.log.warn({ err }, failure)) : undefined;
    } catch (err) {
      this.log.warn({ err }, failure);
      return undefined;
    }
  }

  private async closeAllPortals(): Promise<void> {
    for (const p of this.portals.values()) await this.closePortal(p);
    this.portals.clear();
  }
}
