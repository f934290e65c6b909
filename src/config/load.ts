import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { LineCounter, parseDocument } from 'yaml';
import { GatewayError } from '../errors/index.ts';
import { isValidTimeZone } from '../budgets/periods.ts';
import { Type } from '@sinclair/typebox';
import { servingProcesses, shareDuckDBMemory } from './processes.ts';
import { ConfigSchema, DuckDBEngineSchema, PostgresEngineSchema, type ConfigInput, type ServerConfig } from './schema.ts';
import { VerticaEngineSchema } from './vertica-engine.ts';
import { ImpalaEngineSchema } from './impala-engine.ts';
import { RESERVED_USER_NAMES } from '../users/names.ts';

/**
 * Each engine is validated against the schema of its `kind`: against the union of all of them, a
 * mistake would only say "expected union value".
 */
const ENGINE_SCHEMAS = { duckdb: DuckDBEngineSchema, postgres: PostgresEngineSchema, vertica: VerticaEngineSchema, impala: ImpalaEngineSchema } as const;
const EngineKindSchema = Type.Object({
  kind: Type.Union(Object.keys(ENGINE_SCHEMAS).map((k) => Type.Literal(k))),
});


/** A validated config with every default applied and every path absolute. */
/** The loaded config: `server.processes` resolved to a count ('auto' is one per core, config/processes.ts). */
export type Config = Omit<ConfigInput, 'server'> & { server: Omit<ServerConfig, 'processes'> & { processes: number }; configPath: string | null };

/** Values from the command line or environment; each wins over the file. */
export interface ConfigOverrides {
  host?: string;
  pgPort?: number;
  httpPort?: number;
  processes?: number | 'auto';
  /** Relative to the working directory (it comes from the command line), not to the config file. */
  dataDir?: string;
}

function invalid(where: string, message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `invalid config ${where}: ${message}`);
}

type KeyPath = ReadonlyArray<string | number>;

/** For a value parsed from YAML: the line a key path was written on (or its nearest written parent). */
const SOURCE_LINES = new WeakMap<object, (keys: KeyPath) => number | undefined>();

