import { hostname } from 'node:os';
import pg from 'pg';
import type { Config } from '../config/index.ts';
import { postgresConnectionFromConfig } from '../connectors/postgres/index.ts';
import { GatewayError } from '../errors/index.ts';
import { ShadowCatalog } from '../catalog/index.ts';
import { embeddedLedgerAccess, externalLedgerAccess, LedgerConnector, StatementLog, type LedgerAccess, type LedgerConnection } from '../ledger/index.ts';
import { BudgetGuard, BudgetStore, WebhookSender } from '../budgets/index.ts';
import { MigrationRegistry, MigrationStore, ShadowRunner } from '../migration/index.ts';
import { startEmbeddedPostgres } from '../metastore/index.ts';
import { DirectoryAdmin, DirectoryStore, type UserDirectory } from '../users/index.ts';
import type { Logger } from '../log/index.ts';
import type { MetastoreAddress } from '../serving/index.ts';

export interface Metastore {
  /** Where it listens, for the serving workers. */
  address: MetastoreAddress;
  /** True in a serving worker: the primary owns it (its roles, catalog and users). */
  attached: boolean;
  catalog: ShadowCatalog;
  ledger: StatementLog;
  budgets: Budgets;
  migrations: Migrations;
  /** The ledger served as tables (schema tollgate), each user seeing their team's rows. */
  ledgerConnector: LedgerConnector;
  /** Teams and users managed through the admin API. */
  directory: DirectoryAdmin;
  stop(): Promise<void>;
}

/**
 * Where the metastore comes from: started here (the embedded PostgreSQL, in `dataDir`), or, in a serving
 * worker (serving/), the primary's, already prepared: a worker connects to it and writes no roles, users
 * or catalog of its own.
 */
export type MetastoreSource =
  | { kind: 'start'; maxConnections: number; afterDirectoryChange?: () => Promise<void> }
  | { kind: 'attach'; address: MetastoreAddress };

/** How long a worker waits for the primary to make the roles of users it hears of (they are made first there). */
const ROLE_WAIT_MS = 10_000;

/**
 * Starts the embedded PostgreSQL and prepares what lives there: the users' roles and the shadow
 * catalog database, and the ledger. Without it, catalog statements cannot be answered and nothing is
 * recorded; the gateway still serves queries and says why in the log.
 */
export async function startMetastore(config: Config, directory: UserDirectory, logger: Logger, source: MetastoreSource): Promise<Metastore | null> {
  let server: MetastoreAddress & { stop(): Promise<void> };
  if (source.kind === 'attach') {
    server = { ...source.address, stop: async () => {} };
  } else {
    try {
      server = await startEmbeddedPostgres({ dataDir: config.dataDir, maxConnections: source.maxConnections, logger: logger.child({ component: 'metastore' }) });
    } catch (err) {
      logger.error({ err }, 'the embedded PostgreSQL did not start: catalog statements (pg_catalog, information_schema) will fail and the ledger records nothing');
      return null;
    }
  }
  const attached = source.kind === 'attach';
  const base = { host: server.socketDir, port: server.port, user: server.user };
  const catalog = new ShadowCatalog({ admin: { ...base, database: server.database }, logger: logger.child({ component: 'catalog' }) });
  let ledger: StatementLog | null = null;
  let ledgerConnector: LedgerConnector | null = null;
  let access: LedgerAccess;
  let directoryPool: pg.Pool | null = null;
  let directoryAdmin: DirectoryAdmin | null = null;
  try {
    access = config.ledger ? externalLedgerAccess(postgresConnectionFromConfig('ledger', config.ledger.connection)) : embeddedLedgerAccess(server);
    const ledgerLogger = logger.child({ component: 'ledger' });
    try {
      ledger = await StatementLog.open({ connection: access.owner, instance: `${hostname()}:${process.pid}`, logger: ledgerLogger });
      // The users are the config's plus the ledger's (users/): loaded first, so each gets its roles.
      directoryPool = new pg.Pool({ ...access.owner, max: 3, idleTimeoutMillis: 30_000 });
      directoryPool.on('error', (err) => logger.warn({ err }, 'directory connection error'));
      const ledgerAccess = access;
      const rolesPool = directoryPool;
      directoryAdmin = new DirectoryAdmin({
        directory,
        store: new DirectoryStore(directoryPool),
        listen: access.owner,
        // A worker shares the primary's catalog and ledger, whose roles the primary makes (it hears of every
        // new user too): two processes making the same roles at once would fail each other.
        prepareRoles: attached
          ? (names) => waitForRoles(rolesPool, names, logger)
          : async (names) => {
              await catalog.prepareUsers(names);
              await ledgerAccess.prepareRoles(names);
            },
        reservedNames: [server.user, access.owner.user],
        ...(source.kind === 'start' && source.afterDirectoryChange && { afterChange: source.afterDirectoryChange }),
        logger: logger.child({ component: 'users' }),
      });
      await directoryAdmin.start();
      if (!attached) await ledger.syncUsers([...directory.users.values()].map((u) => ({ name: u.name, team: u.team, admin: u.role === 'admin' })));
    } catch (e) {
      throw config.ledger ? ledgerUnreachable(access.where, e) : e;
    }
    ledgerConnector = await LedgerConnector.create({ access, logger: ledgerLogger });
    ledgerLogger.info({ ledger: access.where }, 'ledger ready');
  } catch (e) {
    await directoryAdmin?.close().catch(() => {});
    await directoryPool?.end().catch(() => {});
    await ledger?.close().catch(() => {});
    await catalog.close().catch(() => {});
    await server.stop();
    throw e;
  }
  const openLedger = ledger;
  const served = ledgerConnector;
  const users = directoryAdmin!;
  const usersPool = directoryPool!;
  const budgets = await startBudgets(config, access.owner, logger.child({ component: 'budgets' }));
  const migrations = await startMigrations(config, access.owner, budgets.pool, logger.child({ component: 'migrations' }));
  const address: MetastoreAddress = { socketDir: server.socketDir, port: server.port, user: server.user, database: server.database, ledgerDatabase: server.ledgerDatabase };
  return {
    address,
    attached,
    catalog,
    ledger: openLedger,
    ledgerConnector: served,
    budgets,
    migrations,
    directory: users,
    // The ledger connector is closed with the other engines (it is one of them once started).
    stop: async () => {
      await users.close();
      await usersPool.end().catch(() => {});
      await migrations.stop();
      await budgets.stop();
      await openLedger.close().catch((err: unknown) => logger.error({ err }, 'closing the ledger failed'));
      await catalog.close().catch(() => {});
      await server.stop();
    },
  };
}

