/**
 * Options of the Vertica connector, their validation, the driver pool configuration built from them,
 * and the settings every engine session runs with.
 */
import type { ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { DriverPoolConfig } from './driver.ts';

/** One served table, named explicitly; comments here win over Vertica's own (v_catalog.comments). */
export interface VerticaTableConfig {
  schema: string;
  name: string;
  comment?: string;
  /** Column comments by column name. */
  columns?: Record<string, string>;
}

/**
 * TLS to Vertica (it answers the SSLRequest as PostgreSQL does). `mode` as in Vertica's clients:
 * 'require' encrypts without checking the certificate, 'verify-ca' checks it against `ca` (or the
 * system CAs), 'verify-full' also checks that it names `host`.
 */
export interface VerticaTlsOptions {
  mode?: 'require' | 'verify-ca' | 'verify-full';
  /** PEM text of the CA to trust (from-config.ts reads the file). */
  ca?: string;
}

export interface VerticaConnectionOptions {
  host: string;
  /** Default 5433, Vertica's client port. */
  port?: number;
  database: string;
  user: string;
  /** The password itself (resolved from the environment by from-config.ts; never logged). */
  password: string;
  /** TLS: true ('verify-full' with the system CAs), false (plain TCP), or options. */
  tls?: boolean | VerticaTlsOptions;
}

export interface VerticaConnectorOptions {
  /** The engine's name in tollgate's config (e.g. 'analytics'). */
  name: string;
  connection: VerticaConnectionOptions;
  /** Tables served, named one by one. */
  tables?: VerticaTableConfig[];
  /** Schemas whose every table and view is served. */
  schemas?: string[];
  /** Statements that may run at once, i.e. pooled sessions (default 10). */
  maxConnections?: number;
  /** How long to wait for a new session before the engine counts as unavailable (default 10 s). */
  connectTimeoutMs?: number;
  /** Rows per batch of a result (default 4096). */
  batchRows?: number;
  logger?: Logger;
}

export interface ValidatedOptions {
  name: string;
  connection: Required<Omit<VerticaConnectionOptions, 'tls'>> & { tls: false | Required<Pick<VerticaTlsOptions, 'mode'>> & VerticaTlsOptions };
  tables: VerticaTableConfig[];
  schemas: string[];
  maxConnections: number;
  connectTimeoutMs: number;
  batchRows: number;
}

export const DEFAULT_PORT = 5433;
export const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_BATCH_ROWS = 4096;

function invalid(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `vertica connector: ${message}`);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes('\0');
}

export function validateOptions(options: VerticaConnectorOptions): ValidatedOptions {
  if (!nonEmpty(options.name)) throw invalid('name is required');
  const label = `engine "${options.name}"`;
  const c = options.connection;
  if (c === undefined || c === null || typeof c !== 'object') throw invalid(`${label}: connection is required`);
  for (const key of ['host', 'database', 'user'] as const) {
    if (!nonEmpty(c[key])) throw invalid(`${label}: connection.${key} is required`);
  }
  if (typeof c.password !== 'string') throw invalid(`${label}: connection.password is required`);
  const port = c.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${label}: connection.port must be 1..65535`);
  let tls: ValidatedOptions['connection']['tls'] = false;
  if (c.tls === true) tls = { mode: 'verify-full' };
  else if (c.tls !== undefined && c.tls !== false) {
    const mode = c.tls.mode ?? 'verify-full';
    if (!['require', 'verify-ca', 'verify-full'].includes(mode)) throw invalid(`${label}: connection.tls.mode must be require, verify-ca or verify-full`);
    tls = { ...c.tls, mode };
  }
  const tables = options.tables ?? [];
  const schemas = options.schemas ?? [];
  if (!Array.isArray(tables) || !Array.isArray(schemas)) throw invalid(`${label}: tables and schemas must be lists`);
  if (tables.length === 0 && schemas.length === 0) throw invalid(`${label}: name the tables to serve (tables) or the schemas to discover them in (schemas)`);
  const seen = new Set<string>();
  for (const t of tables) {
    if (!nonEmpty(t?.schema) || !nonEmpty(t?.name)) throw invalid(`${label}: every table needs a schema and a name`);
    // Vertica identifiers are case-insensitive: "Orders" and orders are one table.
    const key = JSON.stringify([t.schema.toLowerCase(), t.name.toLowerCase()]);
    if (seen.has(key)) throw invalid(`${label}: table ${t.schema}.${t.name} is configured twice`);
    seen.add(key);
  }
  for (const s of schemas) if (!nonEmpty(s)) throw invalid(`${label}: schema names cannot be empty`);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw invalid(`${label}: maxConnections must be a positive integer`);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) throw invalid(`${label}: connectTimeoutMs must be a positive integer`);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 65536) throw invalid(`${label}: batchRows must be 1..65536`);
  return {
    name: options.name,
    connection: { host: c.host, port, database: c.database, user: c.user, password: c.password, tls },
    tables,
    schemas: [...new Set(schemas)],
    maxConnections,
    connectTimeoutMs,
    batchRows,
  };
}

/**
 * Run once on every new session, one statement each: statements commit on their own (no transaction
 * left open between statements: AUTOCOMMIT), every transaction is READ ONLY, and the settings the
 * decoders read with (types.ts): ISO dates, UTC, plain intervals, standard conforming strings (the
 * connector's lexer assumes them).
 */
export const SESSION_SETUP = [
  'SET SESSION AUTOCOMMIT TO ON',
  'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
  "SET TIME ZONE TO 'UTC'",
  'SET DATESTYLE TO ISO',
  'SET INTERVALSTYLE TO plain',
  'SET STANDARD_CONFORMING_STRINGS TO ON',
] as const;

/** Node TLS options for a mode (the driver passes them to tls.connect with the socket). */
export function tlsOptions(host: string, tls: ValidatedOptions['connection']['tls']): ConnectionOptions | undefined {
  if (tls === false) return undefined;
  const out: ConnectionOptions = { host };
  if (tls.ca !== undefined) out.ca = tls.ca;
  if (isIP(host) === 0) out.servername = host;
  if (tls.mode === 'require') {
    out.rejectUnauthorized = false;
    out.checkServerIdentity = () => undefined;
  } else {
    out.rejectUnauthorized = true;
    if (tls.mode === 'verify-ca') out.checkServerIdentity = () => undefined;
  }
  return out;
}

/** The driver pool configuration for `max` sessions. */
export function poolConfig(opts: ValidatedOptions, max: number): Omit<DriverPoolConfig, 'verify'> {
  const c = opts.connection;
  const config: Omit<DriverPoolConfig, 'verify'> = {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
    client_label: 'tollgate',
  };
  const tls = tlsOptions(c.host, c.tls);
  if (tls !== undefined) config.tls_config = tls;
  return config;
}
