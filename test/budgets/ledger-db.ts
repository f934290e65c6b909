import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrateLedger } from '../../src/ledger/index.ts';
import { BudgetStore, type BudgetStoreOptions } from '../../src/budgets/index.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';

/** A fake clock: tests move it by hand. */
export class FakeClock {
  constructor(public t: Date) {}
  readonly now = (): Date => this.t;
  set(iso: string): void {
    this.t = new Date(iso);
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

export interface LedgerDb {
  target: Target;
  /** A new pool on the migrated ledger database; ended by stop(). */
  pool(max?: number): pg.Pool;
  store(opts?: Partial<BudgetStoreOptions>): BudgetStore;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL 15 with the ledger migrated, for the budget tests. Tests share it and keep out
 * of each other's way by using their own team names (uniqueTeam), so one cluster serves a whole file.
 * max_connections is raised: the concurrency tests open 50 connections per run.
 */
export async function startLedgerDb(): Promise<LedgerDb> {
  const target = await startPostgres({ settings: { max_connections: '160' } });
  const pools: pg.Pool[] = [];
  const pool = (max = 10) => {
    const p = new pg.Pool({ ...target.clientConfig('admin'), max });
    p.on('error', () => {});
    pools.push(p);
    return p;
  };
  try {
    const client = new pg.Client(target.clientConfig('admin'));
    await client.connect();
    try {
      await migrateLedger(client);
    } finally {
      await client.end();
    }
  } catch (e) {
    await target.stop();
    throw e;
  }
  return {
    target,
    pool,
    store: (opts = {}) => new BudgetStore({ pool: opts.pool ?? pool(), timeZone: 'UTC', ...opts }),
    stop: async () => {
      await Promise.all(pools.map((p) => p.end()));
      await target.stop();
    },
  };
}

export function uniqueTeam(prefix = 'team'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
