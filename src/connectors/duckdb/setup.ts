/**
 * Builds the DuckDB instance: an in-memory database with one VIEW per lake table, then locked down.
 *
 * What a statement sent through tollgate can reach afterwards (tested in test/connectors/duckdb.test.ts):
 *   - read: only the configured tables' files: the directory before the first glob character of each
 *     table path (`allowed_directories`), or the file itself (`allowed_paths`); every other path,
 *     URL, glob or `..` escape fails with 'Permission Error' (enable_external_access = false);
 *   - write: nothing. COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA, CREATE, CALL ... are refused
 *     before they run by the connector's statement-type check (only SELECT and EXPLAIN pass), and
 *     COPY ... TO outside the lake directories would fail the file check as well;
 *   - configuration: frozen (lock_configuration = true), so no statement can re-enable access;
 *   - time zone: DuckDB's TimeZone is pinned to UTC (timestamptz values are UTC instants anyway);
 *   - integer division: `/` on integers truncates, as in PostgreSQL;
 *   - extensions: none can be installed or loaded (autoinstall/autoload off, external access off);
 *     the statically linked ones (parquet, json, icu, core_functions) are the whole function set.
 * Caveat: the check is on path strings, so a symbolic link inside a lake directory is followed.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { mapDuckDBError } from './errors.ts';
import type { ResolvedTable, ValidatedOptions } from './options.ts';
import { quoteIdent, quoteLiteral } from './sql.ts';

/** The view definition of one table. */
export function viewSql(t: ResolvedTable): string {
  return (
    `CREATE OR REPLACE VIEW ${quoteIdent(t.schema)}.${quoteIdent(t.name)} AS ` +
    `SELECT * FROM read_parquet(${quoteLiteral(t.absolutePath)}, hive_partitioning = ${t.hivePartitioning})`
  );
}

function listLiteral(items: readonly string[]): string {
  return `[${items.map(quoteLiteral).join(', ')}]`;
}

/** The statements that close the instance to everything but the lake files. Order matters. */
/** The macro the DuckDB dialect wraps divisors in, and the message it raises (mapped to 22012). */
export const NONZERO_MACRO = 'tollgate_nonzero';
export const DIVISION_BY_ZERO_MESSAGE = 'division by zero';

export function lockdownSql(tables: readonly ResolvedTable[]): string[] {
  const dirs = [...new Set(tables.flatMap((t) => (t.allowedDirectory === undefined ? [] : [t.allowedDirectory])))];
  const files = [...new Set(tables.flatMap((t) => (t.allowedPath === undefined ? [] : [t.allowedPath])))];
  return [
    // Deterministic across hosts: TIMESTAMPTZ arithmetic and casts in DuckDB use UTC, not the server's zone.
    "SET GLOBAL TimeZone = 'UTC'",
    // PostgreSQL divides integers as integers (5 / 2 = 2); DuckDB's default would answer 2.5.
    'SET GLOBAL integer_division = true',
    `SET allowed_directories = ${listLiteral(dirs)}`,
    `SET allowed_paths = ${listLiteral(files)}`,
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ];
}

export interface Engine {
  instance: DuckDBInstance;
  /** The connection used for setup, kept for health checks. */
  admin: DuckDBConnection;
}

export async function createEngine(opts: ValidatedOptions, logger: Logger): Promise<Engine> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    allow_unsigned_extensions: 'false',
    allow_persistent_secrets: 'false',
  };
  if (opts.threads !== undefined) config.threads = String(opts.threads);
  if (opts.memoryLimit !== undefined) config.memory_limit = opts.memoryLimit;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (e) {
    // DuckDB only says 'Failed to set config': name the settings we passed.
    throw new GatewayError(
      'CONFIG_INVALID',
      `duckdb connector: cannot start DuckDB with ${JSON.stringify(config)} (${(e as Error).message})`,
      { cause: e },
    );
  }
  let admin: DuckDBConnection | undefined;
  try {
    admin = await instance.connect();
    for (const schema of new Set(opts.tables.map((t) => t.schema))) {
      await admin.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    for (const t of opts.tables) {
      try {
        await admin.run(viewSql(t));
      } catch (e) {
        const mapped = mapDuckDBError(e);
        throw new GatewayError(
          'CONFIG_INVALID',
          `duckdb connector: table ${t.schema}.${t.name} over '${t.absolutePath}': ${mapped.message}`,
          { cause: e },
        );
      }
      logger.debug({ table: `${t.schema}.${t.name}`, path: t.absolutePath }, 'duckdb view created');
    }
    // PostgreSQL raises 22012 on division by zero; DuckDB answers NULL or infinity. The dialect wraps
    // every divisor in this macro (see planner/duckdb-dialect.ts), which raises the error instead.
    await admin.run(`CREATE OR REPLACE MACRO ${NONZERO_MACRO}(x) AS CASE WHEN x = 0 THEN error('${DIVISION_BY_ZERO_MESSAGE}') ELSE x END`);
    for (const sql of lockdownSql(opts.tables)) await admin.run(sql);
    return { instance, admin };
  } catch (e) {
    admin?.closeSync();
    instance.closeSync();
    if (e instanceof GatewayError) throw e;
    throw new GatewayError('CONFIG_INVALID', `duckdb connector: setup failed: ${mapDuckDBError(e).message}`, { cause: e });
  }
}
