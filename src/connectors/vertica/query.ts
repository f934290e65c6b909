/**
 * One statement on one vertica-nodejs Client, as a "submittable": an object the Client runs through its
 * query queue, calling its handle* methods with the server's replies (the mechanism the driver's own
 * Query is built on). It is an ordinary query as far as the Client is concerned: it waits for the
 * session to be free, sees the connection's errors, and leaves the Client ready.
 *
 * Three flows, each what Vertica and vertica-nodejs exchange for it:
 *
 *   simple     Query                          → RowDescription, DataRow*, CommandComplete, ReadyForQuery
 *   extended   Parse(name), Describe S, Flush → ParseComplete, ParameterDescription, RowDescription|NoData,
 *                                               CommandDescription
 *              Bind (values with the OIDs of the ParameterDescription), Flush → BindComplete
 *              Execute, Close S, Sync         → DataRow*, CommandComplete, CloseComplete, ReadyForQuery
 *   describe   Parse(name), Describe S, Close S, Sync → the same descriptions, CloseComplete, ReadyForQuery
 *   close      Close S(name), Sync                 → CloseComplete, ReadyForQuery (a statement left open)
 *
 * (Bind needs the ParameterDescription first: Vertica's Bind carries each parameter's type OID, which is
 * why vertica-nodejs, and this, wait for it. vertica-nodejs names statements s0, s1, ... and never closes
 * them; here they are closed.)
 *
 * **Streaming.** Vertica has no row limit on Execute (vertica-nodejs: "vertica doesn't support
 * result-row count limit") and no portal suspension: once executing, it sends every row. Rows are
 * kept here until read: as arrays of text, or (useColumns, for result streams) decoded as they arrive
 * straight from the DataRow bytes into column-major batches (int8 and float8 without a string per
 * value: datarow-values.ts); above `highWaterRows` buffered rows the socket is paused, so TCP flow
 * control stops Vertica's sender (it blocks on a full socket, as it does for any slow client) and
 * memory stays bounded: the buffered rows, plus at most one socket read (64 KiB) the parser was
 * already walking through, plus the kernel's buffers. Reading below `lowWaterRows` resumes the socket.
 */
import type {
  CommandCompleteMessage,
  DataRowBytesSink,
  DataRowMessage,
  DriverConnection,
  ParameterDescriptionMessage,
  RowDescriptionMessage,
  Submittable,
  VerticaField,
} from './driver.ts';
import { DriverFault } from './driver.ts';
import type { RowBatch } from '../contract.ts';
import type { ValueTextDecoder } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { fastFloat8, fastInt8, textAsIs } from './types.ts';
import { float8FromBytes, int8FromBytes, textFields, utf8 } from './datarow-values.ts';

export type RawRow = Array<string | null>;
export type QueryMode = 'simple' | 'extended' | 'describe' | 'close';

export interface QueryOptions {
  mode: QueryMode;
  text: string;
  /** Values for the `?` markers (extended). */
  values?: Array<string | null>;
  /** The prepared statement's name (extended, describe, close). */
  statementName?: string;
  /** Pause the socket at this many buffered rows (default 16384). */
  highWaterRows?: number;
}

type Phase = 'queued' | 'running' | 'done' | 'failed';

/** How a column's values are read from a DataRow's bytes. */
const KIND_DECODE = 0;
const KIND_TEXT = 1;
const KIND_INT8 = 2;
const KIND_FLOAT8 = 3;

/** Column-major decoding of the rows as they arrive (see {@link VerticaQuery.useColumns}). */
interface ColumnSink {
  decoders: readonly ValueTextDecoder[];
  kinds: Uint8Array;
  batchRows: number;
  /** The error a reader gets for a value of column `column` that cannot be decoded. */
  describeError(column: number, cause: unknown): unknown;
}

interface Waiter {
  max: number;
  resolve(value: RawRow[] | RowBatch | null): void;
  reject(e: unknown): void;
}

