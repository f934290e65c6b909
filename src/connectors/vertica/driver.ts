/**
 * vertica-nodejs 1.1.4 (Vertica's official driver, a fork of node-postgres), loaded once, typed where
 * this connector touches it, and contained.
 *
 * What the driver does that a gateway cannot live with, and what is done about it here:
 *
 * - **It throws from inside the socket's 'data' handler.** v-protocol's parser `assert.fail`s on a
 *   message type it does not know, throws on Vertica's complex ("non-native") types and on an
 *   authentication request code it does not know; the Client throws when a message arrives with no
 *   active query (`this.activeQuery.handleDataRow` on null) or when the server's `protocol_version`
 *   ParameterStatus is out of its range. Thrown there, any of these is an uncaught exception: the
 *   process dies. Every connection made here gets its own `attachListeners`: the same parser and the
 *   same message dispatch as the driver's, inside a try/catch; a throw destroys that one socket with
 *   a {@link DriverFault}, which the driver then reports like any socket error (to the statement, then
 *   to the client's 'error' listeners). Nothing process-wide is installed.
 * - **It emits 'error' on clients at any time**, also after a client left its pool (an unexpected
 *   disconnect is reported again from an async 'end' handler, where a missing listener becomes an
 *   unhandled rejection). Every client made here has a permanent 'error' listener.
 * - **It reconnects on its own.** When an established connection ends, the Client tries the host's
 *   remaining resolved addresses on the same Client (a second session that nobody knows about); after
 *   a failed first attempt it calls the connect callback with the error and keeps trying anyway. Here a
 *   client makes one connection attempt per address list and never reconnects once connected.
 * - **It changes pg's type parsers.** Its type-overrides module calls `setTypeParser` on the pg-types
 *   registry it shares with `pg` for OIDs 5, 6, 7, 16, 17 and 20 (Vertica's BOOLEAN, INTEGER, FLOAT,
 *   NUMERIC, VARBINARY, UUID type OIDs). 16, 17 and 20 are PostgreSQL's bool, bytea and int8: loading
 *   the driver makes every `pg` client in the process read booleans as 't'/'f' and bytea as text. The
 *   PostgreSQL parsers of those three are put back right after the driver loads; this connector's
 *   clients get their own registry ({@link VERTICA_TYPE_PARSERS}), so the driver still reads Vertica's
 *   types right for anyone using it directly (5, 6 and 7 are not PostgreSQL types and keep the driver's).
 * - **Its TLS options object is mutated per connection** (`tls_config.socket = ...`): each client gets
 *   its own copy.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { textFields } from './datarow-values.ts';

const require = createRequire(import.meta.url);

/** A column of Vertica's RowDescription as v-protocol parses it. */
export interface VerticaField {
  name: string;
  /** Vertica's table OID (0 for an expression). */
  tableID: bigint;
  schemaName: string;
  tableName: string;
  columnID: number;
  /** Vertica's type OID (see types.ts). */
  dataTypeID: number;
  dataTypeSize: number;
  allowsNull: number;
  isIdentity: number;
  dataTypeModifier: number;
  format: 'text' | 'binary';
}

export interface RowDescriptionMessage {
  fields: VerticaField[];
}
export interface DataRowMessage {
  fields: Array<string | null>;
  /**
   * On this connector's clients (guardedAttachListeners): the message's bytes, valid only while the
   * message is being dispatched; `offset` is where the int16 field count starts.
   */
  readonly bytes?: Buffer;
  readonly offset?: number;
}

/**
 * A DataRow as this connector's parser hands it over: the parser's bytes and where the row starts,
 * read only by whoever wants it. `fields` reads the values as text (what v-protocol's parser does for
 * every row), for readers that want them so; either must be read while the message is dispatched,
 * as the parser reuses its buffer afterwards.
 */
export class RawDataRowMessage implements DataRowMessage {
  readonly name = 'dataRow';
  constructor(
    readonly length: number,
    readonly bytes: Buffer,
    readonly offset: number,
  ) {}

