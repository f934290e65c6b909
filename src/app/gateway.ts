import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Config } from '../config/index.ts';
import { DuckDBConnector } from '../connectors/duckdb/index.ts';
import { PostgresConnector, postgresOptionsFromConfig } from '../connectors/postgres/index.ts';
import { VerticaConnector, verticaOptionsFromConfig } from '../connectors/vertica/index.ts';
import { ImpalaConnector, impalaOptionsFromConfig } from '../connectors/impala/index.ts';
import type { Connector } from '../connectors/contract.ts';
import { ensureDemoData } from '../demo/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { ServedTables } from '../catalog/index.ts';
import { measureStorage } from '../billing/index.ts';
import { LEDGER_ENGINE, type StatementLog } from '../ledger/index.ts';
import { Metrics } from '../metrics/index.ts';
import { ResultCache, type CacheMetrics } from '../cache/index.ts';
import type { CostPolicy } from '../executor/costing.ts';
import { CatalogRefresher } from './catalog-refresher.ts';
import { EngineHealth } from '../planner/index.ts';
import { QueryRouter } from '../executor/query-router.ts';
import { Executor } from '../executor/index.ts';
import { buildUserDirectory } from '../executor/index.ts';
import { UserDirectory } from '../users/index.ts';
import { build as buildHttp, type CacheAdmin, type MetricsSource, type MigrationAdmin } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import { VERSION } from '../version.ts';
import { PgServer, WireSignInLimiter, type PgServerOptions } from '../wire/index.ts';
import { PrimaryResults, ServingProcesses, sumCacheMetrics, tellPrimary, type MetastoreAddress, type WorkerGateway } from '../serving/index.ts';
import { startMetastore, type Metastore, type MetastoreSource } from './metastore.ts';

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

/** How this process serves when it is one of several (server.processes > 1) but not the first. */
export interface WorkerRole {
  slot: number;
  slots: number;
  /** The primary's metastore; null when it did not start there (then none is used here either). */
  metastore: MetastoreAddress | null;
  mockAuthSecret: Buffer;
}

/** What serves PostgreSQL sessions: engines, metastore, router, cache, executor and the (not yet listening) wire. */
interface Serving {
  connectors: readonly Connector[];
  metastore: Metastore | null;
  executor: Executor;
  cache: ResultCache;
  pg: PgServer;
  migrationAdmin: MigrationAdmin | undefined;
  /** Everything but the wire (closed first by the caller): engines, background jobs, the metastore. */
  close(): Promise<void>;
}

/** Statements spanning engines are joined in DuckDB: without a DuckDB engine configured, a private one. */
async function joinHostFor(config: Config, logger: Logger): Promise<DuckDBConnector | undefined> {
  if (config.engines.some((e) => e.kind === 'duckdb')) return undefined;
  return DuckDBConnector.create({ name: JOIN_ENGINE, dataDir: config.dataDir, tables: [], logger });
}

/**
 * Builds what serves sessions, in the first process or a serving worker. A worker attaches to the
 * primary's metastore and leaves its shared state (roles, users, shadow catalog, storage charges) to it.
 */
