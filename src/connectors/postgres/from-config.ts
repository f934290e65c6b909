/**
 * A postgres engine from tollgate's config → connector options: the password read from the
 * environment variable the config names (never from the file), the CA certificate read from its file.
 */
import type { ConnectionOptions } from 'node:tls';
import type { PostgresEngineConfig } from '../../config/schema.ts';
import type { Logger } from '../../log/index.ts';
import { passwordFromEnv, readCaFile } from '../from-config.ts';
import type { PostgresConnectorOptions } from './options.ts';

export function postgresOptionsFromConfig(
  engine: PostgresEngineConfig,
  opts: { logger?: Logger; env?: NodeJS.ProcessEnv } = {},
): PostgresConnectorOptions {
  const env = opts.env ?? process.env;
  const password = passwordFromEnv(engine.name, engine.connection.password, env);
  let ssl: boolean | ConnectionOptions = false;
  const configured = engine.connection.ssl;
  if (typeof configured === 'boolean') ssl = configured;
  else if (configured !== undefined) {
    ssl = { rejectUnauthorized: configured.rejectUnauthorized };
    if (configured.ca !== undefined) ssl.ca = readCaFile(engine.name, 'ssl.ca', configured.ca);
  }
  const out: PostgresConnectorOptions = {
    name: engine.name,
    connection: {
      host: engine.connection.host,
      port: engine.connection.port,
      database: engine.connection.database,
      user: engine.connection.user,
      password,
      ssl,
    },
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
