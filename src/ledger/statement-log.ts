import { randomUUID } from 'node:crypto';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from '../log/index.ts';
import { copyNumber, copyText, copyTimestamp } from './copy-text.ts';
import { fingerprint } from './fingerprint.ts';
import { migrateLedger, syncLedgerUsers } from './schema.ts';
import type { StatementTags } from './tags.ts';

/** What kind of work a statement was: an engine query, a catalog statement answered locally, a COPY, ... */
export type StatementKind = 'query' | 'catalog' | 'copy' | 'session' | 'explain';
/** `refused`: tollgate declined to run it (a write, a byte limit, a budget), no engine was asked. */
export type StatementStatus = 'ok' | 'error' | 'refused' | 'cancelled';

export interface StatementRecord {
  id?: string;
  startedAt: Date;
  durationMs: number;
  sessionId: number;
  user: string;
  team: string;
  applicationName?: string;
  tags?: StatementTags;
  kind: StatementKind;
  status: StatementStatus;
  sqlstate?: string;
  errorMessage?: string;
  statement: string;
  rows?: number;
  /** Engine name, or names joined with '+' for a federated statement. */
  engine?: string;
  estimatedBytes?: number;
  billedBytes?: number;
  actualBytes?: number;
  /** In the configured currency; 0 for everything that is not billed. */
  cost?: number;
  cacheHit?: boolean;
  /** A cache hit's: what running the statement would have cost (its priced estimate), in the configured currency. */
  savedCost?: number;
}

/** Statements longer than this are stored cut, with a marker: the ledger is not a blob store. */
const MAX_STATEMENT_CHARS = 16 * 1024;
const MAX_BATCH = 1000;
/** Distinct statement texts whose COPY fields are kept (see statementFields), and the longest kept. */
const MAX_KEPT_STATEMENTS = 1000;
const MAX_KEPT_STATEMENT_CHARS = 4096;
/** Records per COPY within a batch (see writeInChunks). */
const CHUNK = 200;
/**
 * Records kept while the ledger's PostgreSQL is unreachable; past that the oldest tenth is dropped and
 * counted (at once, not one record per new one: shifting a buffer this long per record would make every
 * statement pay for it).
 */
const MAX_BUFFERED = 100_000;
/**
 * Records waiting past which one nobody waits for is waited for after all, while the ledger is being
 * written: statements then go at the pace the ledger takes them instead of piling up until records are
 * dropped (a stream of cache hits can outrun one PostgreSQL connection).
 */
const BACKLOG_WAIT = 4 * MAX_BATCH;
const RETRY_MS = 2000;
/** How long a record nobody waits for may wait for company before it is written. */
const LAZY_FLUSH_MS = 200;

export interface StatementLogOptions {
  connection: pg.PoolConfig;
  /** Names this gateway process in each record (several instances may share a ledger). */
  instance: string;
  logger: Logger;
}

interface Pending {
  record: StatementRecord & { id: string };
  /** A client waits for it: it is written at once, not with the next lazy batch. */
  urgent: boolean;
  /** Resolves when the record is committed, or when writing it failed (it stays queued for a retry). */
  done: () => void;
}

/**
 * The ledger's record of every statement clients run. Group commit: a record joins the batch being
 * gathered, batches are written one at a time with one COPY, and record() resolves once its batch is
 * committed. The session waits for that before it tells the client the statement is complete, so
 * nothing a client saw acknowledged is missing after a crash; under load many statements share one
 * commit, so the wait stays about one round trip. If the ledger's PostgreSQL is unreachable, records are
 * kept (bounded) and retried, and clients are not held up.
 */
export class StatementLog {
  private readonly pool: pg.Pool;
  /** The instance name as a COPY field, made once. */
  private readonly instance: string;
  private readonly statementFieldsByText = new Map<string, string>();
  private buffer: Pending[] = [];
  /** Urgent records in the buffer: when a write ends, the next starts at once only if there are any. */
  private urgentQueued = 0;
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lazyTimer: NodeJS.Timeout | null = null;
  private dropped = 0;
  private closed = false;

