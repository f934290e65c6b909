/**
 * An impala engine from tollgate's config → connector options: the password read from the
 * environment variable the config names (never from the file), the CA certificate read from its file.
 */
import type { ConnectionOptions } from 'node:tls';
import type { ImpalaEngineConfig } from '../../config/impala-engine.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { passwordFromEnv, readCaFile } from '../from-config.ts';
import type { ImpalaConnectorOptions } from './options.ts';

export function impalaOptionsFromConfig(engine: ImpalaEngineConfig, opts: { logger?: Logger; env?: NodeJS.ProcessEnv } = {}): ImpalaConnectorOptions {
  const env = opts.env ?? process.env;
  const where = `engine "${engine.name}"`;
  const auth = engine.connection.auth ?? 'plain';
  let password: string | undefined;
  if (engine.connection.password !== undefined) {
    password = passwordFromEnv(`engine "${engine.name}"`, engine.connection.password, env);
  } else if (auth === 'plain') {
    throw new GatewayError('CONFIG_INVALID', `${where}: connection.password is required with auth: plain (password: { env: VARIABLE })`);
  }
  let tls: boolean | ConnectionOptions = false;
  const configured = engine.connection.tls;
  if (typeof configured === 'boolean') tls = configured;
  else if (configured !== undefined) {
    tls = { rejectUnauthorized: configured.rejectUnauthorized ?? true };
    if (configured.ca !== undefined) tls.ca = readCaFile(`engine "${engine.name}"`, 'tls.ca', configured.ca);
  }
  const out: ImpalaConnectorOptions = {
    name: engine.name,
    connection: {
      host: engine.connection.host,
      port: engine.connection.port ?? 21050,
      auth,
      user: engine.connection.user,
      ...(password !== undefined && { password }),
      tls,
    },
    tables: (engine.tables ?? []).map((t) => ({
      schema: t.schema,
      name: t.name,
      ...(t.comment !== undefined && { comment: t.comment }),
      ...(t.columns !== undefined && { columns: t.columns }),
    })),
    schemas: engine.schemas ?? [],
  };
  if (engine.maxConnections !== undefined) out.maxConnections = engine.maxConnections;
  if (opts.logger !== undefined) out.logger = opts.logger;
  return out;
}