/** The decoders with a reader straight from the bytes (datarow-values.ts) get it; the rest decode text. */
function kindOf(decoder: ValueTextDecoder): number {
  if (decoder === textAsIs) return KIND_TEXT;
  if (decoder === fastInt8) return KIND_INT8;
  if (decoder === fastFloat8) return KIND_FLOAT8;
  return KIND_DECODE;
}

function emptyColumns(count: number, rows: number): PgValue[][] {
  const cols = new Array<PgValue[]>(count);
  for (let c = 0; c < count; c++) cols[c] = new Array<PgValue>(rows);
  return cols;
}

const noop = (): void => {};

export class VerticaQuery implements Submittable, DataRowBytesSink {
  readonly mode: QueryMode;
  /** The result columns once described ([] for a statement without rows). */
  readonly described: Promise<VerticaField[]>;
  /** Settles when the session is ready for the next statement (or lost); never rejects. */
  readonly settled: Promise<void>;
  /** Vertica's type OIDs of the `?` markers (ParameterDescription). */
  paramOids: number[] = [];
  /** CommandComplete's tag ('SELECT', ...). */
  commandTag: string | undefined;
  /** The prepared statement exists on the server (ParseComplete seen, no CloseComplete yet). */
  statementOpen = false;
  /** Rows received so far. */
  rowsReceived = 0;

  private phase: Phase = 'queued';
  /** All rows arrived (CommandComplete / PortalSuspended / EmptyQuery). */
  private complete = false;
  private syncSent = false;
  private error: unknown;
  private connection: DriverConnection | null = null;
  private readonly text: string;
  private readonly values: Array<string | null>;
  readonly statementName: string;
  private readonly highWater: number;
  private readonly lowWater: number;
  private rows: RawRow[] = [];
  private head = 0;
  private paused = false;
  private discarding = false;
  private waiter: Waiter | null = null;
  // Column-major mode (useColumns): the batch being filled, and full batches not read yet.
  private sink: ColumnSink | null = null;
  private cols: PgValue[][] = [];
  private fill = 0;
  private batches: RowBatch[] = [];
  private batchedRows = 0;
  private decodeFailed = false;
  private decodeError: unknown;
  private flushScheduled = false;
  private describedSettle: { resolve(f: VerticaField[]): void; reject(e: unknown): void } | null;
  private settleReady!: () => void;
  private readonly onNoData = (): void => this.describedAs([]);
  private readonly onParseComplete = (): void => {
    this.statementOpen = true;
  };
  private readonly onCloseComplete = (): void => {
    this.statementOpen = false;
  };
  private readonly onReadyForQuery = (): void => this.ready();
  /** The connection ended before ReadyForQuery: nothing more will come. */
  private readonly onEnd = (): void => {
    if (this.phase === 'running') this.fail(new Error('Connection terminated unexpectedly'));
    this.ready();
  };

  constructor(opts: QueryOptions) {
    this.mode = opts.mode;
    this.text = opts.text;
    this.values = opts.values ?? [];
    this.statementName = opts.statementName ?? '';
    this.highWater = opts.highWaterRows ?? 16384;
    this.lowWater = Math.max(1, this.highWater >> 1);
    let settle!: { resolve(f: VerticaField[]): void; reject(e: unknown): void };
    this.described = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.describedSettle = settle;
    this.described.catch(noop); // observed by the caller; a failure nobody awaits is not unhandled
    this.settled = new Promise((resolve) => {
      this.settleReady = resolve;
    });
  }

  /** Vertica may be working on the statement now (submitted, rows not all received). */
  get executing(): boolean {
    return this.phase === 'running' && !this.complete;
  }

  get isSettled(): boolean {
    return this.phase === 'done' || (this.phase === 'failed' && this.connection === null);
  }

  get failure(): unknown {
    return this.error;
  }

  // --- the Client's side --------------------------------------------------------------------------