  private constructor(private readonly opts: StatementLogOptions) {
    this.instance = copyText(opts.instance);
    // synchronous_commit off: a commit returns once PostgreSQL has the rows in its WAL buffers, without
    // waiting for the disk (an fsync per statement cost ~5 ms here). A tollgate crash loses nothing:
    // PostgreSQL writes the WAL within a fraction of a second; only an OS crash could lose that fraction.
    this.pool = new pg.Pool({ ...opts.connection, max: 2, idleTimeoutMillis: 30_000, options: '-c synchronous_commit=off' });
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

  /** Which users see which team's rows through the tollgate.* views (see schema.ts). */
  async syncUsers(users: ReadonlyArray<{ name: string; team: string; admin: boolean }>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await syncLedgerUsers(client, users);
    } finally {
      client.release();
    }
  }

  /** Today's storage charges; a table already charged for that day is left as it is (another instance did it). */
  async recordStorage(rows: ReadonlyArray<{ day: string; schema: string; name: string; engine: string; team: string; bytes: number; cost: number }>): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await this.pool.query(
      `INSERT INTO ledger.storage_charges (day, schema_name, table_name, engine, team, bytes, cost)
       SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::numeric[])
       ON CONFLICT (day, schema_name, table_name, engine) DO NOTHING`,
      [rows.map((x) => x.day), rows.map((x) => x.schema), rows.map((x) => x.name), rows.map((x) => x.engine), rows.map((x) => x.team), rows.map((x) => x.bytes), rows.map((x) => String(x.cost))],
    );
    return r.rowCount ?? 0;
  }

  /**
   * Queues one record (kept as given, its id set if missing); resolves when it is committed (never rejects). An urgent record (one a client waits
   * for) starts a write at once; others wait up to LAZY_FLUSH_MS to share it, so a BI tool's burst of
   * catalog statements costs the ledger one write, not one each.
   */
  record(r: StatementRecord, opts: { urgent?: boolean } = {}): Promise<void> {
    const urgent = opts.urgent ?? true;
    return new Promise<void>((resolve) => this.queue(r, urgent, resolve));
  }

  /**
   * Queues a record nobody waits for (written with the next batch, within LAZY_FLUSH_MS): record() without
   * its promise. Unless the ledger is behind (BACKLOG_WAIT records waiting while writes succeed): then the
   * promise of its write is returned, for the caller to wait on (backpressure, not loss).
   */
  enqueue(r: StatementRecord): Promise<void> | undefined {
    if (this.buffer.length < BACKLOG_WAIT || this.retryTimer !== null) {
      this.queue(r, false, NOTHING);
      return undefined;
    }
    // Waited for, so written without waiting for company (LAZY_FLUSH_MS).
    return new Promise<void>((resolve) => this.queue(r, true, resolve));
  }

  private queue(r: StatementRecord, urgent: boolean, done: () => void): void {
    // The caller's record is kept as it is (copying a record of ~20 fields costs more than the rest here).
    r.id ??= randomUUID();
    if (this.closed) {
      this.opts.logger.warn({ id: r.id, kind: r.kind }, 'ledger closed; statement not recorded');
      done();
      return;
    }
    this.buffer.push({ record: r as StatementRecord & { id: string }, urgent, done });
    if (urgent) this.urgentQueued++;
    if (this.buffer.length > MAX_BUFFERED) {
      const excess = this.buffer.splice(0, this.buffer.length - MAX_BUFFERED + MAX_BUFFERED / 10);
      for (const p of excess) this.settle(p);
      this.dropped += excess.length;
    }
    // A full batch needs no company.
    if (urgent || this.buffer.length >= MAX_BATCH) this.kick();
    else this.kickLater();
  }

  /**
   * The bytes an engine reported reading for a recorded statement, learned after it ended. Call it once
   * record() has resolved (the row must be written); a row not found (still buffered) is left as it is.
   */
  async recordActualBytes(id: string, bytes: number): Promise<void> {
    if (this.closed) return;
    await this.pool.query('UPDATE ledger.statements SET actual_bytes = $2 WHERE id = $1', [id, bytes]);
  }

  /** Resolves when everything queued so far has been written (or failed to be). */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing) {
      this.kick();
      await this.writing;
      if (this.retryTimer && this.buffer.length > 0) return; // unreachable: leave them for the retry
    }
  }

  async close(): Promise<void> {
    if (this.lazyTimer) clearTimeout(this.lazyTimer);
    this.lazyTimer = null;
    await this.flush();
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.buffer.length > 0) {
      this.opts.logger.error({ records: this.buffer.length }, 'ledger closed with unwritten records');
      for (const p of this.buffer) p.done();
    }
    await this.pool.end();
  }

  /** Resolves a record's waiter, once; an urgent one stops counting as waited for. */
  private settle(p: Pending): void {
    if (p.urgent) {
      p.urgent = false;
      this.urgentQueued--;
    }
    p.done();
  }

  /** Writes what is buffered within LAZY_FLUSH_MS, unless a write starts sooner. */
  private kickLater(): void {
    this.lazyTimer ??= setTimeout(() => {
      this.lazyTimer = null;
      this.kick();
    }, LAZY_FLUSH_MS);
  }

  /**
   * Starts writing the next batch unless one is being written. When a write ends, the next starts at
   * once only if a client waits for a record or a full batch is waiting; records nobody waits for (cache
   * hits, catalog statements) wait for company, so a steady stream of them is written in a few large
   * writes a second, not in back-to-back small ones that keep the ledger's PostgreSQL busy.
   */
  private kick(): void {
    if (this.writing || this.retryTimer || this.buffer.length === 0) return;
    if (this.lazyTimer) clearTimeout(this.lazyTimer);
    this.lazyTimer = null;
    const batch = this.buffer.splice(0, MAX_BATCH);
    this.writing = this.writeInChunks(batch)
      .finally(() => {
        this.writing = null;
        if (this.dropped > 0) {
          this.opts.logger.error({ dropped: this.dropped }, 'ledger records dropped: the ledger could not be written for too long');
          this.dropped = 0;
        }
        if (this.urgentQueued > 0 || this.buffer.length >= MAX_BATCH) this.kick();
        else if (this.buffer.length > 0) this.kickLater();
      });
  }

  /**
   * A batch as COPYs of up to CHUNK records, one after the other, each chunk's waiters released once it
   * is committed. Why chunks: a chunk's text is made in one synchronous go, during which no client of
   * this process gets an answer (with node-postgres' array parameters, 1,000 cache hits took ~8 ms and
   * the hit p99 was several ms). If a chunk fails, it and the chunks after it go back to the front of the
   * buffer and are retried after RETRY_MS; the ones before are written.
   */
  private async writeInChunks(batch: Pending[]): Promise<void> {
    for (let i = 0; i < batch.length; i += CHUNK) {
      const chunk = batch.slice(i, i + CHUNK);
      try {
        await this.write(chunk.map((p) => p.record));
      } catch (err) {
        const rest = batch.slice(i);
        this.opts.logger.error({ err, records: rest.length }, 'writing to the ledger failed; will retry');
        this.buffer = rest.concat(this.buffer);
        for (const p of rest) this.settle(p);
        // Resolved waiters are dropped from the retried entries: clients are not held while the ledger is down.
        for (const p of rest) p.done = NOTHING;
        if (!this.closed)
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.kick();
          }, RETRY_MS);
        return;
      }
      for (const p of chunk) this.settle(p);
    }
  }

  /** The records in one COPY; if PostgreSQL refuses the data itself, each record alone (see refused()). */
  private async write(batch: ReadonlyArray<StatementRecord & { id: string }>): Promise<void> {
    try {
      await this.copy(batch);
    } catch (e) {
      if (!refusedData(e)) throw e;
      // Retried, a refused record would be refused forever, and would hold back every record behind it
      // until the buffer is full; alone, it is dropped; in a batch, each record is written alone.
      if (batch.length === 1) return this.refused(batch[0]!, e);
      for (const r of batch) await this.copy([r]).catch((err: unknown) => this.refused(r, err));
    }
  }

  /** A record PostgreSQL refuses on its own: logged and dropped; rethrown if the cause is elsewhere (connection, server). */
  private refused(r: StatementRecord & { id: string }, err: unknown): void {
    if (!refusedData(err)) throw err;
    const about = { id: r.id, user: r.user, team: r.team, kind: r.kind, sqlstate: (err as { code?: string }).code, reason: (err as Error).message };
    // Written by an earlier try whose answer was lost (the connection dropped after the commit).
    if (about.sqlstate === UNIQUE_VIOLATION) this.opts.logger.warn(about, 'ledger record already written');
    else this.opts.logger.error(about, 'ledger record refused by PostgreSQL; dropped');
  }

  /**
   * One COPY for the records: one statement, so they commit or fail together. Why COPY and not one
   * INSERT with an array parameter per column: for a batch of cache hits, node-postgres' escaping of 24
   * arrays cost ~8.5 µs a record and PostgreSQL's unnesting ~28 µs; COPY text costs ~3 µs to make here
   * and ~14-20 µs to load there, on the same cores that serve the hits.
   */
  private async copy(batch: ReadonlyArray<StatementRecord & { id: string }>): Promise<void> {
    let text = '';
    for (const r of batch) text += this.line(r);
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      const copy = client.query(copyFrom(COPY_STATEMENTS));
      copy.end(text);
      await finished(copy);
    } catch (e) {
      failure = e as Error;
      throw e;
    } finally {
      // A connection whose COPY failed is not reused: whether it is back in a clean state is not known.
      client.release(failure);
    }
  }

  /**
   * The statement and fingerprint fields of a statement's text, kept for the next record of it (a
   * dashboard's statements recur all day): escaping and fingerprinting were ~2% of a cache hit.
   */
  private statementFields(statement: string): string {
    let fields = this.statementFieldsByText.get(statement);
    if (fields === undefined) {
      const stored = statement.length > MAX_STATEMENT_CHARS ? `${statement.slice(0, MAX_STATEMENT_CHARS)}…[cut]` : statement;
      fields = `${copyText(stored)}\t${copyText(fingerprint(statement))}`;
      if (this.statementFieldsByText.size >= MAX_KEPT_STATEMENTS) this.statementFieldsByText.clear();
      // A long statement is not kept: its text would be held twice, for little gain.
      if (statement.length <= MAX_KEPT_STATEMENT_CHARS) this.statementFieldsByText.set(statement, fields);
    }
    return fields;
  }

  /** One record as a line of COPY text, in COPY_STATEMENTS' column order. */
  private line(r: StatementRecord & { id: string }): string {
    const started = r.startedAt.getTime();
    return (
      `${copyText(r.id)}\t${copyTimestamp(started)}\t${copyTimestamp(started + r.durationMs)}\t${copyNumber(r.durationMs)}\t` +
      `${this.instance}\t${copyNumber(r.sessionId)}\t${copyText(r.user)}\t${copyText(r.team)}\t${copyText(r.applicationName)}\t` +
      `${r.tags === undefined ? '{}' : copyText(JSON.stringify(r.tags))}\t${copyText(r.kind)}\t${copyText(r.status)}\t` +
      `${copyText(r.sqlstate)}\t${copyText(r.errorMessage)}\t${this.statementFields(r.statement)}\t` +
      `${copyNumber(r.rows)}\t${copyText(r.engine)}\t${copyNumber(r.estimatedBytes)}\t${copyNumber(r.billedBytes ?? 0)}\t` +
      `${copyNumber(r.actualBytes)}\t${copyNumber(r.cost ?? 0)}\t${r.cacheHit ? 't' : 'f'}\t${copyNumber(r.savedCost ?? 0)}\n`
    );
  }
}

const COPY_STATEMENTS = `COPY ledger.statements (id, started_at, ended_at, duration_ms, instance, session_id, user_name, team, application_name,
  tags, kind, status, sqlstate, error_message, statement, fingerprint, rows, engine,
  estimated_bytes, billed_bytes, actual_bytes, cost, cache_hit, saved_cost) FROM STDIN`;

const UNIQUE_VIOLATION = '23505';

const NOTHING = (): void => {};

/** PostgreSQL refused the data itself (data exception, class 22; integrity constraint, class 23): trying again will not help. */
function refusedData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
