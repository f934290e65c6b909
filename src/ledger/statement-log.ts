import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log/index.ts';
import { migrateLedger } from './schema.ts';

/** What kind of work a statement was: an engine query, a catalog statement answered locally, a COPY. */
export type StatementKind = 'query' | 'catalog' | 'copy';
export type StatementStatus = 'ok' | 'error' | 'cancelled';

export interface StatementRecord {
  id?: string;
  startedAt: Date;
  durationMs: number;
  sessionId: number;
  user: string;
  team: string;
  applicationName?: string;
  kind: StatementKind;
  status: StatementStatus;
  sqlstate?: string;
  errorMessage?: string;
  statement: string;
  rows?: number;
  engine?: string;
}

/** Statements longer than this are stored cut, with a marker: the ledger is not a blob store. */
const MAX_STATEMENT_CHARS = 64 * 1024;
const FLUSH_INTERVAL_MS = 250;
const FLUSH_BATCH = 500;
/** Records kept while the ledger's PostgreSQL is unreachable; past that the oldest are dropped and counted. */
const MAX_BUFFERED = 100_000;

export interface StatementLogOptions {
  connection: pg.PoolConfig;
  /** Names this gateway process in each record (several instances may share a ledger). */
  instance: string;
  logger: Logger;
}

/**
 * The ledger's record of every statement clients run (catalog traffic included, so its volume is
 * visible). Records are buffered and written in batches off the query path; a failed write keeps them
 * for the next try. Charging queries to budgets (issue 7) needs a synchronous path; this is not it.
 */
export class StatementLog {
  private readonly pool: pg.Pool;
  private buffer: StatementRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private closed = false;

  private constructor(private readonly opts: StatementLogOptions) {
    this.pool = new pg.Pool({ ...opts.connection, max: 2, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (err) => opts.logger.warn({ err }, 'ledger connection error'));
  }

  static async open(opts: StatementLogOptions): Promise<StatementLog> {
    const log = new StatementLog(opts);
    const client = await log.pool.connect();
    try {
      await migrateLedger(client);
    } finally {
      client.release();
    }
    return log;
  }

  /** Queues one record; returns its id. Never throws and never waits. */
  record(r: StatementRecord): string {
    const id = r.id ?? randomUUID();
    if (this.closed) {
      this.opts.logger.warn({ id, kind: r.kind }, 'ledger closed; statement not recorded');
      return id;
    }
    this.buffer.push({ ...r, id });
    if (this.buffer.length > MAX_BUFFERED) {
      const excess = this.buffer.length - MAX_BUFFERED;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= FLUSH_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
    return id;
  }

  /** Writes everything buffered so far; resolves when written (or when the write failed and was logged). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch)
      .catch((err: unknown) => {
        this.opts.logger.error({ err, records: batch.length }, 'writing to the ledger failed; will retry');
        this.buffer = batch.concat(this.buffer);
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS * 8);
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    if (this.dropped > 0) {
      this.opts.logger.error({ dropped: this.dropped }, 'ledger records dropped: the ledger was unreachable too long');
      this.dropped = 0;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.buffer.length > 0) this.opts.logger.error({ records: this.buffer.length }, 'ledger closed with unwritten records');
    await this.pool.end();
  }

  /** One INSERT for the whole batch: each column is one array parameter, unnested server-side. */
  private async write(batch: StatementRecord[]): Promise<void> {
    const col = <T>(f: (r: StatementRecord) => T) => batch.map(f);
    await this.pool.query(
      `INSERT INTO ledger.statements (id, started_at, duration_ms, instance, session_id, user_name, team, application_name,
         kind, status, sqlstate, error_message, statement, rows, engine)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[])`,
      [
        col((r) => r.id),
        col((r) => r.startedAt.toISOString()),
        col((r) => r.durationMs),
        col(() => this.opts.instance),
        col((r) => r.sessionId),
        col((r) => r.user),
        col((r) => r.team),
        col((r) => r.applicationName ?? null),
        col((r) => r.kind),
        col((r) => r.status),
        col((r) => r.sqlstate ?? null),
        col((r) => r.errorMessage ?? null),
        col((r) => (r.statement.length > MAX_STATEMENT_CHARS ? `${r.statement.slice(0, MAX_STATEMENT_CHARS)}…[cut]` : r.statement)),
        col((r) => r.rows ?? null),
        col((r) => r.engine ?? null),
      ],
    );
  }
}