  submit(connection: DriverConnection): null {
    this.connection = connection;
    this.phase = 'running';
    connection.on('noData', this.onNoData);
    connection.on('parseComplete', this.onParseComplete);
    connection.on('closeComplete', this.onCloseComplete);
    connection.on('readyForQuery', this.onReadyForQuery);
    connection.on('end', this.onEnd);
    if (this.mode === 'simple') {
      connection.query(this.text);
      return null;
    }
    if (this.mode === 'close') {
      connection.close({ type: 'S', name: this.statementName });
      this.sync(connection);
      return null;
    }
    connection.parse({ name: this.statementName, text: this.text, types: [] });
    connection.describe({ type: 'S', name: this.statementName });
    if (this.mode === 'describe') {
      connection.close({ type: 'S', name: this.statementName });
      this.sync(connection);
    } else {
      connection.flush();
    }
    return null;
  }

  handleParameterDescription(msg: ParameterDescriptionMessage, connection: DriverConnection): void {
    this.paramOids = msg.parameters.map((p) => p.oid);
    if (this.mode !== 'extended' || this.phase !== 'running') return;
    if (this.paramOids.length !== this.values.length) {
      this.fail(new DriverFault(new Error(`Vertica expects ${this.paramOids.length} parameters, the statement has ${this.values.length}`)));
      this.sync(connection);
      return;
    }
    connection.bind({ portal: '', statement: this.statementName, values: this.values, binary: false, dataTypeIDs: this.paramOids });
    connection.flush();
  }

  handleBindComplete(connection: DriverConnection): void {
    if (this.phase !== 'running') return;
    connection.execute({ portal: '', rows: 0 });
    connection.close({ type: 'S', name: this.statementName });
    this.sync(connection);
  }

  handleRowDescription(msg: RowDescriptionMessage): void {
    this.describedAs(msg.fields);
  }

  /** A DataRow as the driver's message: its text values, or the parser's bytes (RawDataRowMessage). */
  handleDataRow(msg: DataRowMessage): void {
    if (msg.bytes !== undefined) this.rowArrived(msg.bytes, msg.offset!, null);
    else this.rowArrived(null, 0, msg.fields);
  }

  /**
   * A DataRow handed over by this connector's parser without a message object (driver.ts): `offset` is
   * where its int16 field count starts; the bytes are valid only during this call.
   */
  handleDataRowBytes(bytes: Buffer, offset: number): void {
    this.rowArrived(bytes, offset, null);
  }

  private rowArrived(bytes: Buffer | null, offset: number, fields: RawRow | null): void {
    if (this.phase !== 'running' || this.discarding) return;
    this.rowsReceived++;
    let ready: boolean;
    if (this.sink !== null) {
      if (this.decodeFailed) return; // the reader gets the error; the rest is dropped
      const batches = this.batches.length;
      if (bytes !== null) this.decodeBytes(bytes, offset);
      else this.decodeTexts(fields!);
      ready = this.batches.length > batches || this.decodeFailed;
    } else {
      this.rows.push(fields ?? textFields(bytes!, offset));
      ready = this.waiter !== null && this.rows.length - this.head >= this.waiter.max;
    }
    if (!this.paused && this.buffered() >= this.highWater) {
      this.paused = true;
      this.connection?.stream.pause();
    }
    if (this.waiter !== null) {
      if (ready) this.deliver();
      else this.scheduleFlush();
    }
  }

  handleCommandComplete(msg: CommandCompleteMessage): void {
    this.commandTag = msg.text;
    this.rowsDone();
  }

  /** Vertica sends PortalSuspended where PostgreSQL sends CommandComplete (vertica-nodejs client.js). */
  handlePortalSuspended(): void {
    this.rowsDone();
  }

  handleEmptyQuery(): void {
    this.rowsDone();
  }

  /** The statement's ErrorResponse, or the connection's error (socket, FATAL, DriverFault). */
  handleError(err: unknown, connection: DriverConnection): void {
    const fromServer = err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && !(err instanceof DriverFault) && (err as { severity?: unknown }).severity !== 'FATAL';
    // An error in the extended flow before Sync: Vertica skips to the next Sync, then ReadyForQuery.
    if (fromServer && this.mode !== 'simple') this.sync(connection);
    this.fail(err);
    if (!fromServer) this.ready(); // the connection is gone: nothing more will come
  }

  /** The Client routes ReadyForQuery here unless the statement failed; settling listens on the connection. */
  handleReadyForQuery(): void {
    this.ready();
  }

