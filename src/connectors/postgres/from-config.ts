/**
 * A postgres engine from tollgate's config → connector options: the password read from the
 * environment variable the config names (never from the file), the CA certificate read from its file.
 */
import type { ConnectionOptions } from 'node:tls';
import type { PostgresConnectionConfig, PostgresEngineConfig } from '../../config/schema.ts';
import type { Logger } from '../../log/index.ts';
import { passwordFromEnv, readCaFile } from '../from-config.ts';
import type { PostgresConnectionOptions, PostgresConnectorOptions } from './options.ts';

/**
 * A `connection` block of the config (an engine's, or the external ledger's) → what pg needs. `owner`
 * names the block in error messages.
 */
export function postgresConnectionFromConfig(owner: string, connection: PostgresConnectionConfig, env: NodeJS.ProcessEnv = process.env): Required<PostgresConnectionOptions> {
  const password = passwordFromEnv(owner, connection.password, env);
  let ssl: boolean | ConnectionOptions = false;
  const configured = connection.ssl;
  if (typeof configured === 'boolean') ssl = configured;
  else if (configured !== undefined) {
    ssl = { rejectUnauthorized: configured.rejectUnauthorized };
    if (configured.ca !== undefined) ssl.ca = readCaFile(owner, 'ssl.ca', configured.ca);
  }
  return { host: connection.host, port: connection.port, database: connection.database, user: connection.user, password, ssl };
}

export function postgresOptionsFromConfig(
  engine: PostgresEngineConfig,
  opts: { logger?: Logger; env?: NodeJS.ProcessEnv } = {},
): PostgresConnectorOptions {
  const out: PostgresConnectorOptions = {
    name: engine.name,
    connection: postgresConnectionFromConfig(`engine "${engine.name}"`, engine.connection, opts.env ?? process.env),
    tables: engine.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      ...(t.comment !== undefined && { comment: t.comment }),
      ...(t.columns !== undefined && { columns: t.columns }),
    })),
    schemas: engine.schemas,
  };
  if (engine.maxConnections !== undefined) out.maxConnections = engine.maxConnections;
  if (engine.statementTimeoutMs !== undefined) out.statementTimeoutMs = engine.statementTimeoutMs;
  if (opts.logger !== undefined) out.logger = opts.logger;
  return out;
}
