import type pg from 'pg';
import { LedgerChangeListener } from '../ledger/change-listener.ts';
import type { Logger } from '../log/index.ts';
import { MIGRATION_CHANNEL, type MigrationStore } from './store.ts';
import type { TableMigration } from './types.ts';

/**
 * The migrations in force, kept in memory for the router (read on every query that touches a table).
 * A change made through any instance is NOTIFYed on the ledger; every instance LISTENs and reloads at
 * once, so a rollback applies to new queries immediately; a reload every few seconds covers a lost
 * notification (ledger/change-listener.ts).
 */
export class MigrationRegistry {
  private map: ReadonlyMap<string, TableMigration> = new Map();
  private readonly listener: LedgerChangeListener;

  constructor(
    private readonly store: MigrationStore,
    listen: pg.ClientConfig,
    private readonly logger: Logger,
  ) {
    this.listener = new LedgerChangeListener({ channel: MIGRATION_CHANNEL, connection: listen, reload: () => this.reload(), logger, what: 'migration' });
  }

  current(): ReadonlyMap<string, TableMigration> {
    return this.map;
  }

  async start(): Promise<void> {
    await this.listener.start();
  }

  async reload(): Promise<void> {
    try {
      this.map = await this.store.load();
    } catch (err) {
      this.logger.warn({ err }, 'table migrations could not be reloaded; the last known states stay in force');
    }
  }

  async close(): Promise<void> {
    await this.listener.close();
  }
}
