import pg from 'pg';
import type { Gateway, StartGatewayOptions } from './gateway.ts';
import { metastoreClient, metastoreConfig } from './metastore.ts';
import { controlCluster, startPostgres } from './postgres.ts';

/**
 * Where a test gateway keeps its ledger. Ledger tests run once per variant: in the embedded PostgreSQL
 * (the default), and on an external PostgreSQL server as production runs it.
 *
 * The external server is $TOLLGATE_TEST_LEDGER_URL (postgresql://owner:password@host:port/postgres, the
 * owner with CREATEDB and CREATEROLE; .ci/run starts one), else a throwaway cluster started here for
 * this test file. Each variant gets its own fresh database on it.
 */
export interface LedgerVariant {
  readonly name: 'embedded' | 'external';
  /** For startGateway: the config patch and environment that put the ledger there (same database each call). */
  gatewayOptions(): Promise<Pick<StartGatewayOptions, 'configPatch' | 'env'>>;
  /** A connection to the ledger database as its owner. */
  client(gateway: Gateway): Promise<pg.Client>;
  /** How to connect to the ledger database as its owner (for a pool). */
  connection(gateway: Gateway): Promise<pg.ClientConfig>;
  /** Drops the external database (the server itself stops with the test process). */
  stop(): Promise<void>;
  /**
   * Restarts the ledger's PostgreSQL server on the same port (pg_ctl restart), for fault tests. Only on a
   * variant made with externalLedger({ ownServer: true }), whose throwaway cluster no other test shares.
   */
  restartServer?(mode?: 'fast' | 'immediate'): Promise<void>;
}

const OWNER = 'tollgate_ledger_owner';
const OWNER_PASSWORD = 'ledger-owner-secret';
const PASSWORD_ENV = 'TOLLGATE_TEST_LEDGER_PASSWORD';

let server: Promise<URL> | null = null;
let databases = 0;

/** The external server: the given one, or one throwaway cluster per test process. */
function externalServer(): Promise<URL> {
  server ??= (async () => {
    const given = process.env.TOLLGATE_TEST_LEDGER_URL;
    if (given) return new URL(given);
    const target = await startPostgres({
      setupSql: `create role ${OWNER} login createdb createrole password '${OWNER_PASSWORD}';\n`,
    });
    return new URL(`postgresql://${OWNER}:${OWNER_PASSWORD}@${target.host}:${target.port}/postgres`);
  })();
  return server;
}

function ownerConfig(url: URL, database: string): pg.ClientConfig {
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

export function embeddedLedger(): LedgerVariant {
  return {
    name: 'embedded',
    gatewayOptions: async () => ({}),
    client: (gateway) => metastoreClient(gateway, 'tollgate_ledger'),
    connection: async (gateway) => metastoreConfig(gateway, 'tollgate_ledger'),
    stop: async () => {},
  };
}

/**
 * A fresh database on the external server, created on first use. With ownServer, on a throwaway cluster
 * of its own (never $TOLLGATE_TEST_LEDGER_URL's), which restartServer() may restart.
 */
export function externalLedger(opts: { ownServer?: boolean } = {}): LedgerVariant {
  let made: Promise<{ url: URL; database: string }> | null = null;
  let own: Promise<URL> | null = null;
  const serverUrl = (): Promise<URL> => {
    if (!opts.ownServer) return externalServer();
    own ??= startPostgres({ setupSql: `create role ${OWNER} login createdb createrole password '${OWNER_PASSWORD}';\n` }).then(
      (target) => new URL(`postgresql://${OWNER}:${OWNER_PASSWORD}@${target.host}:${target.port}/postgres`),
    );
    return own;
  };
  const make = (): Promise<{ url: URL; database: string }> => {
    made ??= (async () => {
      const url = await serverUrl();
      const database = `tollgate_ledger_${process.pid}_${++databases}`;
      const admin = new pg.Client(ownerConfig(url, url.pathname.slice(1) || 'postgres'));
      await admin.connect();
      try {
        // CREATE DATABASE takes no bind parameters; the name is ours, letters digits and underscores.
        await admin.query(`CREATE DATABASE ${database}`);
      } finally {
        await admin.end();
      }
      return { url, database };
    })();
    return made;
  };
  const restartServer = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    const { url } = await make();
    await restartCluster(Number(url.port), mode);
  };
  return {
    name: 'external',
    ...(opts.ownServer && { restartServer }),
    gatewayOptions: async () => {
      const { url, database } = await make();
      return {
        env: { [PASSWORD_ENV]: decodeURIComponent(url.password) },
        configPatch: (doc) => {
          doc.ledger = {
            connection: { host: url.hostname, port: Number(url.port || 5432), database, user: decodeURIComponent(url.username), password: { env: PASSWORD_ENV } },
          };
        },
      };
    },
    client: async () => {
      const { url, database } = await make();
      const c = new pg.Client(ownerConfig(url, database));
      await c.connect();
      return c;
    },
    connection: async () => {
      const { url, database } = await make();
      return ownerConfig(url, database);
    },
    stop: async () => {
      if (!made) return;
      const { url, database } = await made;
      const admin = new pg.Client(ownerConfig(url, url.pathname.slice(1) || 'postgres'));
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Both variants, for `for (const ledger of ledgerVariants()) describe(...)`. */
export function ledgerVariants(): LedgerVariant[] {
  return [embeddedLedger(), externalLedger()];
}

/** pg_ctl restart of a throwaway cluster started by startPostgres (same options, so the same port). */
function restartCluster(port: number, mode: 'fast' | 'immediate'): Promise<void> {
  return controlCluster(port, 'restart', mode);
}