/**
 * Resolves once every named role exists in the ledger's PostgreSQL (which, embedded, is the catalog's
 * too), or after ROLE_WAIT_MS with a warning: the user can sign in; a statement that needs the role fails.
 */
async function waitForRoles(pool: pg.Pool, names: readonly string[], logger: Logger): Promise<void> {
  const deadline = Date.now() + ROLE_WAIT_MS;
  for (;;) {
    const r = await pool.query<{ missing: string[] }>('SELECT coalesce(array_agg(n), ARRAY[]::text[]) AS missing FROM unnest($1::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = n)', [names]);
    const missing = r.rows[0]!.missing;
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      logger.warn({ missing }, 'the primary has not made the roles of these users yet; their catalog and ledger statements fail until it does');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Budgets {
  store: BudgetStore;
  /** The ledger owner's pool, shared with the HTTP API's reports and API tokens. */
  pool: pg.Pool;
  guard: BudgetGuard;
  stop(): Promise<void>;
}

/** How often each instance looks for reservations whose instance died before settling them. */
const BUDGET_SWEEP_MS = 60_000;

/** Team budgets live in the ledger's PostgreSQL (budgets/): a store, the executor's guard, its sweep and webhooks. */
async function startBudgets(config: Config, owner: LedgerConnection, logger: Logger): Promise<Budgets> {
  const pool = new pg.Pool({ ...owner, max: 10, idleTimeoutMillis: 30_000 });
  pool.on('error', (err) => logger.warn({ err }, 'budget connection error'));
  // The ledger's views (tollgate.budget_status) compute the current period in this zone.
  await pool.query(
    "INSERT INTO ledger.settings (name, value) VALUES ('budget_time_zone', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
    [config.budgets.timeZone],
  );
  const store = new BudgetStore({ pool, timeZone: config.budgets.timeZone, reservationTtlMs: config.budgets.reservationTtlMinutes * 60_000 });
  const webhooks = new WebhookSender({ logger });
  const guard = new BudgetGuard({
    store,
    pool,
    currency: config.billing.currency,
    ...(config.budgets.contact !== undefined && { contact: config.budgets.contact }),
    webhooks,
    logger,
  });
  const sweep = guard.sweepEvery(BUDGET_SWEEP_MS);
  return {
    store,
    pool,
    guard,
    stop: async () => {
      sweep.stop();
      await webhooks.close(2000).catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

export interface Migrations {
  store: MigrationStore;
  registry: MigrationRegistry;
  runner: ShadowRunner;
  stop(): Promise<void>;
}

/** Table migrations (migration/): their states on every instance (LISTEN/NOTIFY) and the shadow runner. */
async function startMigrations(config: Config, owner: LedgerConnection, pool: pg.Pool, logger: Logger): Promise<Migrations> {
  const store = new MigrationStore(pool);
  const registry = new MigrationRegistry(store, owner, logger);
  await registry.start();
  const shadow = config.migrations.shadow;
  const runner = new ShadowRunner({
    store,
    logger,
    maxConcurrent: shadow.maxConcurrent,
    maxBytesPerDay: shadow.maxBytesPerDay,
    floatTolerance: shadow.floatTolerance,
    maxRows: shadow.maxRows,
    timeoutMs: shadow.timeoutSeconds * 1000,
  });
  return {
    store,
    registry,
    runner,
    stop: async () => {
      await registry.close();
      await runner.drain();
    },
  };
}

/** An external ledger that cannot be reached or used stops the start: running unrecorded would bill nobody. */
function ledgerUnreachable(where: string, e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  const err = e as { message?: string; code?: string };
  return new GatewayError('ENGINE_UNAVAILABLE', `the ledger at ${where} cannot be used: ${err.message ?? String(e)}`, {
    hint: 'Check ledger.connection in the config: the server must be reachable, and the user must own the database and have CREATEROLE.',
    cause: e,
  });
}