/** Parses YAML (a superset of JSON), reporting the line and column of a syntax error. */
export function parseConfigText(text: string, where: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    // prettyErrors appends " at line L, column C:" and a code frame; say the position once, up front.
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw invalid(where, `syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${message}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw invalid(where, 'the file is empty; a config needs at least an `engines:` list');
  if (typeof value === 'object') {
    SOURCE_LINES.set(value, (keys) => {
      for (let n = keys.length; n > 0; n--) {
        const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    });
  }
  return value;
}

/** Validates a parsed config object: schema, defaults, then the rules a schema cannot express. */
export function resolveConfig(raw: unknown, where: string, baseDir: string, overrides: ConfigOverrides = {}, env = process.env): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(where, `the top level must be a mapping of keys (got ${kindOf(raw)})`);
  const lineOf = SOURCE_LINES.get(raw);
  /** An error about the value at `keys`, with the line it was written on when the config came from YAML. */
  const fail = (keys: KeyPath, message: string): GatewayError => {
    const line = lineOf?.(keys);
    return invalid(where, line === undefined ? message : `${message} (line ${line})`);
  };
  const schemaError = (e: ValueError): GatewayError => fail(e.path.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k)), describeError(e, raw));
  const withServer = { server: {}, ...(raw as Record<string, unknown>) };
  // Value.Default replaces some values of the wrong type by the default (`users: {}` became []): report
  // those first, while the value is still the one written.
  const replaced = [...Value.Errors(ConfigSchema, withServer)].find((e) => e.value !== undefined && (e.schema as { default?: unknown }).default !== undefined);
  if (replaced) throw schemaError(replaced);
  const engineError = firstEngineError((raw as Record<string, unknown>).engines);
  if (engineError) throw schemaError(engineError);
  const value = Value.Default(ConfigSchema, Value.Clone(withServer)) as unknown;
  const first = Value.Errors(ConfigSchema, value).First();
  if (first) throw schemaError(first);
  const cfg = value as ConfigInput & { server: ServerConfig };
  const server: Config['server'] = {
    ...cfg.server,
    ...(overrides.host !== undefined && { host: overrides.host }),
    ...(overrides.pgPort !== undefined && { pgPort: overrides.pgPort }),
    ...(overrides.httpPort !== undefined && { httpPort: overrides.httpPort }),
    processes: servingProcesses(overrides.processes ?? cfg.server.processes),
  };
  if (server.processes > 1) shareDuckDBMemory(cfg.engines, server.processes);
  const dataDir = overrides.dataDir !== undefined ? path.resolve(overrides.dataDir) : path.resolve(baseDir, cfg.dataDir);
  if (server.tls) server.tls = { cert: path.resolve(baseDir, server.tls.cert), key: path.resolve(baseDir, server.tls.key) };

  checkUnique(cfg.engines.map((e) => e.name), 'engines', 'engine name', fail);
  checkUnique(cfg.teams.map((t) => t.name), 'teams', 'team name', fail);
  checkUnique(cfg.users.map((u) => u.name), 'users', 'user name', fail);
  const engineNames = cfg.engines.map((e) => e.name);
  // The ledger is served as engine "tollgate", schema tollgate (src/ledger/ledger-connector.ts).
  cfg.engines.forEach((e, i) => {
    if (e.name === 'tollgate') throw fail(['engines', i, 'name'], `engines[${i}].name: "tollgate" is reserved for the ledger's own tables`);
    e.tables.forEach((t, j) => {
      if (t.schema === 'tollgate') throw fail(['engines', i, 'tables', j, 'schema'], `engines[${i}].tables[${j}].schema: schema "tollgate" is reserved for the ledger's own tables`);
    });
  });
  cfg.routing.rules.forEach((r, i) => {
    if (!engineNames.includes(r.engine))
      throw fail(['routing', 'rules', i, 'engine'], `routing.rules[${i}].engine: engine "${r.engine}" is not configured (engines: ${engineNames.join(', ')})`);
  });
  const teams = new Set(cfg.teams.map((t) => t.name));
  cfg.storage.owners.forEach((o, i) => {
    if (!teams.has(o.team)) throw fail(['storage', 'owners', i, 'team'], `storage.owners[${i}].team: team "${o.team}" is not declared under teams`);
  });
  cfg.users.forEach((u, i) => {
    const at = `users[${i}] (user "${u.name}")`;
    // Each user is a role of the same name in the metastore (the catalog answers as that role).
    if (RESERVED_USER_NAMES.has(u.name) || u.name.startsWith('pg_'))
      throw fail(['users', i, 'name'], `${at}.name: "${u.name}" is reserved (names starting with pg_, ${[...RESERVED_USER_NAMES].join(', ')})`);
    if (!teams.has(u.team)) {
      const declared = cfg.teams.length === 0 ? 'no teams are declared' : `declared: ${cfg.teams.map((t) => t.name).join(', ')}`;
      throw fail(['users', i, 'team'], `${at}.team: team "${u.team}" is not declared under teams (${declared})`);
    }
    if ('env' in u.password) {
      const v = env[u.password.env];
      if (v === undefined) throw fail(['users', i, 'password'], `${at}.password: environment variable ${u.password.env} is not set`);
      if (v === '') throw fail(['users', i, 'password'], `${at}.password: environment variable ${u.password.env} is empty`);
    }
  });
  const engines = cfg.engines.map((e, i) => {
    if (e.kind === 'duckdb') return e;
    const at = `engines[${i}] (engine "${e.name}")`;
    const password = e.connection.password;
    if (password === undefined) {
      // Only Impala without authentication (auth: nosasl) goes without one.
      if (e.kind !== 'impala' || e.connection.auth !== 'nosasl')
        throw fail(['engines', i, 'connection'], `${at}.connection.password: required (as { env: VARIABLE })${e.kind === 'impala' ? ' with auth: plain' : ''}`);
    } else {
      const variable = password.env;
      if (env[variable] === undefined) throw fail(['engines', i, 'connection', 'password'], `${at}.connection.password: environment variable ${variable} is not set`);
      if (env[variable] === '') throw fail(['engines', i, 'connection', 'password'], `${at}.connection.password: environment variable ${variable} is empty`);
    }
    if (e.tables.length === 0 && e.schemas.length === 0)
      throw fail(['engines', i], `${at}: name the tables to serve (tables) or the schemas to discover them in (schemas)`);
    const schemaSeen = new Map<string, number>();
    e.schemas.forEach((name, j) => {
      const before = schemaSeen.get(name);
      if (before !== undefined) throw fail(['engines', i, 'schemas', j], `${at}.schemas[${j}]: schema "${name}" is already listed at schemas[${before}]`);
      schemaSeen.set(name, j);
    });
    if (e.kind === 'impala') {
      const tls = e.connection.tls;
      if (typeof tls === 'object' && tls.ca !== undefined) return { ...e, connection: { ...e.connection, tls: { ...tls, ca: path.resolve(baseDir, tls.ca) } } };
      return e;
    }
    if (e.kind === 'vertica') {
      const tls = e.connection.tls;
      if (typeof tls === 'object' && tls.ca !== undefined) return { ...e, connection: { ...e.connection, tls: { ...tls, ca: path.resolve(baseDir, tls.ca) } } };
      return e;
    }
    const ssl = e.connection.ssl;
    if (typeof ssl === 'object' && ssl.ca !== undefined) return { ...e, connection: { ...e.connection, ssl: { ...ssl, ca: path.resolve(baseDir, ssl.ca) } } };
    return e;
  });
  engines.forEach((e, i) => {
    const seen = new Map<string, number>();
    e.tables.forEach((t, j) => {
      const key = `${t.schema}.${t.name}`.toLowerCase();
      const before = seen.get(key);
      if (before !== undefined) throw fail(['engines', i, 'tables', j], `engines[${i}].tables[${j}]: table ${key} is already declared at engines[${i}].tables[${before}] of engine "${e.name}"`);
      seen.set(key, j);
    });
  });
  if (!isValidTimeZone(cfg.budgets.timeZone))
    throw fail(['budgets', 'timeZone'], `budgets.timeZone: "${cfg.budgets.timeZone}" is not an IANA time zone (for example Europe/Berlin or UTC)`);
  let ledger = cfg.ledger;
  if (ledger) {
    const variable = ledger.connection.password.env;
    if (env[variable] === undefined || env[variable] === '')
      throw fail(['ledger', 'connection', 'password'], `ledger.connection.password: environment variable ${variable} is ${env[variable] === undefined ? 'not set' : 'empty'}`);
    const ssl = ledger.connection.ssl;
    if (typeof ssl === 'object' && ssl.ca !== undefined) ledger = { connection: { ...ledger.connection, ssl: { ...ssl, ca: path.resolve(baseDir, ssl.ca) } } };
  }
  return { ...cfg, engines, server, dataDir, configPath: null, ...(ledger && { ledger }) };
}

