import os from 'node:os';
import path from 'node:path';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';

/** One lake table: a view `schema.name` over Parquet files. */
export interface DuckDBTableConfig {
  schema: string;
  name: string;
  /** A file or glob, relative to `dataDir` or absolute, e.g. 'bookings/**\/*.parquet'. */
  path: string;
  /** Read `key=value` directories as columns (default true). */
  hivePartitioning?: boolean;
  comment?: string;
  /** Column comments by column name. */
  columns?: Record<string, string>;
}

export interface DuckDBConnectorOptions {
  /** The engine's name in tollgate's config (e.g. 'lake'). */
  name: string;
  /** Base directory for relative table paths. */
  dataDir?: string;
  tables: DuckDBTableConfig[];
  /** DuckDB worker threads (default: DuckDB's own, the number of cores). */
  threads?: number;
  /** DuckDB memory limit, in DuckDB's syntax ('4GB', '75%'). */
  memoryLimit?: string;
  logger?: Logger;
  /** Statements that may run at once (default 2 × cores). */
  maxConnections?: number;
  /**
   * Trust a lake table's data version while the directories of its files report no change (inotify),
   * instead of stat-ing every file for each cached statement (default true). Turn it off for directories on
   * a network filesystem, where changes made by other machines are not reported.
   */
  watchFiles?: boolean;
}

/** A table with its path resolved and what DuckDB must be allowed to read for it. */
export interface ResolvedTable extends DuckDBTableConfig {
  absolutePath: string;
  hivePartitioning: boolean;
  /** A directory (ending in '/') for globs, or undefined for a single file. */
  allowedDirectory?: string;
  /** The file itself when the path has no glob. */
  allowedPath?: string;
}

const GLOB_CHARS = /[*?[{]/;

function invalid(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `duckdb connector: ${message}`);
}

/**
 * Resolves a table path and the narrowest location DuckDB must be allowed to read: the directory
 * part before the first glob character, or the file itself.
 */
export function resolveTablePath(table: DuckDBTableConfig, dataDir: string | undefined): ResolvedTable {
  const label = `table ${table.schema}.${table.name}`;
  if (typeof table.path !== 'string' || table.path.trim() === '') throw invalid(`${label}: path is empty`);
  if (table.path.includes('\0')) throw invalid(`${label}: path contains a NUL character`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(table.path)) {
    throw invalid(`${label}: only local paths are supported, got '${table.path}'`);
  }
  let absolutePath: string;
  if (path.isAbsolute(table.path)) {
    absolutePath = path.normalize(table.path);
  } else {
    if (dataDir === undefined) throw invalid(`${label}: relative path '${table.path}' needs dataDir`);
    absolutePath = path.join(path.resolve(dataDir), table.path);
  }
  const resolved: ResolvedTable = { ...table, absolutePath, hivePartitioning: table.hivePartitioning ?? true };
  const glob = absolutePath.search(GLOB_CHARS);
  if (glob < 0) {
    resolved.allowedPath = absolutePath;
  } else {
    const dir = absolutePath.slice(0, absolutePath.lastIndexOf(path.sep, glob) + 1);
    if (dir === '' || dir === path.sep || dir.split(path.sep).filter(Boolean).length < 1) {
      throw invalid(`${label}: the glob '${table.path}' must start below a directory other than the root`);
    }
    resolved.allowedDirectory = dir;
  }
  return resolved;
}

export interface ValidatedOptions {
  name: string;
  tables: ResolvedTable[];
  threads?: number;
  memoryLimit?: string;
  maxConnections: number;
  watchFiles: boolean;
}

export function validateOptions(options: DuckDBConnectorOptions): ValidatedOptions {
  if (typeof options.name !== 'string' || options.name === '') throw invalid('name is required');
  if (!Array.isArray(options.tables)) throw invalid('tables must be a list');
  const seen = new Set<string>();
  const tables = options.tables.map((t) => {
    if (typeof t.schema !== 'string' || t.schema === '' || typeof t.name !== 'string' || t.name === '') {
      throw invalid('every table needs a schema and a name');
    }
    if (t.schema.includes('\0') || t.name.includes('\0')) throw invalid('table names cannot contain NUL');
    const key = `${t.schema.toLowerCase()}.${t.name.toLowerCase()}`;
    if (seen.has(key)) throw invalid(`table ${t.schema}.${t.name} is configured twice`);
    seen.add(key);
    return resolveTablePath(t, options.dataDir);
  });
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw invalid('threads must be a positive integer');
  }
  if (options.memoryLimit !== undefined && (typeof options.memoryLimit !== 'string' || options.memoryLimit.trim() === '')) {
    throw invalid("memoryLimit must be a size like '4GB' or '75%'");
  }
  const maxConnections = options.maxConnections ?? 2 * Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw invalid('maxConnections must be a positive integer');
  const out: ValidatedOptions = { name: options.name, tables, maxConnections, watchFiles: options.watchFiles ?? true };
  if (options.threads !== undefined) out.threads = options.threads;
  if (options.memoryLimit !== undefined) out.memoryLimit = options.memoryLimit.trim();
  return out;
}