  // COPY never runs here (the guard refuses it); a server asking for data gets a refusal.
  handleCopyInResponse(connection: DriverConnection): void {
    this.fail(new DriverFault(new Error('unexpected COPY IN response')));
    connection.sendCopyFail('tollgate sends no data');
  }
  handleLoadFile(): void {
    this.fatal(new Error('unexpected LoadFile message'));
  }
  handleWriteFile(): void {
    this.fatal(new Error('unexpected WriteFile message'));
  }
  handleVerifyFiles(): void {
    this.fatal(new Error('unexpected VerifyFiles message'));
  }
  _handleCopyDoneResponse(): void {}
  handleEndOfBatchResponse(): void {}

  // --- the reader's side --------------------------------------------------------------------------

  /**
   * Up to `max` rows: resolves when `max` rows are buffered, or with what has arrived once the
   * current socket read is processed, or [] when all rows were read. Rejects with the statement's error.
   */
  read(max: number): Promise<RawRow[]> {
    if (this.sink !== null) return Promise.reject(new Error('VerticaQuery: rows are read as batches (readBatch)'));
    if (this.waiter !== null) return Promise.reject(new Error('VerticaQuery: one read at a time'));
    if (this.phase === 'failed') return Promise.reject(this.error);
    const available = this.rows.length - this.head;
    if (available >= max || (this.complete && available > 0)) return Promise.resolve(this.take(max));
    if (this.complete || this.discarding || this.phase === 'done') return Promise.resolve([]);
    return new Promise<RawRow[]>((resolve, reject) => {
      this.waiter = { max, resolve: resolve as Waiter['resolve'], reject };
      if (available > 0) this.scheduleFlush();
      this.resumeIfLow();
    });
  }

  /**
   * From now on rows are decoded as they arrive, straight from the DataRow bytes into column-major
   * batches of `batchRows` rows (rows already buffered as text are decoded first); read them with
   * {@link readBatch}. A value that cannot be decoded: the batches before it are still read, then
   * readBatch rejects with `describeError(column, cause)` and the remaining rows are dropped.
   */
  useColumns(decoders: readonly ValueTextDecoder[], batchRows: number, describeError: (column: number, cause: unknown) => unknown): void {
    if (this.sink !== null) throw new Error('VerticaQuery: useColumns once');
    const kinds = new Uint8Array(decoders.length);
    for (let c = 0; c < decoders.length; c++) kinds[c] = kindOf(decoders[c]!);
    this.sink = { decoders, kinds, batchRows: Math.max(1, batchRows), describeError };
    this.cols = emptyColumns(decoders.length, this.sink.batchRows);
    const pending = this.rows.length > this.head ? this.rows.slice(this.head) : [];
    this.rows = [];
    this.head = 0;
    for (const row of pending) {
      if (this.decodeFailed) break;
      this.decodeTexts(row);
    }
  }

  /**
   * The next column-major batch (after {@link useColumns}): a full one when there is one, else what has
   * arrived once the current socket read is processed; null when all rows were read. Rejects with the
   * statement's error, or the decoding error once the batches before it were read.
   */
  readBatch(): Promise<RowBatch | null> {
    if (this.sink === null) return Promise.reject(new Error('VerticaQuery: readBatch needs useColumns'));
    if (this.waiter !== null) return Promise.reject(new Error('VerticaQuery: one read at a time'));
    if (this.phase === 'failed') return Promise.reject(this.error);
    if (this.batches.length > 0 || ((this.complete || this.phase === 'done') && this.fill > 0)) return Promise.resolve(this.takeBatch());
    if (this.decodeFailed) return Promise.reject(this.decodeError);
    if (this.complete || this.discarding || this.phase === 'done') return Promise.resolve(null);
    return new Promise<RowBatch | null>((resolve, reject) => {
      this.waiter = { max: this.sink!.batchRows, resolve: resolve as Waiter['resolve'], reject };
      if (this.fill > 0) this.scheduleFlush();
      this.resumeIfLow();
    });
  }

