import pg from 'pg';
import type { Logger } from '../log/index.ts';
import { MIGRATION_CHANNEL, type MigrationStore } from './store.ts';
import type { TableMigration } from './types.ts';

/** A fallback reload period, for a notification lost while the listening connection was down. */
const RELOAD_MS = 5000;

/**
 * The migrations in force, kept in memory for the router (read on every query that touches a table).
 * A change made through any instance is NOTIFYed on the ledger; every instance LISTENs and reloads at
 * once, so a rollback applies to new queries immediately; a reload every few seconds covers a lost
 * notification.
 */
export class MigrationRegistry {
  private map: ReadonlyMap<string, TableMigration> = new Map();
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: MigrationStore,
    private readonly listen: pg.ClientConfig,
    private readonly logger: Logger,
  ) {}

  current(): ReadonlyMap<string, TableMigration> {
    return this.map;
  }

  async start(): Promise<void> {
    await this.reload();
    await this.connectListener();
    this.timer = setInterval(() => void this.reload(), RELOAD_MS);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    try {
      this.map = await this.store.load();
    } catch (err) {
      this.logger.warn({ err }, 'table migrations could not be reloaded; the last known states stay in force');
    }
  }

  private async connectListener(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.listen);
    client.on('error', (err) => this.logger.warn({ err }, 'migration notifications: connection error'));
    client.on('end', () => {
      this.listener = null;
      if (!this.closed) setTimeout(() => void this.connectListener().catch(() => {}), RELOAD_MS).unref();
    });
    client.on('notification', () => void this.reload());
    try {
      await client.connect();
      // LISTEN takes no bind parameters; the channel is a constant.
      await client.query(`LISTEN ${MIGRATION_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn({ err }, 'migration notifications unavailable; states are reloaded every few seconds');
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => {});
  }
}