/** The first schema error of an engine entry, checked against its own kind's schema (paths from the top). */
function firstEngineError(engines: unknown): ValueError | undefined {
  if (!Array.isArray(engines)) return undefined; // the whole-config check reports it
  for (let i = 0; i < engines.length; i++) {
    const engine: unknown = engines[i];
    const at = (e: ValueError): ValueError => ({ ...e, path: `/engines/${i}${e.path}` });
    const kindError = Value.Errors(EngineKindSchema, engine).First();
    // An engine without a name says so first (as checked against the first kind's schema).
    const named = typeof engine === 'object' && engine !== null && 'name' in engine;
    if (kindError && named) return at(kindError);
    const schema = kindError ? DuckDBEngineSchema : ENGINE_SCHEMAS[(engine as { kind: keyof typeof ENGINE_SCHEMAS }).kind];
    const replaced = [...Value.Errors(schema, engine)].find((e) => e.value !== undefined && (e.schema as { default?: unknown }).default !== undefined);
    if (replaced) return at(replaced);
    const errors = [...Value.Errors(schema, Value.Default(schema, Value.Clone(engine)))];
    const first = errors[0];
    if (first) {
      // A required key missing beside an unknown one is most likely misspelt: say that.
      const parent = (e: ValueError) => e.path.slice(0, e.path.lastIndexOf('/'));
      const misspelt =
        first.type === ValueErrorType.ObjectRequiredProperty
          ? errors.find((e) => e.type === ValueErrorType.ObjectAdditionalProperties && parent(e) === parent(first))
          : undefined;
      return at(misspelt ?? first);
    }
  }
  return undefined;
}

function checkUnique(names: string[], section: string, what: string, fail: (keys: KeyPath, message: string) => GatewayError): void {
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const before = seen.get(n);
    if (before !== undefined) throw fail([section, i, 'name'], `${section}[${i}].name: duplicate ${what} "${n}" (also ${section}[${before}])`);
    seen.set(n, i);
  });
}

const HASH_PASSWORD_HINT =
  'run `tollgate hash-password` and write password: { scram: "SCRAM-SHA-256$4096:..." }, or read it from the environment with password: { env: VARIABLE }';

