/**
 * Options of the PostgreSQL connector, their validation, and the pg pool configuration built from them
 * (including the settings every engine session runs with).
 */
import type pg from 'pg';
import type { ConnectionOptions } from 'node:tls';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';

/** One served table, named explicitly; comments here win over PostgreSQL's own (pg_description). */
export interface PostgresTableConfig {
  schema: string;
  name: string;
  comment?: string;
  /** Column comments by column name. */
  columns?: Record<string, string>;
}

export interface PostgresConnectionOptions {
  host: string;
  port?: number;
  database: string;
  user: string;
  /** The password itself (resolved from the environment by from-config.ts; never logged). */
  password: string;
  /** TLS: true (verify against the system CAs), false, or node's TLS options (`ca` as PEM text). */
  ssl?: boolean | ConnectionOptions;
}

export interface PostgresConnectorOptions {
  /** The engine's name in tollgate's config (e.g. 'warehouse'). */
  name: string;
  connection: PostgresConnectionOptions;
  /** Tables served, named one by one. */
  tables?: PostgresTableConfig[];
  /** Schemas whose every table, view, materialized view and foreign table is served. */
  schemas?: string[];
  /** Statements that may run at once, i.e. pooled connections (default 10). */
  maxConnections?: number;
  /** PostgreSQL's statement_timeout for every statement, in ms (default: none, 0 = none). */
  statementTimeoutMs?: number;
  /** How long to wait for a new connection before the engine counts as unavailable (default 10 s). */
  connectTimeoutMs?: number;
  logger?: Logger;
}

export interface ValidatedOptions {
  name: string;
  connection: Required<Omit<PostgresConnectionOptions, 'ssl'>> & { ssl: boolean | ConnectionOptions };
  tables: PostgresTableConfig[];
  schemas: string[];
  maxConnections: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function invalid(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `postgres connector: ${message}`);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes('\0');
}

export function validateOptions(options: PostgresConnectorOptions): ValidatedOptions {
  if (!nonEmpty(options.name)) throw invalid('name is required');
  const label = `engine "${options.name}"`;
  const c = options.connection;
  if (c === undefined || c === null || typeof c !== 'object') throw invalid(`${label}: connection is required`);
  for (const key of ['host', 'database', 'user'] as const) {
    if (!nonEmpty(c[key])) throw invalid(`${label}: connection.${key} is required`);
  }
  if (typeof c.password !== 'string') throw invalid(`${label}: connection.password is required`);
  const port = c.port ?? 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${label}: connection.port must be 1..65535`);
  const tables = options.tables ?? [];
  const schemas = options.schemas ?? [];
  if (!Array.isArray(tables) || !Array.isArray(schemas)) throw invalid(`${label}: tables and schemas must be lists`);
  if (tables.length === 0 && schemas.length === 0) throw invalid(`${label}: name the tables to serve (tables) or the schemas to discover them in (schemas)`);
  const seen = new Set<string>();
  for (const t of tables) {
    if (!nonEmpty(t?.schema) || !nonEmpty(t?.name)) throw invalid(`${label}: every table needs a schema and a name`);
    // PostgreSQL names are case-sensitive once created ("Orders" and orders are two tables).
    const key = JSON.stringify([t.schema, t.name]);
    if (seen.has(key)) throw invalid(`${label}: table ${t.schema}.${t.name} is configured twice`);
    seen.add(key);
  }
  for (const s of schemas) if (!nonEmpty(s)) throw invalid(`${label}: schema names cannot be empty`);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw invalid(`${label}: maxConnections must be a positive integer`);
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) throw invalid(`${label}: statementTimeoutMs must be an integer >= 0`);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) throw invalid(`${label}: connectTimeoutMs must be a positive integer`);
  return {
    name: options.name,
    connection: { host: c.host, port, database: c.database, user: c.user, password: c.password, ssl: c.ssl ?? false },
    tables,
    schemas: [...new Set(schemas)],
    maxConnections,
    statementTimeoutMs,
    connectTimeoutMs,
  };
}

/**
 * Set once on every new engine session: UTF-8 text (what pg decodes), the output formats the
 * decoders read (types.ts), floats printed exactly (shortest round-trip form), and read-only as the
 * session default under the per-statement BEGIN TRANSACTION READ ONLY. A statement that changes one
 * of these (set_config) changes it inside its own transaction, which is rolled back when it ends.
 */
export const SESSION_SETUP_SQL = [
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  "SET TimeZone = 'UTC'",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
  'SET default_transaction_read_only = on',
].join('; ');

/** The pg pool configuration for the connector's sessions (`max` connections). */
export function poolConfig(opts: ValidatedOptions, max: number): pg.PoolConfig {
  const c = opts.connection;
  const config: pg.PoolConfig = {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password,
    ssl: c.ssl,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
    application_name: 'tollgate',
    onConnect: async (client) => {
      await client.query(SESSION_SETUP_SQL);
    },
  };
  if (opts.statementTimeoutMs > 0) config.statement_timeout = opts.statementTimeoutMs;
  return config;
}
