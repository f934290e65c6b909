import pg from 'pg';
import type { Logger } from '../log/index.ts';

/** A fallback reload period, for a notification lost while the listening connection was down. */
const DEFAULT_RELOAD_MS = 5000;

export interface ChangeListenerOptions {
  /** The NOTIFY channel, a constant identifier (LISTEN takes no bind parameters). */
  channel: string;
  /** How to reach the ledger (as its owner). */
  connection: pg.ClientConfig;
  /** Reloads the state the channel announces changes of; must not reject (it logs its own errors). */
  reload: () => Promise<void>;
  logger: Logger;
  /** What the state is, for log messages ("table migrations", "teams and users"). */
  what: string;
  reloadMs?: number;
}

/**
 * Keeps some in-memory state in step with the ledger on every instance sharing it: a change made through
 * any instance is NOTIFYed on a channel; this LISTENs and reloads at once, reconnects when the connection
 * drops, and reloads every few seconds anyway to cover a notification lost meanwhile.
 */
export class LedgerChangeListener {
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: ChangeListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`invalid channel name ${opts.channel}`);
  }

  /** Reloads once, then listens and reloads periodically. */
  async start(): Promise<void> {
    await this.opts.reload();
    await this.listen();
  }

  /** Listens and reloads periodically, for a caller that has loaded the state itself. */
  async listen(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => void this.opts.reload(), this.opts.reloadMs ?? DEFAULT_RELOAD_MS);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const { logger, what } = this.opts;
    const client = new pg.Client(this.opts.connection);
    client.on('error', (err) => logger.warn({ err }, `${what} notifications: connection error`));
    client.on('end', () => {
      this.listener = null;
      if (!this.closed) setTimeout(() => void this.connect().catch(() => {}), this.opts.reloadMs ?? DEFAULT_RELOAD_MS).unref();
    });
    client.on('notification', () => void this.opts.reload());
    try {
      await client.connect();
      // The channel is checked in the constructor to be a plain identifier.
      await client.query(`LISTEN ${this.opts.channel}`);
      this.listener = client;
    } catch (err) {
      logger.warn({ err }, `${what} notifications unavailable; reloaded every few seconds instead`);
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => {});
  }
}