  get fields(): Array<string | null> {
    return textFields(this.bytes, this.offset);
  }
}
export interface ParameterDescriptionMessage {
  parameters: Array<{ oid: number; typemod: number; hasNotNull: number }>;
}
export interface CommandCompleteMessage {
  text: string;
}
export interface ReadyForQueryMessage {
  status: string;
}

/** v-protocol's DatabaseError: an ErrorResponse's fields (V, Vertica's own error number, is not kept). */
export interface DatabaseErrorFields {
  message?: string;
  severity?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

/** The driver's Connection (lib/connection.js): the frontend messages it writes and its events. */
export interface DriverConnection extends EventEmitter {
  stream: Socket;
  _emitMessage: boolean;
  query(text: string): void;
  parse(query: { name: string; text: string; types: number[] }): void;
  describe(msg: { type: 'S' | 'P'; name: string }): void;
  bind(config: { portal: string; statement: string; values: Array<string | null>; binary: boolean; dataTypeIDs: number[] }): void;
  execute(config: { portal: string; rows: number }): void;
  close(msg: { type: 'S' | 'P'; name: string }): void;
  flush(): void;
  sync(): void;
  sendCopyFail(message: string): void;
  attachListeners(stream: Socket): void;
}

/** What the driver's Client calls on the object at the head of its query queue ("submittable"). */
export interface Submittable {
  submit(connection: DriverConnection): Error | null | undefined;
  handleRowDescription(msg: RowDescriptionMessage): void;
  handleDataRow(msg: DataRowMessage): void;
  handleCommandComplete(msg: CommandCompleteMessage, connection: DriverConnection): void;
  handlePortalSuspended(msg: unknown, connection: DriverConnection): void;
  handleEmptyQuery(connection: DriverConnection): void;
  handleParameterDescription(msg: ParameterDescriptionMessage, connection: DriverConnection): void;
  handleBindComplete(connection: DriverConnection): void;
  handleError(err: unknown, connection: DriverConnection): void;
  handleReadyForQuery(connection: DriverConnection): void;
  handleCopyInResponse(connection: DriverConnection): void;
  _handleCopyDoneResponse(msg: unknown, connection: DriverConnection): void;
  handleLoadFile(msg: unknown, connection: DriverConnection): void;
  handleWriteFile(msg: unknown, connection: DriverConnection): void;
  handleVerifyFiles(msg: unknown, connection: DriverConnection): void;
  handleEndOfBatchResponse(connection: DriverConnection): void;
}

/** The driver's Client (lib/client.js), as far as this connector uses it. */
export interface DriverClient extends EventEmitter {
  connection: DriverConnection;
  processID: number | null;
  secretKey: number | null;
  readyForQuery: boolean;
  /** The submittable whose replies are arriving (the head of the query queue), if any. */
  activeQuery: Submittable | null;
  _queryable: boolean;
  _ending: boolean;
  _connected: boolean;
  _connectionError: boolean;
  connect(callback?: (err: Error | null) => void): Promise<void>;
  query(submittable: Submittable): void;
  end(): Promise<void>;
}

/** Client options the connector passes (see the driver's connection-parameters.js). */
export interface DriverClientConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Node TLS options; when set the driver sends SSLRequest and upgrades the socket. */
  tls_config?: ConnectionOptions;
  /** Session label (startup parameter client_label), shown in v_monitor.sessions. */
  client_label?: string;
  connectionTimeoutMillis?: number;
  keepAlive?: boolean;
  types?: TypeRegistry;
}

export interface TypeRegistry {
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
}

/**
 * A failure inside the driver (a throw while handling what the server sent), contained to its one
 * connection. `cause` is what the driver threw.
 */
