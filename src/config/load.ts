import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { GatewayError } from '../errors/index.ts';
import { ConfigSchema, type ConfigInput, type ServerConfig } from './schema.ts';

/** A validated config with every default applied and every path absolute. */
export type Config = Omit<ConfigInput, 'server'> & { server: ServerConfig; configPath: string | null };

/** Values from the command line or environment; each wins over the file. */
export interface ConfigOverrides {
  host?: string;
  pgPort?: number;
  httpPort?: number;
  dataDir?: string;
}

function invalid(where: string, message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `invalid config ${where}: ${message}`);
}

/** Parses YAML (a superset of JSON), reporting the line and column of a syntax error. */
export function parseConfigText(text: string, where: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw invalid(where, `${e.message.split('\n')[0]}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`);
  }
  return doc.toJS() ?? {};
}

/** Validates a parsed config object: schema, defaults, then the rules a schema cannot express. */
export function resolveConfig(raw: unknown, where: string, baseDir: string, overrides: ConfigOverrides = {}, env = process.env): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(where, 'the top level must be a mapping');
  const withServer = { server: {}, ...(raw as Record<string, unknown>) };
  const value = Value.Default(ConfigSchema, Value.Clone(withServer)) as unknown;
  const first = Value.Errors(ConfigSchema, value).First();
  if (first) {
    const at = first.path === '' ? 'top level' : first.path.slice(1).replaceAll('/', '.');
    throw invalid(where, `${at}: ${first.message}${first.value !== undefined && typeof first.value !== 'object' ? ` (got ${JSON.stringify(first.value)})` : ''}`);
  }
  const cfg = value as ConfigInput & { server: ServerConfig };
  const server: ServerConfig = {
    ...cfg.server,
    ...(overrides.host !== undefined && { host: overrides.host }),
    ...(overrides.pgPort !== undefined && { pgPort: overrides.pgPort }),
    ...(overrides.httpPort !== undefined && { httpPort: overrides.httpPort }),
  };
  const dataDir = path.resolve(baseDir, overrides.dataDir ?? cfg.dataDir);
  if (server.tls) server.tls = { cert: path.resolve(baseDir, server.tls.cert), key: path.resolve(baseDir, server.tls.key) };

  checkUnique(cfg.engines.map((e) => e.name), 'engines', 'engine name', where);
  checkUnique(cfg.teams.map((t) => t.name), 'teams', 'team name', where);
  checkUnique(cfg.users.map((u) => u.name), 'users', 'user name', where);
  const teams = new Set(cfg.teams.map((t) => t.name));
  for (const u of cfg.users) {
    if (!teams.has(u.team)) throw invalid(where, `users.${u.name}.team: team "${u.team}" is not declared under teams`);
    if ('env' in u.password && env[u.password.env] === undefined)
      throw invalid(where, `users.${u.name}.password: environment variable ${u.password.env} is not set`);
  }
  const tableOwners = new Map<string, string>();
  for (const e of cfg.engines) {
    for (const t of e.tables) {
      const key = `${t.schema}.${t.name}`.toLowerCase();
      const owner = tableOwners.get(key);
      if (owner === e.name) throw invalid(where, `engines.${e.name}.tables: ${key} is declared twice`);
      tableOwners.set(key, e.name);
    }
  }
  return { ...cfg, server, dataDir, configPath: null };
}

function checkUnique(names: string[], section: string, what: string, where: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw invalid(where, `${section}: duplicate ${what} "${n}"`);
    seen.add(n);
  }
}

/** Reads, parses and validates a config file. Relative paths inside it are relative to the file. */
export async function loadConfig(file: string, overrides: ConfigOverrides = {}, env = process.env): Promise<Config> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw invalid(abs, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const cfg = resolveConfig(parseConfigText(text, abs), abs, path.dirname(abs), overrides, env);
  return { ...cfg, configPath: abs };
}
