import type { CompiledQuery, Connector, DescribeResult, Health, ResultStream, TableInfo } from '../connectors/contract.ts';
import { PostgresConnector } from '../connectors/postgres/index.ts';
import { combine, type ScanEstimate } from '../estimate/index.ts';
import type { TableRead } from '../parser/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { LedgerAccess } from './access.ts';

/** The engine name the ledger is served under (reserved in the config). */
export const LEDGER_ENGINE = 'tollgate';

export interface LedgerConnectorOptions {
  /** The owner lists the views; each user reads them as their own role. */
  access: LedgerAccess;
  logger: Logger;
}

/**
 * The ledger served as tables (schema tollgate: queries, costs_daily), so analysts query their costs
 * with the same SQL and BI tools as their data. Each statement runs on a connection logged in as the
 * gateway user's own role, and the views show that role its team's rows (admins all): the filter is
 * PostgreSQL's, not tollgate's, so no SQL a user writes can widen it.
 */
export class LedgerConnector implements Connector {
  readonly name = LEDGER_ENGINE;
  readonly kind = 'postgres';
  private readonly perUser = new Map<string, Promise<PostgresConnector>>();

  private constructor(
    private readonly opts: LedgerConnectorOptions,
    private readonly owner: PostgresConnector,
  ) {}

  get capabilities() {
    return this.owner.capabilities;
  }

  static async create(opts: LedgerConnectorOptions): Promise<LedgerConnector> {
    const owner = await PostgresConnector.create({
      name: LEDGER_ENGINE,
      connection: opts.access.owner,
      schemas: ['tollgate'],
      maxConnections: 1,
      logger: opts.logger,
    });
    return new LedgerConnector(opts, owner);
  }

  listTables(): Promise<TableInfo[]> {
    return this.owner.listTables();
  }

  async describe(q: CompiledQuery): Promise<DescribeResult> {
    return (await this.forUser(q)).describe(q);
  }

  async execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream> {
    return (await this.forUser(q)).execute(q, opts);
  }

  /** Reading the ledger is free: its references cost nothing (and are never unknown). */
  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    return combine(
      reads.map((r) => ({
        schema: r.schema,
        name: r.name,
        position: r.position,
        columns: [...r.columns],
        files: { total: 0, kept: 0 },
        rowGroups: { total: 0, kept: 0 },
        bytes: 0,
        dataBytes: 0,
        metadataBytes: 0,
        chunkBytes: 0,
        pruned: [],
        notes: ['the ledger is free to read'],
      })),
    );
  }

  health(): Promise<Health> {
    return this.owner.health();
  }

  async close(): Promise<void> {
    const users = await Promise.all([...this.perUser.values()].map((p) => p.catch(() => null)));
    await Promise.all([this.owner.close(), ...users.map((c) => c?.close())]);
  }

  private forUser(q: CompiledQuery): Promise<PostgresConnector> {
    const user = q.context?.user;
    if (!user) throw new GatewayError('INTERNAL', 'a ledger statement without the user it runs for');
    let c = this.perUser.get(user);
    if (!c) {
      c = PostgresConnector.create({
        name: LEDGER_ENGINE,
        connection: this.opts.access.forUser(user),
        schemas: ['tollgate'],
        maxConnections: 2,
        logger: this.opts.logger,
      });
      this.perUser.set(user, c);
    }
    return c;
  }
}