/** One schema error as `key.path: what is wrong (got ...)`, in words a config author can act on. */
function describeError(e: ValueError, raw: unknown): string {
  const keys = e.path.split('/').slice(1);
  let at = keys.length === 0 ? 'top level' : keys.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  // Name the list entry when it has a name: users[2] (user "bob").password.
  if (keys.length >= 3 && /^\d+$/.test(keys[1]!) && !(keys.length === 3 && keys[2] === 'name')) {
    const entry = (raw as Record<string, unknown[] | undefined>)[keys[0]!]?.[Number(keys[1])] as { name?: unknown } | undefined;
    if (typeof entry?.name === 'string') at = at.replace(`[${keys[1]}]`, `[${keys[1]}] (${keys[0]!.replace(/s$/, '')} "${entry.name}")`);
  }
  const got = e.value === undefined ? '' : ` (got ${kindOf(e.value)})`;
  const schema = e.schema as { anyOf?: Array<{ const?: unknown }>; const?: unknown; properties?: Record<string, unknown> };

  if (keys[0] === 'users' && keys[2] === 'password') return describePassword(at.replace(/\.scram$|\.env$/, ''), e.value);
  if (keys[0] === 'engines' && keys[2] === 'connection' && keys[3] === 'password') {
    const engines = (raw as { engines?: unknown }).engines;
    const engine = Array.isArray(engines) ? (engines[Number(keys[1])] as { connection?: { password?: unknown } } | undefined) : undefined;
    return describeEnginePassword(at.replace(/\.password\..*$/, '.password'), engine?.connection?.password);
  }
  if (keys[0] === 'server' && keys[1] === 'processes' && keys.length === 2 && e.type === ValueErrorType.Union) return `${at}: expected "auto" or a whole number from 1 to 64${got}`;
  if (keys[0] === 'engines' && keys[2] === 'connection' && keys[3] === 'ssl' && keys.length === 4 && e.type === ValueErrorType.Union)
    return `${at}: expected true, false or { rejectUnauthorized: true|false, ca: <PEM file> }${got}`;
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = keys[keys.length - 1]!;
      const allowed = Object.keys(schema.properties ?? {});
      // A near miss: a case slip or one typo, two in a longer word (`port` is not a near miss of `host`).
      const near = allowed.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= (key.length >= 6 ? 2 : 1));
      return `${at}: unknown key${near ? ` (did you mean "${near}"?)` : ''}; allowed here: ${allowed.join(', ')}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `${at}: required key is missing`;
    case ValueErrorType.Union:
      if (schema.anyOf?.every((s) => s.const !== undefined)) return `${at}: expected one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(', ')}${got}`;
      return `${at}: ${lowerFirst(e.message)}${got}`;
    case ValueErrorType.Literal:
      return `${at}: expected ${JSON.stringify(schema.const)}${got}`;
    default:
      return `${at}: ${lowerFirst(e.message)}${got}`;
  }
}

/** `at` is the path of the password key; the union error TypeBox gives says nothing a person can act on. */
function describePassword(at: string, value: unknown): string {
  if (value === undefined) return `${at}: required key is missing; ${HASH_PASSWORD_HINT}`;
  if (typeof value === 'string' || typeof value === 'number') return `${at}: a plain-text password is not accepted; ${HASH_PASSWORD_HINT}`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const scram = (value as { scram?: unknown }).scram;
    if (keys.length === 1 && keys[0] === 'scram')
      // The value is never echoed: it may be a password pasted in the wrong place.
      return `${at}.scram: not a SCRAM-SHA-256 verifier${typeof scram === 'string' ? '' : ` (got ${kindOf(scram)})`}; a verifier looks like SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> and is made by \`tollgate hash-password\``;
    if (keys.length === 1 && keys[0] === 'env') return `${at}.env: expected the name of an environment variable (got ${kindOf((value as { env?: unknown }).env)})`;
    return `${at}: expected exactly one of the keys scram or env (got ${keys.length === 0 ? 'none' : keys.join(', ')}); ${HASH_PASSWORD_HINT}`;
  }
  return `${at}: expected { scram: ... } or { env: ... } (got ${kindOf(value)}); ${HASH_PASSWORD_HINT}`;
}

const ENGINE_PASSWORD_HINT = "write password: { env: VARIABLE } and set that variable in tollgate's environment";

/** `at` is the path of an engine's connection.password; like a user's password, the value is never echoed. */
function describeEnginePassword(at: string, value: unknown): string {
  if (value === undefined) return `${at}: required key is missing; ${ENGINE_PASSWORD_HINT}`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'env') return `${at}.env: expected the name of an environment variable (got ${kindOf((value as { env?: unknown }).env)})`;
    return `${at}: expected exactly the key env (got ${keys.length === 0 ? 'none' : keys.join(', ')}); ${ENGINE_PASSWORD_HINT}`;
  }
  if (typeof value === 'string' || typeof value === 'number') return `${at}: a plain-text password is not accepted; ${ENGINE_PASSWORD_HINT}`;
  return `${at}: expected { env: ... } (got ${kindOf(value)}); ${ENGINE_PASSWORD_HINT}`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
  return String(v);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
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
