import type { ColumnInfo, RowBatch } from '../../connectors/contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { PgValue } from '../../pgtypes/index.ts';
import type { BackendSession, GatewayBackend, OutputSettings, SessionEvents, StatementExecution } from '../../wire/backend.ts';
import { decodeParameter } from '../../wire/parameters.ts';
import type { Principal } from '../auth.ts';

/** A bound parameter as JSON sends it; numbers and booleans are sent as their text. */
export type JsonParam = string | number | boolean | null;

/** Where an HTTP statement comes from, for the session's StartupInfo. */
export interface HttpOrigin {
  principal: Principal;
  /** The configured database name (server.database). */
  database: string;
  remoteAddress: string;
  tls: boolean;
}

export const HTTP_APPLICATION_NAME = 'tollgate-http';

/**
 * A session for one HTTP request, opened like a PostgreSQL connection of the authenticated user (who
 * already proved their password or token to the HTTP layer): the same executor session, so the statement
 * is routed, priced, budgeted, cached and recorded exactly as over the wire.
 */
export async function openHttpSession(backend: GatewayBackend, origin: HttpOrigin): Promise<BackendSession> {
  return backend.openSession({
    user: origin.principal.user,
    database: origin.database,
    parameters: { application_name: HTTP_APPLICATION_NAME },
    remoteAddress: origin.remoteAddress,
    tls: origin.tls,
    // No wire process: there is no cancel key to match; cancellation is the request's AbortSignal.
    processId: 0,
  });
}

/** The one statement of `sql`, as the wire's Parse accepts it (one statement, no empty query). */
export function singleStatement(session: BackendSession, sql: string): string {
  const statements = session.splitStatements(sql);
  if (statements.length === 0) throw new GatewayError('INVALID_PARAMETER_VALUE', 'sql contains no statement');
  if (statements.length > 1)
    throw new GatewayError('SYNTAX_ERROR', `cannot run ${statements.length} statements in one request; send one statement per request`);
  return statements[0]!;
}

/**
 * Decodes JSON parameters by the types prepare() reported, exactly as Bind with text format does on the
 * wire (wire/parameters.ts): a number or boolean counts as its text, so 5 for an int8 is '5'.
 */
export function decodeParams(params: readonly JsonParam[], types: readonly number[], settings: OutputSettings): PgValue[] {
  if (params.length !== types.length)
    throw new GatewayError('INVALID_PARAMETER_VALUE', `params has ${params.length} value(s) but the statement has ${types.length} parameter(s)`, {
      hint: types.length === 0 ? 'Remove params, or use $1, $2, ... in the SQL.' : `Send one value per $1 … $${types.length}.`,
    });
  return params.map((p, i) => {
    if (p === null) return null;
    const text = typeof p === 'string' ? p : String(p);
    return decodeParameter(Buffer.from(text, 'utf8'), types[i] ?? 0, 0, i + 1, settings);
  });
}

/** Notices of a statement, as messages. */
export function collectingEvents(notices: string[]): SessionEvents {
  return { notice: (message) => notices.push(message), parameterStatus: () => {} };
}

/** Rows [from, to) of an engine batch. */
export interface RowSlice {
  batch: RowBatch;
  from: number;
  to: number;
}

/**
 * One running statement of an HTTP request: its rows up to a limit, then close(outcome) once and the
 * session closed. Stopping at the limit closes the statement early, as a client closing a cursor does
 * (the ledger records the rows sent and an ok status).
 */
export class HttpStatement {
  rowsSent = 0;
  truncated = false;
  private pending: IteratorResult<RowBatch> | undefined;
  private finished: Promise<void> | undefined;

  constructor(
    readonly session: BackendSession,
    readonly exec: StatementExecution,
    readonly notices: string[],
    private readonly maxRows: number,
    private readonly signal: AbortSignal,
  ) {}

  get columns(): readonly ColumnInfo[] | null {
    return this.exec.columns;
  }

  commandTag(): string {
    return this.exec.commandTag(this.rowsSent);
  }

  /**
   * Waits for the first batch, so that an error the engine raises when the statement starts is still
   * answered with its status code (before any header is sent).
   */
  async prefetch(): Promise<void> {
    if (this.exec.batches && this.exec.columns) this.pending = await this.next();
  }

  private async next(): Promise<IteratorResult<RowBatch>> {
    if (this.signal.aborted) throw this.signal.reason;
    return this.exec.batches!.next();
  }

  /** The rows, batch by batch, up to maxRows; sets truncated when rows were left. */
  async *rows(): AsyncGenerator<RowSlice> {
    if (!this.exec.batches || !this.exec.columns) return;
    for (;;) {
      const r = this.pending ?? (await this.next());
      this.pending = undefined;
      if (r.done) return;
      const batch = r.value;
      const room = this.maxRows - this.rowsSent;
      if (room <= 0) {
        if (batch.rowCount > 0) {
          this.truncated = true;
          return;
        }
        continue;
      }
      const to = Math.min(batch.rowCount, room);
      // Counted before the slice is handed out: a consumer that stops here has still sent it.
      this.rowsSent += to;
      if (to > 0) yield { batch, from: 0, to };
      if (to < batch.rowCount) {
        this.truncated = true;
        return;
      }
    }
  }

  /**
   * Closes the statement (recording it) and the session; once, whatever calls it first. A body torn
   * down because the client went away finishes without an error of its own: the abort is the outcome.
   */
  finish(error?: unknown): Promise<void> {
    if (error === undefined && this.signal.aborted) error = this.signal.reason;
    this.finished ??= (async () => {
      try {
        await this.exec.close({ ...(error !== undefined && { error }), rowsSent: this.rowsSent });
      } finally {
        await this.session.close();
      }
    })();
    return this.finished;
  }
}

/** Opens a session, prepares, binds and executes `sql`; on failure the session is closed again. */
export async function startStatement(
  backend: GatewayBackend,
  origin: HttpOrigin,
  sql: string,
  params: readonly JsonParam[],
  opts: { maxRows: number; signal: AbortSignal },
): Promise<HttpStatement> {
  const session = await openHttpSession(backend, origin);
  const notices: string[] = [];
  let exec: StatementExecution;
  try {
    const statement = singleStatement(session, sql);
    const prepared = await session.prepare(statement, []);
    const values = decodeParams(params, prepared.paramTypes, session.outputSettings());
    exec = await session.execute(statement, prepared, values, { signal: opts.signal, events: collectingEvents(notices) });
  } catch (e) {
    await session.close().catch(() => {});
    throw e;
  }
  const running = new HttpStatement(session, exec, notices, opts.maxRows, opts.signal);
  try {
    await running.prefetch();
  } catch (e) {
    await running.finish(e).catch(() => {});
    throw e;
  }
  return running;
}
