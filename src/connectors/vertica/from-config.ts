/**
 * A vertica engine from tollgate's config → connector options: the password read from the environment
 * variable the config names (never from the file), the CA certificate read from its file.
 */
import type { VerticaEngineConfig } from '../../config/vertica-engine.ts';
import type { Logger } from '../../log/index.ts';
import { passwordFromEnv, readCaFile } from '../from-config.ts';
import type { VerticaConnectorOptions, VerticaTlsOptions } from './options.ts';

export function verticaOptionsFromConfig(
  engine: VerticaEngineConfig,
  opts: { logger?: Logger; env?: NodeJS.ProcessEnv } = {},
): VerticaConnectorOptions {
  const env = opts.env ?? process.env;
  const password = passwordFromEnv(`engine "${engine.name}"`, engine.connection.password, env);
  let tls: boolean | VerticaTlsOptions = false;
  const configured = engine.connection.tls;
  if (typeof configured === 'boolean') tls = configured;
  else if (configured !== undefined) {
    tls = { mode: configured.mode };
    if (configured.ca !== undefined) tls.ca = readCaFile(`engine "${engine.name}"`, 'tls.ca', configured.ca);
  }
  const out: VerticaConnectorOptions = {
    name: engine.name,
    connection: {
      host: engine.connection.host,
      port: engine.connection.port,
      database: engine.connection.database,
      user: engine.connection.user,
      password,
      tls,
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
  if (opts.logger !== undefined) out.logger = opts.logger;
  return out;
}