async function startServing(
  config: Config,
  logger: Logger,
  parts: { directory: UserDirectory; metrics: Metrics; metastore: MetastoreSource | null; wire: Partial<PgServerOptions> },
): Promise<Serving> {
  let connectors: Connector[] = [];
  let metastore: Metastore | null = null;
  let background: () => void = () => {};
  let joinHost: DuckDBConnector | undefined;
  const close = async (): Promise<void> => {
    for (const c of connectors) await c.close().catch((err: unknown) => logger.warn({ err, engine: c.name }, 'closing engine failed'));
    await joinHost?.close().catch(() => {});
    background();
    await metastore?.stop();
  };
  try {
    connectors = await createConnectors(config, logger);
    if (connectors.length === 0) throw new GatewayError('CONFIG_INVALID', 'no engine is configured');
    metastore = parts.metastore && (await startMetastore(config, parts.directory, logger, parts.metastore));
    // The ledger's views are served like any engine's tables (and appear in the catalog).
    if (metastore) connectors.push(metastore.ledgerConnector);
    const refresher = new CatalogRefresher(connectors, logger.child({ component: 'catalog' }));
    await refresher.refresh();
    // One process writes the shadow catalog; the workers read it.
    if (metastore && !metastore.attached) await refresher.attach(metastore.catalog);
    let migrationAdmin: MigrationAdmin | undefined;
    if (metastore) {
      const { store, registry } = metastore.migrations;
      migrationAdmin = { store, reload: () => registry.reload(), enginesOf: (schema, name) => refresher.served().replicas(schema, name).map((r) => r.engine) };
    }
    const health = new EngineHealth(connectors, logger.child({ component: 'health' }));
    refresher.every(config.catalog.refreshIntervalSeconds * 1000);
    const storage = metastore && !metastore.attached ? startStorageCharges(config, connectors, () => refresher.served(), metastore.ledger, logger.child({ component: 'storage' })) : null;
    health.every(ENGINE_HEALTH_INTERVAL_MS);
    background = () => {
      refresher.stop();
      health.stop();
      storage?.stop();
    };
    joinHost = await joinHostFor(config, logger);
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
    const cache = new ResultCache(config.cache);
    parts.metrics.observeCache(() => cache.metrics());
    const executor = new Executor({
      config,
      users: parts.directory.users,
      router,
      logger,
      billing: costPolicy(config),
      cache,
      metrics: parts.metrics,
      ...(metastore && { shadow: metastore.migrations.runner }),
      ...(metastore && { catalog: metastore.catalog, ledger: metastore.ledger, budgets: metastore.budgets.guard }),
    });
    const pg = new PgServer({
      backend: executor,
      logger: logger.child({ component: 'wire' }),
      maxConnections: config.server.maxConnections,
      ...(config.server.tls && { tls: config.server.tls }),
      ...parts.wire,
    });
    // A user disabled through the admin API (here or on another instance) loses their open sessions.
    metastore?.directory.onUserDisabled((name) => pg.terminateUser(name));
    return { connectors, metastore, executor, cache, pg, migrationAdmin, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * A serving worker (serving/): sessions only, on the primary's metastore, with connections the primary
 * hands over. Its figures reach the HTTP API through the primary's questions.
 */
export async function startServingWorker(config: Config, logger: Logger, role: WorkerRole): Promise<WorkerGateway> {
  const directory = new UserDirectory(buildUserDirectory(config), config.teams);
  const metrics = new Metrics();
  const signInLimiter = new WireSignInLimiter({ observe: (event) => tellPrimary({ type: 'signIn', event }) });
  const serving = await startServing(config, logger, {
    directory,
    metrics,
    metastore: role.metastore && { kind: 'attach', address: role.metastore },
    wire: {
      processSlot: { slot: role.slot, slots: role.slots },
      mockAuthSecret: role.mockAuthSecret,
      signInLimiter,
      forwardCancel: (processId, key) => tellPrimary({ type: 'cancel', processId, key: key.toString('hex') }),
    },
  });
  // A miss here asks the primary's cache first: a result is computed once for all the processes.
  serving.cache.shareWith(new PrimaryResults());
  return {
    acceptHandedOver: (socket) => serving.pg.acceptHandedOver(socket),
    cancelHere: (processId, key) => serving.pg.cancelHere(processId, key),
    signInElsewhere: (event) => signInLimiter.apply(event),
    answer: (question) => {
      switch (question) {
        case 'cacheMetrics':
          return serving.cache.metrics();
        case 'clearCache':
          return serving.cache.clear();
        case 'metrics':
          return metrics.registry.getMetricsAsJSON();
        case 'refreshDirectory':
          return serving.metastore?.directory.refresh();
      }
    },
    stop: async (graceMs) => {
      await serving.pg.close(graceMs);
      await serving.close();
    },
  };
}

/** Where a serving worker process starts (it waits for the primary's start message). */
const WORKER_ENTRY = fileURLToPath(new URL('./serving-worker-main.ts', import.meta.url));

/**
 * The composition root: builds every part from the config and starts listening. HTTP comes up first
 * (GET /health answers 503 while starting), the PostgreSQL port once queries can be served. With
 * server.processes > 1 this is the primary: it forks the other serving processes once its metastore is
 * up and spreads the connections its listener accepts over them and itself.
 */
export async function startGateway(config: Config, logger: Logger, opts: { onDemoProgress?: (p: DemoProgress) => void } = {}): Promise<RunningGateway> {
  let ready = false;
  let serving: Serving | undefined;
  let processes: ServingProcesses | undefined;
  // Shared by reference with the wire, the executor and the HTTP API; the admin API changes it in place.
  const directory = new UserDirectory(buildUserDirectory(config), config.teams);
  const metrics = new Metrics();
  const slots = config.server.processes;
  const cacheAdmin: CacheAdmin = {
    options: config.cache,
    processes: slots,
    metrics: async () => {
      const here = serving!.cache.metrics();
      return processes ? sumCacheMetrics([here, ...((await processes.ask('cacheMetrics')) as CacheMetrics[])]) : here;
    },
    clear: async () => {
      const here = serving!.cache.clear();
      return processes ? sumCacheMetrics([here, ...((await processes.ask('clearCache')) as CacheMetrics[])]) : here;
    },
  };
  const http: FastifyInstance = await buildHttp({
    logger,
    version: VERSION,
    users: directory.users,
    teams: directory.teams,
    directory: () => serving?.metastore?.directory,
    currency: config.billing.currency,
    budgets: () => serving?.metastore?.budgets.store,
    ledgerPool: () => serving?.metastore?.budgets.pool,
    migrations: () => serving?.migrationAdmin,
    metrics: slots === 1 ? metrics : allProcessesMetrics(metrics, () => processes),
    backend: () => serving?.executor,
    cache: () => (serving ? cacheAdmin : undefined),
    database: config.server.database,
    timeZone: config.budgets.timeZone,
    isReady: () => ready,
    engineHealth: async () => {
      const entries = await Promise.all(
        (serving?.connectors ?? []).map(async (c) => {
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
    const mockAuthSecret = randomBytes(32);
    const primaryLimiter = slots > 1 ? new WireSignInLimiter({ observe: (event) => processes?.shareSignIn(event, 0) }) : undefined;
    serving = await startServing(config, logger, {
      directory,
      metrics,
      metastore: {
        kind: 'start',
        maxConnections: METASTORE_CONNECTIONS_FIRST + METASTORE_CONNECTIONS_PER_WORKER * (slots - 1),
        afterDirectoryChange: async () => {
          await processes?.ask('refreshDirectory');
        },
      },
      wire:
        slots > 1
          ? {
              processSlot: { slot: 0, slots },
              mockAuthSecret,
              signInLimiter: primaryLimiter!,
              balancer: { total: (here) => processes?.total(here) ?? here, offer: (socket, here) => processes?.offer(socket, here) ?? false },
              forwardCancel: (processId, key) => processes?.forwardCancel(processId, key),
            }
          : {},
    });
    if (slots > 1) {
      const pg = serving.pg;
      processes = await ServingProcesses.start({
        slots,
        entry: WORKER_ENTRY,
        start: { config, logLevel: logger.level, metastore: serving.metastore?.address ?? null, mockAuthSecret: mockAuthSecret.toString('hex') },
        cancelHere: (processId, key) => pg.cancelHere(processId, key),
        signInHere: (event) => primaryLimiter?.apply(event),
        sharedCache: serving.cache,
        logger: logger.child({ component: 'serving' }),
      });
    }
    const pgAddress = await listenOrExplain('PostgreSQL', config.server.host, config.server.pgPort, () => serving!.pg.listen(config.server.pgPort, config.server.host));
    ready = true;
    logger.info({ pg: `${pgAddress.address}:${pgAddress.port}`, http: `${httpAddress.address}:${httpAddress.port}`, processes: slots }, 'tollgate is ready');
    const running = serving;
    return {
      pgAddress,
      httpAddress,
      stop: async () => {
        ready = false;
        // The workers first: they use this process's metastore until they are done.
        await Promise.all([running.pg.close(config.server.shutdownGraceMs), processes?.stop(config.server.shutdownGraceMs)]);
        await http.close();
        await running.close();
      },
    };
  } catch (e) {
    await processes?.stop(0);
    await http.close();
    await serving?.close();
    throw e;
  }
}

/** Connections the metastore allows: the first process's pools, and as many again for each worker. */
const METASTORE_CONNECTIONS_FIRST = 200;
const METASTORE_CONNECTIONS_PER_WORKER = 100;

/** GET /metrics with several serving processes: each process's registry, merged by prom-client's aggregator. */
function allProcessesMetrics(here: Metrics, processes: () => ServingProcesses | undefined): MetricsSource {
  return {
    contentType: here.contentType,
    render: async () => {
      const others = processes();
      if (!others) return here.render();
      const all = [await here.registry.getMetricsAsJSON(), ...((await others.ask('metrics')) as MetricObjectWithValues<MetricValue<string>>[][])];
      return AggregatorRegistry.aggregate(all).metrics();
    },
  };
}
