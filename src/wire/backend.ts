import type { ColumnInfo, RowBatch, ResultSummary } from '../connectors/contract.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type { CopyOptions } from '../parser/index.ts';

/**
 * What the protocol layer needs from the rest of the gateway. The wire knows messages, formats and
 * states; everything about SQL, users and engines sits behind this interface (implemented in src/executor).
 */

/** How a user may authenticate: a SCRAM-SHA-256 verifier, or a cleartext-allowed password check. */
export interface UserCredentials {
  name: string;
  /** 'SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>' as in pg_authid. */
  scramVerifier: string;
  /** Whether the config allows cleartext password authentication for this user. */
  allowCleartext: boolean;
}

export interface StartupInfo {
  user: string;
  database: string;
  /** Every startup parameter as sent (application_name, client_encoding, DateStyle, TimeZone, options, ...). */
  parameters: Record<string, string>;
  remoteAddress: string;
  tls: boolean;
  /** The backend process id the client was given (pg_backend_pid()). */
  processId: number;
}

/** Per-session settings visible to the encoder (text output of dates and times depends on them). */
export interface OutputSettings {
  dateStyle: string;
  timeZone: string;
  /** PostgreSQL's extra_float_digits; > 0 means shortest round-trip output (the default since PG 12). */
  extraFloatDigits: number;
  intervalStyle: string;
  byteaOutput: string;
}

export interface PreparedStatement {
  /** Parameter type OIDs, one per $n, resolved (0 only when nothing could be inferred). */
  readonly paramTypes: readonly number[];
  /** Result columns, or null when the statement returns no rows (SET, BEGIN, ...). */
  readonly columns: readonly ColumnInfo[] | null;
}

/**
 * Where the wire pulls a statement's rows from, batch by batch. An async iterator is one; a source whose
 * next batch is already in memory (a cache hit) answers without a promise.
 */
export interface RowSource {
  next(): IteratorResult<RowBatch> | Promise<IteratorResult<RowBatch>>;
}

export interface StatementExecution {
  /** Result columns, or null for a statement that returns no rows. */
  readonly columns: readonly ColumnInfo[] | null;
  /** Rows, pulled by the wire as the client reads (absent when columns is null). */
  readonly batches?: RowSource;
  /** Command tag for CommandComplete given the number of rows sent ('SELECT 42', 'SET', 'BEGIN'). */
  commandTag(rowsSent: number): string;
  /**
   * Releases engine resources; called exactly once, also when the client stops early or an error occurs.
   * Returns nothing when there was nothing to wait for.
   */
  close(outcome: { error?: unknown; rowsSent: number }): Promise<void> | void;
  summary?(): ResultSummary | undefined;
  /** Set for COPY ... TO STDOUT: rows go out as CopyData in this format instead of DataRows. */
  copyOut?: CopyOptions;
  /** A change to protocol-level state that only the wire holds (DEALLOCATE, DISCARD ALL). */
  sessionEffect?: { kind: 'deallocate'; name: string | null };
}

/** Notices and parameter changes a statement wants the client to see. */
export interface SessionEvents {
  notice(message: string, options?: { severity?: 'NOTICE' | 'WARNING' | 'INFO'; sqlstate?: string; detail?: string; hint?: string }): void;
  parameterStatus(name: string, value: string): void;
}

export type TransactionStatus = 'I' | 'T' | 'E';

/** One client session as seen by the gateway. */
export interface BackendSession {
  /** Parameters reported with ParameterStatus after authentication, in order. */
  initialParameterStatus(): Array<[string, string]>;
  outputSettings(): OutputSettings;
  transactionStatus(): TransactionStatus;
  /** Splits a simple-query string into statements (respecting quotes, dollar quotes and comments). */
  splitStatements(sql: string): string[];
  /** Parse + analyze a statement for the extended protocol (Parse message); may answer without a promise. */
  prepare(sql: string, paramTypes: readonly number[]): PreparedStatement | Promise<PreparedStatement>;
  /**
   * Runs a statement (prepared or from a simple query) with bound, decoded parameters. May answer
   * without a promise when nothing had to wait (a cache hit); a failure then throws.
   */
  execute(
    sql: string,
    prepared: PreparedStatement | null,
    params: readonly PgValue[],
    opts: { signal: AbortSignal; events: SessionEvents },
  ): StatementExecution | Promise<StatementExecution>;
  /** Called when a statement failed inside an explicit transaction block (moves it to 'E'). */
  markFailed(): void;
  close(): Promise<void>;
}

export interface GatewayBackend {
  /** Undefined when the user does not exist (the wire still runs a fake SCRAM exchange to avoid user probing). */
  credentials(user: string): Promise<UserCredentials | undefined>;
  /** Checks the database name and opens a session; throws GatewayError (3D000, ...) to refuse. */
  openSession(info: StartupInfo): Promise<BackendSession>;
}
