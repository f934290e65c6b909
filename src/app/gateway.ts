import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';
import { DuckDBConnector } from '../connectors/duckdb/index.ts';
import { PostgresConnector, postgresConnectionFromConfig, postgresOptionsFromConfig } from '../connectors/postgres/index.ts';
import { VerticaConnector, verticaOptionsFromConfig } from '../connectors/vertica/index.ts';
import { ImpalaConnector, impalaOptionsFromConfig } from '../connectors/impala/index.ts';
import type { Connector } from '../connectors/contract.ts';
import { ensureDemoData } from '../demo/index.ts';
import { GatewayError } from '../errors/index.ts';
import { ShadowCatalog, type ServedTables } from '../catalog/index.ts';
import { measureStorage } from '../billing/index.ts';
import { embeddedLedgerAccess, externalLedgerAccess, LEDGER_ENGINE, LedgerConnector, StatementLog, type LedgerAccess, type LedgerConnection } from '../ledger/index.ts';
import { BudgetGuard, BudgetStore, WebhookSender } from '../budgets/index.ts';
import { MigrationRegistry, MigrationStore, ShadowRunner } from '../migration/index.ts';
import { Metrics } from '../metrics/index.ts';
import { ResultCache } from '../cache/index.ts';
import type { CostPolicy } from '../executor/costing.ts';
import { CatalogRefresher } from './catalog-refresher.ts';
import { EngineHealth } from '../planner/index.ts';
import { QueryRouter } from '../executor/query-router.ts';
import { Executor } from '../executor/index.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../metastore/index.ts';
import { buildUserDirectory } from '../executor/index.ts';
import { DirectoryAdmin, DirectoryStore, UserDirectory } from '../users/index.ts';
import { build as buildHttp } from '../http/index.ts';
import type { MigrationAdmin } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import { VERSION } from '../version.ts';
import { PgServer } from '../wire/index.ts';

/** The private DuckDB that joins statements spanning engines when no DuckDB engine is configured. */
const JOIN_ENGINE = 'tollgate_join';

/** How often engines are health-checked (a statement that finds one unreachable marks it down at once). */
const ENGINE_HEALTH_INTERVAL_MS = 10_000;

export interface DemoProgress {
  table: string;
  step: string;
  done: number;
  total: number;
}

export interface RunningGateway {
  readonly pgAddress: AddressInfo;
  readonly httpAddress: AddressInfo;
  /** Graceful stop: no new connections, running statements get the grace period, then everything closes. */
  stop(): Promise<void>;
}