export class DriverFault extends Error {
  constructor(cause: unknown) {
    super(`vertica-nodejs failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DriverFault';
  }
}

// --- loading: snapshot pg's parsers, load the driver, put pg's parsers back ------------------------

interface PgTypes {
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
  setTypeParser(oid: number, format: string, parser: (text: string) => unknown): void;
}

const driverEntry = require.resolve('vertica-nodejs');
const requireFromDriver = createRequire(driverEntry);
const pgTypesPath = requireFromDriver.resolve('pg-types');
const pgTypes = require(pgTypesPath) as PgTypes;
/** PostgreSQL builtin OIDs the driver's type-overrides module overwrites (bool, bytea, int8). */
const CLOBBERED_PG_OIDS = [16, 17, 20] as const;

function pristinePgParsers(): Map<number, (text: string) => unknown> {
  const driverLoaded = require.cache[requireFromDriver.resolve('./type-overrides.js')] !== undefined;
  const parsers = new Map<number, (text: string) => unknown>();
  if (!driverLoaded) {
    for (const oid of CLOBBERED_PG_OIDS) parsers.set(oid, pgTypes.getTypeParser(oid, 'text'));
    return parsers;
  }
  // Loaded before this module (someone required it directly): pg-types' own defaults.
  const textParsers = require(createRequire(pgTypesPath).resolve('./lib/textParsers.js')) as {
    init(register: (oid: number, parser: (text: string) => unknown) => void): void;
  };
  textParsers.init((oid, parser) => {
    if ((CLOBBERED_PG_OIDS as readonly number[]).includes(oid)) parsers.set(oid, parser);
  });
  return parsers;
}

const pgParsers = pristinePgParsers();

interface VerticaModule {
  version: string;
  Client: new (config: DriverClientConfig) => DriverClient;
}
const vertica = require(driverEntry) as VerticaModule;

/** The driver's own parsers for Vertica's OIDs, before pg's are put back. */
const verticaParsers = new Map<number, (text: string) => unknown>(
  [5, 6, 7, 16, 17, 20].map((oid) => [oid, pgTypes.getTypeParser(oid, 'text')]),
);
for (const [oid, parser] of pgParsers) pgTypes.setTypeParser(oid, 'text', parser);

/**
 * A type-parser registry that reads Vertica's type OIDs the way vertica-nodejs means to, without the
 * shared pg-types registry. (The connector itself reads raw text; this is for direct driver users.)
 */
export const VERTICA_TYPE_PARSERS: TypeRegistry = Object.freeze({
  getTypeParser(oid: number, format = 'text') {
    if (format === 'text') {
      const own = verticaParsers.get(oid);
      if (own !== undefined) return own;
    }
    return pgTypes.getTypeParser(oid, format);
  },
});

export const DRIVER_VERSION: string = vertica.version;

interface ParsedMessage {
  name: string;
}
interface ProtocolParser {
  parse(buffer: Buffer, callback: (msg: ParsedMessage) => void): void;
  parseDataRowMessage(offset: number, length: number, bytes: Buffer): ParsedMessage;
}
const vProtocolDist = createRequire(requireFromDriver.resolve('v-protocol'));
const { Parser } = vProtocolDist('./parser.js') as { Parser: new () => ProtocolParser };

/** A submittable that takes DataRows as the parser's bytes, without a message (query.ts' VerticaQuery). */
export interface DataRowBytesSink {
  handleDataRowBytes(bytes: Buffer, offset: number): void;
}

function isDataRowBytesSink(q: unknown): q is DataRowBytesSink {
  return q !== null && typeof q === 'object' && typeof (q as Partial<DataRowBytesSink>).handleDataRowBytes === 'function';
}

/** What parseDataRowMessage returns for a row it already handed over: dispatch skips it. */
const ROW_HANDED_OVER: ParsedMessage = Object.freeze({ name: 'dataRowHandedOver' });

/**
 * The driver's Connection#attachListeners (lib/connection.js), with the parse and dispatch inside a
 * try/catch: a throw destroys this socket with a DriverFault instead of escaping the 'data' event.
 *
 * DataRows are not turned into strings here. When the query at the head of the client's queue takes
 * rows as bytes (`rowSink()`), and the client's own 'dataRow' listener is the only one, each row goes
 * straight to it from the parser, in order, skipping the message object, the event and the client's
 * delegation (the driver's _handleDataRow only calls activeQuery.handleDataRow). Otherwise the row is a
 * RawDataRowMessage, emitted as the driver does.
 */
function guardedAttachListeners(connection: DriverConnection, stream: Socket, rowSink: () => unknown): void {
  stream.on('end', () => connection.emit('end'));
  const parser = new Parser();
  parser.parseDataRowMessage = (offset, length, bytes) => {
    const sink = connection._emitMessage ? null : rowSink();
    if (isDataRowBytesSink(sink) && connection.listenerCount('dataRow') === 1) {
      sink.handleDataRowBytes(bytes, offset);
      return ROW_HANDED_OVER;
    }
    return new RawDataRowMessage(length, bytes, offset);
  };
  let faulted = false;
  const dispatch = (msg: ParsedMessage): void => {
    if (msg === ROW_HANDED_OVER) return;
    const eventName = msg.name === 'error' ? 'errorMessage' : msg.name;
    if (connection._emitMessage) connection.emit('message', msg);
    connection.emit(eventName, msg);
  };
  stream.on('data', (buffer: Buffer) => {
    if (faulted) return;
    try {
      parser.parse(buffer, dispatch);
    } catch (e) {
      faulted = true;
      stream.destroy(new DriverFault(e));
    }
  });
}

let clientCounter = 0;

/** The driver's Client internals overridden below. */
interface ClientInternals {
  _roundRobinConnect(nodes: unknown[], addresses: unknown[], error?: Error): Promise<void>;
}

/**
 * vertica-nodejs's Client, contained: a guarded parser on its socket, a permanent 'error' listener,
 * no reconnection, the transaction status of the last ReadyForQuery, and its own statement names.
 */
export class VerticaClient extends (vertica.Client as unknown as new (config: DriverClientConfig) => DriverClient & ClientInternals) {
  /** ReadyForQuery's transaction status: 'I' idle, 'T' in a transaction, 'E' failed transaction. */
  txStatus = 'I';
  /** The first error the connection reported (socket error, FATAL, DriverFault), if any. */
  failure: Error | undefined;
  /** The session settings have been applied (see options.ts). */
  prepared = false;
  readonly id = ++clientCounter;
  private statements = 0;
  /** Called for every 'error' the client emits (set by the pool for logging). */
  onFailure: ((err: Error) => void) | undefined;

  constructor(config: DriverClientConfig) {
    // v-pool hands the options over with `password` non-enumerable: carry it explicitly.
    super({
      ...config,
      password: config.password,
      ...(config.tls_config !== undefined && { tls_config: { ...config.tls_config } }),
      types: config.types ?? VERTICA_TYPE_PARSERS,
    });
    const connection = this.connection;
    connection.attachListeners = (stream: Socket) => guardedAttachListeners(connection, stream, () => this.activeQuery);
    connection.on('readyForQuery', (msg: ReadyForQueryMessage) => {
      this.txStatus = msg.status;
    });
    this.on('error', (err: Error) => {
      this.failure ??= err;
      this.onFailure?.(err);
    });
  }

  /** A statement name no other statement of this session uses. */
  nextStatementName(): string {
    return `tollgate_s${++this.statements}`;
  }

  /** The socket is gone or the driver gave up on it. */
  get dead(): boolean {
    return this.failure !== undefined || !this._queryable || this._ending || this.connection.stream.destroyed;
  }

  override _roundRobinConnect(nodes: unknown[], addresses: unknown[], error?: Error): Promise<void> {
    // Once connected, failed, or ending: report, never reconnect on this Client.
    if (this._connected || this._connectionError || this._ending) {
      nodes.length = 0;
      addresses.length = 0;
    }
    return super._roundRobinConnect(nodes, addresses, error);
  }
}

/** v-pool (the driver's pg-pool fork), constructed with our Client class. */
export interface DriverPool extends EventEmitter {
  connect(): Promise<VerticaClient & { release(err?: Error | boolean): void }>;
  end(): Promise<void>;
  readonly totalCount: number;
  readonly idleCount: number;
}

export interface DriverPoolConfig extends DriverClientConfig {
  max: number;
  idleTimeoutMillis: number;
  /** Runs on each new client before first use; an error drops the client. */
  verify?: (client: VerticaClient, done: (err?: Error) => void) => void;
}

const VPool = requireFromDriver('v-pool') as new (options: DriverPoolConfig, client: typeof VerticaClient) => DriverPool;

export function createDriverPool(config: DriverPoolConfig): DriverPool {
  return new VPool(config, VerticaClient);
}