  /** Stops keeping rows: drops what is buffered and lets the socket run until the statement ends. */
  discard(): void {
    this.discarding = true;
    this.dropBuffered();
    this.resume();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(this.sink !== null ? null : []);
  }

  // --- internals ------------------------------------------------------------------------------------

  private sync(connection: DriverConnection): void {
    if (this.syncSent) return;
    this.syncSent = true;
    connection.sync();
  }

  private describedAs(fields: VerticaField[]): void {
    this.describedSettle?.resolve(fields);
    this.describedSettle = null;
  }

  private rowsDone(): void {
    if (this.complete) return;
    this.complete = true;
    this.describedAs([]);
    if (this.waiter !== null) this.deliver();
  }

  private fail(err: unknown): void {
    if (this.phase === 'failed') return;
    this.phase = 'failed';
    this.error = err;
    this.dropBuffered();
    this.resume();
    this.describedSettle?.reject(err);
    this.describedSettle = null;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  /** A message the statement cannot go on from: this connection is closed. */
  private fatal(cause: Error): void {
    const fault = new DriverFault(cause);
    this.fail(fault);
    this.connection?.stream.destroy(fault);
  }

  private ready(): void {
    const connection = this.connection;
    if (connection !== null) {
      connection.removeListener('noData', this.onNoData);
      connection.removeListener('parseComplete', this.onParseComplete);
      connection.removeListener('closeComplete', this.onCloseComplete);
      connection.removeListener('readyForQuery', this.onReadyForQuery);
      connection.removeListener('end', this.onEnd);
    }
    this.resume();
    this.connection = null;
    if (this.phase === 'running') {
      this.phase = 'done';
      this.complete = true;
      this.describedAs([]);
      if (this.waiter !== null) this.deliver();
    }
    this.settleReady();
  }

  private take(max: number): RawRow[] {
    const end = Math.min(this.head + max, this.rows.length);
    const out = this.rows.slice(this.head, end);
    this.head = end;
    if (this.head === this.rows.length) {
      this.rows = [];
      this.head = 0;
    } else if (this.head >= 8192 && this.head * 2 >= this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
    this.resumeIfLow();
    return out;
  }

  private deliver(): void {
    const w = this.waiter;
    if (w === null) return;
    if (this.sink !== null) {
      if (this.batches.length > 0 || this.fill > 0) {
        this.waiter = null;
        w.resolve(this.takeBatch());
      } else if (this.decodeFailed) {
        this.waiter = null;
        w.reject(this.decodeError);
      } else if (this.complete || this.phase !== 'running') {
        this.waiter = null;
        w.resolve(null);
      }
      return;
    }
    const available = this.rows.length - this.head;
    if (available === 0 && !this.complete && this.phase === 'running') return;
    this.waiter = null;
    w.resolve(available === 0 ? [] : this.take(w.max));
  }

  /** Hands over the rows of the current socket read once the parser is through it. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.waiter !== null && this.buffered() > 0) this.deliver();
    });
  }

  /** Rows held for the reader. */
  private buffered(): number {
    return this.sink !== null ? this.batchedRows + this.fill : this.rows.length - this.head;
  }

  private dropBuffered(): void {
    this.rows = [];
    this.head = 0;
    this.batches = [];
    this.batchedRows = 0;
    if (this.fill > 0) {
      this.cols = emptyColumns(this.cols.length, this.sink!.batchRows);
      this.fill = 0;
    }
  }

  /** One DataRow, read from the parser's bytes (`at`: its int16 field count) into the batch being filled. */
  private decodeBytes(bytes: Buffer, at: number): void {
    const sink = this.sink!;
    const { kinds, decoders } = sink;
    const cols = this.cols;
    const r = this.fill;
    const ncols = cols.length;
    // Lengths read by hand (no per-call checks of Buffer#readInt32BE); reads past the buffer still throw.
    const limit = bytes.length;
    if (at + 2 > limit) throw new RangeError('DataRow: its field count runs past the buffer');
    const count = ((bytes[at]! << 24) >> 16) | bytes[at + 1]!;
    at += 2;
    let c = 0;
    try {
      for (; c < ncols; c++) {
        const col = cols[c]!;
        if (c >= count) {
          col[r] = null;
          continue;
        }
        if (at + 4 > limit) throw new RangeError('DataRow: a field length runs past the buffer');
        const len = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
        at += 4;
        if (len < 0) {
          col[r] = null;
          continue;
        }
        const end = at + len;
        if (end > limit) throw new RangeError('DataRow: a value runs past the buffer');
        switch (kinds[c]) {
          case KIND_TEXT:
            col[r] = utf8(bytes, at, end);
            break;
          case KIND_INT8:
            col[r] = int8FromBytes(bytes, at, end);
            break;
          case KIND_FLOAT8:
            col[r] = float8FromBytes(bytes, at, end);
            break;
          default:
            col[r] = decoders[c]!(utf8(bytes, at, end));
        }
        at = end;
      }
    } catch (e) {
      this.failDecoding(c, e);
      return;
    }
    if (++this.fill === sink.batchRows) this.sealBatch();
  }

  /** One row of text into the batch being filled. */
  private decodeTexts(row: RawRow): void {
    const sink = this.sink!;
    const { decoders } = sink;
    const cols = this.cols;
    const r = this.fill;
    let c = 0;
    try {
      for (; c < cols.length; c++) {
        const text = row[c];
        cols[c]![r] = text === null || text === undefined ? null : decoders[c]!(text);
      }
    } catch (e) {
      this.failDecoding(c, e);
      return;
    }
    if (++this.fill === sink.batchRows) this.sealBatch();
  }

  /** A value that cannot be decoded: the batch it is in is dropped, and so are the rows after it. */
  private failDecoding(column: number, cause: unknown): void {
    this.decodeFailed = true;
    this.decodeError = this.sink!.describeError(column, cause);
    this.cols = emptyColumns(this.cols.length, this.sink!.batchRows);
    this.fill = 0;
    this.resume();
  }

  /** The batch being filled becomes a batch to read (trimmed to its rows). */
  private sealBatch(): void {
    const n = this.fill;
    if (n === 0) return;
    const cols = this.cols;
    const size = this.sink!.batchRows;
    if (n < size) for (const col of cols) col.length = n;
    this.batches.push({ rowCount: n, columns: cols });
    this.batchedRows += n;
    this.cols = emptyColumns(cols.length, size);
    this.fill = 0;
  }

  private takeBatch(): RowBatch {
    if (this.batches.length === 0) this.sealBatch();
    const batch = this.batches.shift()!;
    this.batchedRows -= batch.rowCount;
    this.resumeIfLow();
    return batch;
  }

  private resumeIfLow(): void {
    if (this.paused && this.buffered() < this.lowWater) this.resume();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const stream = this.connection?.stream;
    if (stream !== undefined && !stream.destroyed) stream.resume();
  }
}

/** A whole result, for the connector's own statements (catalog, statistics, health). */
export interface FetchedRows {
  fields: VerticaField[];
  rows: RawRow[];
}

/**
 * Runs one statement of the connector's own to its end and returns every row (small results only):
 * the simple protocol without values, the extended one with `?` markers and values.
 */
export async function fetchAll(client: { query(q: Submittable): void; nextStatementName(): string }, text: string, values: Array<string | null> = []): Promise<FetchedRows> {
  const q =
    values.length === 0
      ? new VerticaQuery({ mode: 'simple', text, highWaterRows: Number.MAX_SAFE_INTEGER })
      : new VerticaQuery({ mode: 'extended', text, values, statementName: client.nextStatementName(), highWaterRows: Number.MAX_SAFE_INTEGER });
  client.query(q);
  try {
    const fields = await q.described;
    const rows: RawRow[] = [];
    for (;;) {
      const batch = await q.read(65536);
      if (batch.length === 0) break;
      for (const row of batch) rows.push(row);
    }
    return { fields, rows };
  } finally {
    await q.settled;
    if (q.statementOpen) {
      const close = new VerticaQuery({ mode: 'close', text: '', statementName: q.statementName });
      client.query(close);
      await close.settled;
    }
  }
}
