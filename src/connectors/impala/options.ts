/**
 * Options of the Impala connector and their validation.
 */
import type { ConnectionOptions } from 'node:tls';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Endpoint } from './transport.ts';

/** One served table, named explicitly; comments here win over Impala's own (DESCRIBE's comment column). */
export interface ImpalaTableConfig {
  /** The Impala database. */
  schema: string;
  name: string;
  comment?: string;
  /** Column comments by column name. */
  columns?: Record<string, string>;
}

export interface ImpalaConnectionOptions {
  host: string;
  /** The HiveServer2 port of an impalad (default 21050). */
  port?: number;
  /** 'plain': SASL PLAIN with user and password (Impala with LDAP); 'nosasl': no authentication. Default 'plain'. */
  auth?: 'plain' | 'nosasl';
  user: string;
  /** The password itself, for 'plain' (resolved from the environment by from-config.ts; never logged). */
  password?: string;
  /** TLS: true (verify against the system CAs), false, or node's TLS options (`ca` as PEM text). */
  tls?: boolean | ConnectionOptions;
}

export interface ImpalaConnectorOptions {
  /** The engine's name in tollgate's config (e.g. 'dwh'). */
  name: string;
  connection: ImpalaConnectionOptions;
  /** Tables served, named one by one. */
  tables?: ImpalaTableConfig[];
  /** Databases whose every table and view is served. */
  schemas?: string[];
  /** Statements that may run at once, i.e. pooled sessions (default 10). */
  maxConnections?: number;
  /** Opening a connection (TCP, TLS, SASL) fails after this long, in ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Idle pooled sessions are closed after this long, in ms (default 60 s; Impala's own idle_session_timeout may be shorter). */
  idleTimeoutMs?: number;
  /** Rows per FetchResults (default BATCH_ROWS). */
  batchRows?: number;
  logger?: Logger;
}

export interface ValidatedOptions {
  name: string;
  endpoint: Endpoint;
  tables: ImpalaTableConfig[];
  schemas: string[];
  maxConnections: number;
  idleTimeoutMs: number;
  batchRows: number;
}

export const DEFAULT_PORT = 21050;
export const DEFAULT_MAX_CONNECTIONS = 10;
/** Rows per FetchResults: one batch. */
export const BATCH_ROWS = 4096;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function invalid(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `impala connector: ${message}`);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && !v.includes('\0');
}

function positiveInt(v: unknown, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || (n as number) < 1) throw invalid(`${what} must be a positive integer`);
  return n as number;
}

export function validateOptions(options: ImpalaConnectorOptions): ValidatedOptions {
  if (!nonEmpty(options.name)) throw invalid('name is required');
  const label = `engine "${options.name}"`;
  const c = options.connection;
  if (c === undefined || c === null || typeof c !== 'object') throw invalid(`${label}: connection is required`);
  if (!nonEmpty(c.host)) throw invalid(`${label}: connection.host is required`);
  if (!nonEmpty(c.user)) throw invalid(`${label}: connection.user is required`);
  const auth = c.auth ?? 'plain';
  if (auth !== 'plain' && auth !== 'nosasl') throw invalid(`${label}: connection.auth must be 'plain' or 'nosasl'`);
  if (auth === 'plain' && typeof c.password !== 'string') throw invalid(`${label}: connection.password is required with auth: plain`);
  const port = c.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`${label}: connection.port must be 1..65535`);
  const tables = options.tables ?? [];
  const schemas = options.schemas ?? [];
  if (!Array.isArray(tables) || !Array.isArray(schemas)) throw invalid(`${label}: tables and schemas must be lists`);
  if (tables.length === 0 && schemas.length === 0) throw invalid(`${label}: name the tables to serve (tables) or the databases to discover them in (schemas)`);
  const seen = new Set<string>();
  for (const t of tables) {
    if (!nonEmpty(t?.schema) || !nonEmpty(t?.name)) throw invalid(`${label}: every table needs a schema and a name`);
    // Impala names are case-insensitive (the metastore keeps them lower-case).
    const key = `${t.schema.toLowerCase()}.${t.name.toLowerCase()}`;
    if (seen.has(key)) throw invalid(`${label}: table ${t.schema}.${t.name} is configured twice`);
    seen.add(key);
    if (/[`\\]/.test(t.schema + t.name)) throw invalid(`${label}: table ${t.schema}.${t.name}: Impala names cannot contain backticks or backslashes`);
  }
  for (const s of schemas) {
    if (!nonEmpty(s)) throw invalid(`${label}: schema names cannot be empty`);
    if (/[`\\]/.test(s)) throw invalid(`${label}: schema ${s}: Impala names cannot contain backticks or backslashes`);
  }
  let tls: false | ConnectionOptions = false;
  if (c.tls === true) tls = { rejectUnauthorized: true };
  else if (c.tls !== undefined && c.tls !== false) tls = { rejectUnauthorized: true, ...c.tls };
  return {
    name: options.name,
    endpoint: {
      engine: options.name,
      host: c.host,
      port,
      auth,
      user: c.user,
      password: c.password ?? '',
      tls,
      connectTimeoutMs: positiveInt(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, `${label}: connectTimeoutMs`),
    },
    tables,
    schemas: [...new Set(schemas)],
    maxConnections: positiveInt(options.maxConnections, DEFAULT_MAX_CONNECTIONS, `${label}: maxConnections`),
    idleTimeoutMs: positiveInt(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, `${label}: idleTimeoutMs`),
    batchRows: positiveInt(options.batchRows, BATCH_ROWS, `${label}: batchRows`),
  };
}
