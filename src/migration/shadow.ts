import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import type { Logger } from '../log/index.ts';
import { fingerprint } from '../ledger/fingerprint.ts';
import { DigestBuilder, difference, type ResultDigest } from './compare.ts';
import type { MigrationStore } from './store.ts';
import type { SideResult, TableMigration } from './types.ts';

/** One side of a shadow run, opened by the caller (the session routes it with the table pinned). */
export interface OpenedSide {
  engine: string;
  columns: readonly ColumnInfo[];
  batches: AsyncIterable<RowBatch>;
  close(): Promise<void>;
  estimatedBytes: number | null;
  cost: number | null;
}

export interface ShadowJob {
  statement: string;
  /** The migrating tables this statement is compared for (one comparison row each). */
  tables: TableMigration[];
  open(side: 'old' | 'new', signal: AbortSignal): Promise<OpenedSide>;
}

export interface ShadowOptions {
  store: MigrationStore;
  logger: Logger;
  /** Shadow statements running at once on this instance; beyond it a sample is dropped. */
  maxConcurrent: number;
  /** Estimated bytes shadow runs may read per UTC day on this instance (both sides). */
  maxBytesPerDay: number;
  /** Relative float tolerance of the comparison. */
  floatTolerance: number;
  /** Rows compared at most per side; a larger result is recorded as skipped. */
  maxRows: number;
  /** Longest a shadow side may run. */
  timeoutMs: number;
}

/**
 * Runs sampled statements on both sides of a migration, off the client's path, and records how they
 * compare. The old engine runs the statement a second time rather than the client's stream being
 * copied: the client is never slowed or held by a comparison, at the price of one more read of the old
 * engine for sampled statements only. Nothing here reaches the client, and nothing is charged to a team
 * (the cost of both sides is recorded with the comparison, as the platform's).
 */
export class ShadowRunner {
  private running = 0;
  private day = '';
  private bytesToday = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: ShadowOptions) {}

  /** Queues a job if the caps allow; never blocks and never throws. */
  submit(job: ShadowJob): boolean {
    const today = new Date().toISOString().slice(0, 10);
    if (today !== this.day) {
      this.day = today;
      this.bytesToday = 0;
    }
    if (this.running >= this.opts.maxConcurrent || this.bytesToday >= this.opts.maxBytesPerDay) {
      this.opts.logger.debug({ running: this.running, bytesToday: this.bytesToday }, 'shadow run dropped: at its cap');
      return false;
    }
    this.running++;
    const p = this.run(job)
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'shadow run failed'))
      .finally(() => {
        this.running--;
        this.pending.delete(p);
      });
    this.pending.add(p);
    return true;
  }

  /** Resolves when every shadow run started so far has ended (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async run(job: ShadowJob): Promise<void> {
    const old = await this.side(job, 'old');
    const neu = await this.side(job, 'new');
    this.bytesToday += (old.result.estimatedBytes ?? 0) + (neu.result.estimatedBytes ?? 0);
    let outcome: 'match' | 'mismatch' | 'error' | 'skipped';
    let reason: string;
    if (old.result.error !== null || neu.result.error !== null) {
      outcome = old.tooLarge || neu.tooLarge ? 'skipped' : 'error';
      reason = old.result.error !== null ? `old engine: ${old.result.error}` : `new engine: ${neu.result.error}`;
    } else {
      const diff = difference(old.digest!, neu.digest!);
      outcome = diff === null ? 'match' : 'mismatch';
      reason = diff ?? 'same rows';
    }
    if (outcome === 'mismatch') this.opts.logger.warn({ tables: job.tables.map((t) => `${t.schema}.${t.name}`), reason, statement: job.statement }, 'shadow run: results differ');
    for (const t of job.tables)
      await this.opts.store.record({ schema: t.schema, name: t.name, statement: job.statement, fingerprint: fingerprint(job.statement), outcome, reason, old: old.result, new: neu.result });
  }

  private async side(job: ShadowJob, which: 'old' | 'new'): Promise<{ result: SideResult; digest: ResultDigest | null; tooLarge: boolean }> {
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    timer.unref();
    const engine = which === 'old' ? job.tables[0]!.oldEngine : job.tables[0]!.newEngine;
    let opened: OpenedSide | null = null;
    try {
      opened = await job.open(which, controller.signal);
      const digest = new DigestBuilder(opened.columns, this.opts.floatTolerance);
      let rows = 0;
      for await (const batch of opened.batches) {
        rows += batch.rowCount;
        if (rows > this.opts.maxRows) {
          return { result: side(opened.engine, started, opened, `more than ${this.opts.maxRows} rows: not compared`), digest: null, tooLarge: true };
        }
        digest.add(batch);
      }
      const d = digest.digest();
      return { result: { ...side(opened.engine, started, opened, null), rows: d.rows, types: d.types, checksum: d.checksum }, digest: d, tooLarge: false };
    } catch (e) {
      return { result: side(opened?.engine ?? engine, started, opened, (e as Error).message), digest: null, tooLarge: false };
    } finally {
      clearTimeout(timer);
      await opened?.close().catch(() => {});
    }
  }
}

function side(engine: string, started: number, opened: OpenedSide | null, error: string | null): SideResult {
  return {
    engine,
    rows: null,
    types: null,
    checksum: null,
    ms: performance.now() - started,
    estimatedBytes: opened?.estimatedBytes ?? null,
    cost: opened?.cost ?? null,
    error,
  };
}