interface Metastore {
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
 * Starts the embedded PostgreSQL and prepares what lives there: the users' roles and the shadow
 * catalog database, and the ledger. Without it, catalog statements cannot be answered and nothing is
 * recorded; the gateway still serves queries and says why in the log.
 */
async function startMetastore(config: Config, directory: UserDirectory, logger: Logger): Promise<Metastore | null> {
  let server: EmbeddedPostgres;
  try {
    server = await startEmbeddedPostgres({ dataDir: config.dataDir, logger: logger.child({ component: 'metastore' }) });
  } catch (err) {
    logger.error({ err }, 'the embedded PostgreSQL did not start: catalog statements (pg_catalog, information_schema) will fail and the ledger records nothing');
    return null;
  }
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
      directoryAdmin = new DirectoryAdmin({
        directory,
        store: new DirectoryStore(directoryPool),
        listen: access.owner,
        prepareRoles: async (names) => {
          await catalog.prepareUsers(names);
          await ledgerAccess.prepareRoles(names);
        },
        reservedNames: [server.user, access.owner.user],
        logger: logger.child({ component: 'users' }),
      });
      await directoryAdmin.start();
      await ledger.syncUsers([...directory.users.values()].map((u) => ({ name: u.name, team: u.team, admin: u.role === 'admin' })));
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
  return {
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

interface Budgets {
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

interface Migrations {
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

/** How often the storage job looks whether today's charges are written (it writes each table once a day). */
const STORAGE_CHECK_MS = 60 * 60 * 1000;

/**
 * The daily storage charges: measured at start and checked every hour; the ledger keeps one row per table
 * and day, so a restart or a second instance does not charge twice.
 */
function startStorageCharges(config: Config, connectors: Connector[], served: () => ServedTables, ledger: StatementLog, logger: Logger): { stop(): void } {
  if (config.storage.owners.length === 0) return { stop: () => {} };
  const run = async (): Promise<void> => {
    try {
      const charges = await measureStorage({ day: new Date(), served: served(), connectors, owners: config.storage.owners, perTiBMonth: config.storage.perTiBMonth, logger });
      const written = await ledger.recordStorage(charges);
      if (written > 0) logger.info({ tables: written }, 'storage charged for today');
    } catch (err) {
      logger.error({ err }, 'storage charges failed; retried within the hour');
    }
  };
  void run();
  const timer = setInterval(() => void run(), STORAGE_CHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The billing section and each engine's price; the ledger's own tables are free. */
function costPolicy(config: Config): CostPolicy {
  const prices = new Map(config.engines.map((e) => [e.name, e.pricing?.perTiB ?? config.billing.defaultPerTiB] as const));
  prices.set(LEDGER_ENGINE, 0);
  return {
    currency: config.billing.currency,
    minimumBytesPerTable: config.billing.minimumBytesPerTable,
    roundingBytes: config.billing.roundingBytes,
    unknownEstimate: config.billing.unknownEstimate,
    defaultUnknownBytes: config.billing.defaultUnknownBytes,
    pricePerTiB: (engine) => prices.get(engine) ?? config.billing.defaultPerTiB,
  };
}

/** Turns a listen failure into a message that names the port and what to do. */
async function listenOrExplain<T>(what: string, host: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new GatewayError('CONFIG_INVALID', `cannot listen for ${what} on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied' : 'the address is not available here'}`, {
        hint: `Choose another port with --${what === 'HTTP' ? 'http' : 'pg'}-port.`,
      });
    throw e;
  }
}

async function createConnectors(config: Config, logger: Logger): Promise<Connector[]> {
  const connectors: Connector[] = [];
  for (const engine of config.engines) {
    switch (engine.kind) {
      case 'duckdb':
        connectors.push(
          await DuckDBConnector.create({
            name: engine.name,
            dataDir: config.dataDir,
            tables: engine.tables,
            ...(engine.threads !== undefined && { threads: engine.threads }),
            ...(engine.memoryLimit !== undefined && { memoryLimit: engine.memoryLimit }),
            ...(engine.maxConnections !== undefined && { maxConnections: engine.maxConnections }),
            ...(engine.watchFiles !== undefined && { watchFiles: engine.watchFiles }),
            logger,
          }),
        );
        break;
      case 'postgres':
        connectors.push(await PostgresConnector.create(postgresOptionsFromConfig(engine, { logger })));
        break;
      case 'vertica':
        connectors.push(await VerticaConnector.create(verticaOptionsFromConfig(engine, { logger })));
        break;
      case 'impala':
        connectors.push(await ImpalaConnector.create(impalaOptionsFromConfig(engine, { logger })));
        break;
    }
  }
  return connectors;
}

/**
 * The composition root: builds every part from the config and starts listening. HTTP comes up first
 * (GET /health answers 503 while starting), the PostgreSQL port once queries can be served.
 */
export async function startGateway(config: Config, logger: Logger, opts: { onDemoProgress?: (p: DemoProgress) => void } = {}): Promise<RunningGateway> {
  let ready = false;
  let connectors: Connector[] = [];
  let metastoreStop: (() => Promise<void>) | null = null;
  let background: () => void = () => {};
  let joinHost: DuckDBConnector | undefined;
  // Shared by reference with the wire, the executor and the HTTP API; the admin API changes it in place.
  const directory = new UserDirectory(buildUserDirectory(config), config.teams);
  const users = directory.users;
  let directoryAdmin: DirectoryAdmin | undefined;
  // The budget store exists once the metastore is up; the HTTP API (up first, for /health) asks for it.
  let budgetStore: BudgetStore | undefined;
  let ledgerPool: pg.Pool | undefined;
  let migrationAdmin: MigrationAdmin | undefined;
  const metrics = new Metrics();
  let queryBackend: Executor | undefined;
  let resultCache: ResultCache | undefined;
  const http: FastifyInstance = await buildHttp({
    logger,
    version: VERSION,
    users,
    teams: directory.teams,
    directory: () => directoryAdmin,
    currency: config.billing.currency,
    budgets: () => budgetStore,
    ledgerPool: () => ledgerPool,
    migrations: () => migrationAdmin,
    metrics,
    backend: () => queryBackend,
    cache: () => resultCache,
    database: config.server.database,
    timeZone: config.budgets.timeZone,
    isReady: () => ready,
    engineHealth: async () => {
      const entries = await Promise.all(
        connectors.map(async (c) => {
          try {
            return [c.name, await c.health()] as const;
          } catch (e) {
            return [c.name, { ok: false, detail: (e as Error).message }] as const;
          }
        }),
      );
      return Object.fromEntries(entries);
    },
  });
  await listenOrExplain('HTTP', config.server.host, config.server.httpPort, () => http.listen({ host: config.server.host, port: config.server.httpPort }));
  const httpAddress = http.server.address() as AddressInfo;
  try {
    if (config.demo.generate) {
      const started = Date.now();
      const result = await ensureDemoData(config.dataDir, {
        seed: config.demo.seed,
        scale: config.demo.scale,
        ...(opts.onDemoProgress && { onProgress: opts.onDemoProgress }),
      });
      if (result.generated) logger.info({ dir: result.dir, rows: result.rowCounts, ms: Date.now() - started }, 'demo data generated');
    }
    connectors = await createConnectors(config, logger);
    if (connectors.length === 0) throw new GatewayError('CONFIG_INVALID', 'no engine is configured');
    const metastore = await startMetastore(config, directory, logger);
    metastoreStop = metastore?.stop ?? null;
    budgetStore = metastore?.budgets.store;
    ledgerPool = metastore?.budgets.pool;
    // The ledger's views are served like any engine's tables (and appear in the catalog).
    if (metastore) connectors.push(metastore.ledgerConnector);
    const refresher = new CatalogRefresher(connectors, logger.child({ component: 'catalog' }));
    await refresher.refresh();
    if (metastore) await refresher.attach(metastore.catalog);
    if (metastore) {
      const { store, registry } = metastore.migrations;
      migrationAdmin = { store, reload: () => registry.reload(), enginesOf: (schema, name) => refresher.served().replicas(schema, name).map((r) => r.engine) };
    }
    const health = new EngineHealth(connectors, logger.child({ component: 'health' }));
    refresher.every(config.catalog.refreshIntervalSeconds * 1000);
    const storage = metastore ? startStorageCharges(config, connectors, () => refresher.served(), metastore.ledger, logger.child({ component: 'storage' })) : null;
    health.every(ENGINE_HEALTH_INTERVAL_MS);
    background = () => {
      refresher.stop();
      health.stop();
      storage?.stop();
    };
    // Statements spanning engines are joined in DuckDB: without a DuckDB engine configured, a private one.
    if (!config.engines.some((e) => e.kind === 'duckdb')) {
      joinHost = await DuckDBConnector.create({ name: JOIN_ENGINE, dataDir: config.dataDir, tables: [], logger });
    }
    const router = new QueryRouter({
      connectors,
      served: () => refresher.served(),
      health,
      rules: config.routing.rules.map(({ team, user, ...rule }) => ({
        ...rule,
        ...(team !== undefined && { team: typeof team === 'string' ? [team] : team }),
        ...(user !== undefined && { user: typeof user === 'string' ? [user] : user }),
      })),
      maxRowsPerPart: config.routing.maxRowsPerPart,
      ...(joinHost && { joinHost }),
      ...(metastore && { migrations: metastore.migrations.registry }),
      logger: logger.child({ component: 'router' }),
    });
    resultCache = new ResultCache(config.cache);
    const cacheFigures = resultCache;
    metrics.observeCache(() => cacheFigures.metrics());
    const executor = new Executor({
      config,
      users,
      router,
      logger,
      billing: costPolicy(config),
      cache: resultCache,
      metrics,
      ...(metastore && { shadow: metastore.migrations.runner }),
      ...(metastore && { catalog: metastore.catalog, ledger: metastore.ledger, budgets: metastore.budgets.guard }),
    });
    queryBackend = executor;
    const pg = new PgServer({
      backend: executor,
      logger: logger.child({ component: 'wire' }),
      maxConnections: config.server.maxConnections,
      ...(config.server.tls && { tls: config.server.tls }),
    });
    // A user disabled through the admin API (here or on another instance) loses their open sessions.
    metastore?.directory.onUserDisabled((name) => pg.terminateUser(name));
    directoryAdmin = metastore?.directory;
    const pgAddress = await listenOrExplain('PostgreSQL', config.server.host, config.server.pgPort, () => pg.listen(config.server.pgPort, config.server.host));
    ready = true;
    logger.info({ pg: `${pgAddress.address}:${pgAddress.port}`, http: `${httpAddress.address}:${httpAddress.port}` }, 'tollgate is ready');
    return {
      pgAddress,
      httpAddress,
      stop: async () => {
        ready = false;
        await pg.close(config.server.shutdownGraceMs);
        await http.close();
        for (const c of connectors) await c.close().catch((err: unknown) => logger.warn({ err, engine: c.name }, 'closing engine failed'));
        await joinHost?.close().catch(() => {});
        background();
        await metastoreStop?.();
      },
    };
  } catch (e) {
    await http.close();
    for (const c of connectors) await c.close().catch(() => {});
    await joinHost?.close().catch(() => {});
    background();
    await metastoreStop?.();
    throw e;
  }
}
