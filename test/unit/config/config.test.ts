import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, parseConfigText, resolveConfig, type ConfigOverrides } from '../../../src/config/index.ts';
import { servingProcesses } from '../../../src/config/processes.ts';
import { GatewayError } from '../../../src/errors/index.ts';

const DEMO = path.resolve(import.meta.dirname, '../../../config/demo.yaml');
const VERIFIER = 'SCRAM-SHA-256$4096:JMR+vVQSXYY4Au99XZb5KQ==$j6FIJB6EE7QMvPFsIowALSvqr/0WjikZr5/KhRXvAM4=:MO2kqfm3T7nUoGjUKjJ8TUFv/0ivaQ1jJrvpT7MEZTY=';
const ENGINE = 'engines:\n  - name: lake\n    kind: duckdb\n';
/** What processes: auto comes to on this machine. */
const AUTO = servingProcesses('auto');
const USERS = 'teams:\n  - name: growth\nusers:\n  - name: alice\n    team: growth\n';

/** Parses and resolves YAML text the way loadConfig does, for a file /etc/tollgate/t.yaml. */
function load(text: string, overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = {}) {
  return resolveConfig(parseConfigText(text, 't.yaml'), 't.yaml', '/etc/tollgate', overrides, env);
}

/** Asserts that loading `text` fails with CONFIG_INVALID and a message matching every pattern. */
function rejects(text: string, patterns: RegExp[], env: NodeJS.ProcessEnv = {}): string {
  let err: unknown;
  try {
    load(text, {}, env);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GatewayError, `expected a GatewayError for:\n${text}`);
  assert.equal(err.code, 'CONFIG_INVALID');
  assert.equal(err.sqlstate, 'F0000');
  for (const p of patterns) assert.match(err.message, p);
  return err.message;
}

describe('config: the demo file', () => {
  it('loads, with paths made absolute relative to the file', async () => {
    const cfg = await loadConfig(DEMO, {}, {});
    assert.equal(cfg.configPath, DEMO);
    assert.equal(cfg.dataDir, path.resolve(path.dirname(DEMO), '../data'));
    assert.deepEqual(cfg.server, { host: '127.0.0.1', pgPort: 5433, httpPort: 8080, database: 'tollgate', maxConnections: 500, processes: AUTO, shutdownGraceMs: 10_000 });
    assert.deepEqual(cfg.demo, { generate: true, seed: 42, scale: 1 });
    assert.deepEqual(cfg.engines.map((e) => [e.name, e.kind, e.tables.map((t) => `${t.schema}.${t.name}`)]), [
      ['lake', 'duckdb', ['lake.hotels', 'lake.bookings', 'lake.searches']],
    ]);
    const lake = cfg.engines[0]!;
    assert.ok(lake.kind === 'duckdb');
    assert.equal(lake.tables[0]!.hivePartitioning, false);
    assert.equal(lake.tables[1]!.hivePartitioning, true);
    assert.deepEqual(cfg.teams.map((t) => t.name), ['growth', 'pricing', 'ml', 'platform']);
    assert.deepEqual(cfg.users.map((u) => [u.name, u.team, u.role, u.allowCleartext, u.disabled]), [
      ['alice', 'growth', 'analyst', false, false],
      ['bob', 'pricing', 'analyst', false, false],
      ['carol', 'ml', 'analyst', false, false],
      ['admin', 'platform', 'admin', false, false],
    ]);
    for (const u of cfg.users) assert.ok('scram' in u.password && u.password.scram.startsWith('SCRAM-SHA-256$4096:'));
    assert.equal(cfg.logLevel, 'info');
  });
});

describe('config: defaults and overrides', () => {
  it('fills every default of a minimal config', () => {
    const cfg = load(ENGINE);
    assert.deepEqual(cfg.server, { host: '127.0.0.1', pgPort: 5433, httpPort: 8080, database: 'tollgate', maxConnections: 500, processes: AUTO, shutdownGraceMs: 10_000 });
    assert.equal(cfg.dataDir, '/etc/tollgate/data');
    assert.deepEqual(cfg.demo, { generate: false, seed: 42, scale: 1 });
    // With several processes each DuckDB gets its share of DuckDB's default memory (config/processes.ts).
    const { memoryLimit, ...engine } = cfg.engines[0] as { memoryLimit?: string };
    assert.deepEqual([engine], [{ name: 'lake', kind: 'duckdb', tables: [] }]);
    if (AUTO > 1) assert.match(memoryLimit!, /^\d+MB$/);
    else assert.equal(memoryLimit, undefined);
    assert.deepEqual(cfg.teams, []);
    assert.deepEqual(cfg.users, []);
    assert.equal(cfg.logLevel, 'info');
    assert.equal(cfg.configPath, null);
  });

  it('fills defaults inside list entries', () => {
    const cfg = load(`${ENGINE}    tables:\n      - { schema: s, name: t, path: t.parquet }\n${USERS}    password: { scram: "${VERIFIER}" }\n`);
    assert.deepEqual(cfg.engines[0]!.tables[0], { schema: 's', name: 't', path: 't.parquet', hivePartitioning: true });
    assert.deepEqual(cfg.users[0], { name: 'alice', team: 'growth', role: 'analyst', password: { scram: VERIFIER }, allowCleartext: false, disabled: false });
  });

  it('keeps what the file says over the defaults', () => {
    const cfg = load(`server:\n  host: 0.0.0.0\n  pgPort: 6432\n  tls: { cert: certs/c.pem, key: /abs/k.pem }\ndataDir: /srv/data\nlogLevel: debug\ndemo: { scale: 0.5 }\n${ENGINE}`);
    assert.equal(cfg.server.host, '0.0.0.0');
    assert.equal(cfg.server.pgPort, 6432);
    assert.equal(cfg.server.httpPort, 8080);
    assert.deepEqual(cfg.server.tls, { cert: '/etc/tollgate/certs/c.pem', key: '/abs/k.pem' });
    assert.equal(cfg.dataDir, '/srv/data');
    assert.equal(cfg.logLevel, 'debug');
    assert.deepEqual(cfg.demo, { generate: false, seed: 42, scale: 0.5 });
  });

  it('lets overrides win over the file', () => {
    const cfg = load(`server:\n  host: 0.0.0.0\n  pgPort: 6432\n  httpPort: 9000\n  processes: 4\ndataDir: ./d\n${ENGINE}`, { host: '::1', pgPort: 0, httpPort: 0, processes: 2, dataDir: '/var/lib/tollgate' });
    assert.equal(cfg.server.host, '::1');
    assert.equal(cfg.server.processes, 2);
    assert.equal(cfg.server.pgPort, 0);
    assert.equal(cfg.server.httpPort, 0);
    assert.equal(cfg.server.database, 'tollgate');
    assert.equal(cfg.dataDir, '/var/lib/tollgate');
  });

  it('resolves a relative --data-dir against the working directory, not the config file', () => {
    assert.equal(load(ENGINE, { dataDir: 'mydata' }).dataDir, path.resolve('mydata'));
    assert.equal(load(`dataDir: mydata\n${ENGINE}`).dataDir, '/etc/tollgate/mydata');
  });

  it('reads a password from the environment when the variable is set', () => {
    const cfg = load(`${ENGINE}${USERS}    password: { env: ALICE_PW }\n`, {}, { ALICE_PW: 'secret' });
    assert.deepEqual(cfg.users[0]!.password, { env: 'ALICE_PW' });
  });

  it('does not change the parsed object it is given', () => {
    const raw = parseConfigText(ENGINE, 't.yaml');
    const copy = structuredClone(raw);
    load(ENGINE);
    resolveConfig(raw, 't.yaml', '/x');
    assert.deepEqual(raw, copy);
  });
});

describe('config: JSON input', () => {
  it('accepts JSON, which is YAML', () => {
    const cfg = load(JSON.stringify({ server: { pgPort: 7000 }, engines: [{ name: 'lake', kind: 'duckdb' }] }, null, 2));
    assert.equal(cfg.server.pgPort, 7000);
    assert.equal(cfg.engines[0]!.name, 'lake');
  });

  it('reports a JSON syntax error with its line', () => {
    rejects('{\n  "engines": [\n    { "name": "lake", "kind": "duckdb" }\n  ,\n}', [/syntax error at line \d+, column \d+: /]);
    rejects('{"engines": [{"name": "lake"}', [/syntax error at line 1, column \d+: Flow sequence/]);
  });

  it('rejects a duplicate key in JSON', () => {
    rejects('{"engines": [], "engines": []}', [/syntax error at line 1, column \d+: Map keys must be unique/]);
  });
});

describe('config: bad files', () => {
  const cases: Array<[string, string, RegExp[]]> = [
    // empty and non-mapping files
    ['empty file', '', [/the file is empty; a config needs at least an `engines:` list/]],
    ['only comments', '# nothing yet\n\n', [/the file is empty/]],
    ['a list at the top', '- a\n- b\n', [/the top level must be a mapping of keys \(got a list\)/]],
    ['a scalar at the top', 'engines\n', [/the top level must be a mapping of keys \(got "engines"\)/]],
    // YAML syntax, with the line
    ['bad indentation', 'engines:\n  - name: lake\n   kind: duckdb\n', [/syntax error at line 3, column 1: /]],
    ['a tab', 'engines:\n\t- name: lake\n', [/syntax error at line 2, column 1: Tabs are not allowed as indentation/]],
    ['unclosed flow', 'server: { pgPort: 1\nengines: []\n', [/syntax error at line \d+, column \d+: /]],
    ['unclosed quote', 'server:\n  host: "127.0.0.1\n', [/syntax error at line 3, column 1: Missing closing "quote/]],
    ['duplicate key', 'engines: []\nlogLevel: info\nengines: []\n', [/syntax error at line 3, column 1: Map keys must be unique/]],
    ['two documents', `${ENGINE}---\n${ENGINE}`, [/syntax error at line 4, column 1: /]],
    // required keys
    ['no engines', 'logLevel: info\n', [/: engines: required key is missing$/]],
    ['no engines at all', 'engines: []\n', [/engines: expected array length to be greater or equal to 1 \(got an empty list\) \(line 1\)/]],
    ['engine without kind', 'engines:\n  - name: lake\n', [/engines\[0\] \(engine "lake"\)\.kind: required key is missing \(line 2\)/]],
    ['engine without name', 'engines:\n  - kind: duckdb\n', [/engines\[0\]\.name: required key is missing \(line 2\)/]],
    ['engine as a number', 'engines:\n  - 5\n', [/engines\[0\]: expected object \(got 5\) \(line 2\)/]],
    ['table without path', `${ENGINE}    tables:\n      - schema: s\n        name: t\n`, [/engines\[0\] \(engine "lake"\)\.tables\[0\]\.path: required key is missing \(line 5\)/]],
    ['user without team', `${ENGINE}users:\n  - name: alice\n    password: { env: P }\n`, [/users\[0\] \(user "alice"\)\.team: required key is missing \(line 5\)/]],
    // unknown keys, with a suggestion when it is a near miss
    ['unknown top-level key', `${ENGINE}logging: debug\n`, [/logging: unknown key; allowed here: server, dataDir, demo, engines, teams, users, billing, storage, routing, catalog, budgets, cache, migrations, ledger, logLevel \(line 4\)/]],
    ['misspelt top-level key', `${ENGINE}loglevel: debug\n`, [/loglevel: unknown key \(did you mean "logLevel"\?\)/]],
    ['unknown server key', `server:\n  port: 5433\n${ENGINE}`, [/server\.port: unknown key; allowed here: host, pgPort, /, /\(line 2\)/]],
    ['misspelt server key', `server:\n  pgport: 5433\n${ENGINE}`, [/server\.pgport: unknown key \(did you mean "pgPort"\?\)/]],
    ['misspelt engine key', `${ENGINE}    thread: 4\n`, [/engines\[0\] \(engine "lake"\)\.thread: unknown key \(did you mean "threads"\?\)/, /\(line 4\)/]],
    ['unknown user key', `${ENGINE}${USERS}    password: { env: P }\n    admin: true\n`, [/users\[0\] \(user "alice"\)\.admin: unknown key; allowed here: name, team, role, password, allowCleartext, disabled \(line 10\)/]],
    ['unknown tls key', `server:\n  tls: { cert: a, key: b, ca: c }\n${ENGINE}`, [/server\.tls\.ca: unknown key/]],
    // wrong types
    ['port as a string', `server:\n  pgPort: "5433"\n${ENGINE}`, [/server\.pgPort: expected integer \(got "5433"\) \(line 2\)/]],
    ['port out of range', `server:\n  pgPort: 70000\n${ENGINE}`, [/server\.pgPort: expected integer to be less or equal to 65535 \(got 70000\)/]],
    ['fractional port', `server:\n  httpPort: 80.5\n${ENGINE}`, [/server\.httpPort: expected integer \(got 80\.5\)/]],
    ['no serving process', `server:\n  processes: 0\n${ENGINE}`, [/server\.processes: expected "auto" or a whole number from 1 to 64 \(got 0\)/]],
    ['too many serving processes', `server:\n  processes: 65\n${ENGINE}`, [/server\.processes: expected "auto" or a whole number from 1 to 64 \(got 65\)/]],
    ['server as a string', `server: localhost\n${ENGINE}`, [/server: expected object \(got "localhost"\) \(line 1\)/]],
    ['server left empty', `server:\n${ENGINE}`, [/server: expected object \(got null\)/]],
    ['engines as a mapping', 'engines:\n  lake: { kind: duckdb }\n', [/engines: expected array \(got a mapping\)/]],
    ['users as a mapping', `${ENGINE}users: {}\n`, [/users: expected array \(got a mapping\) \(line 4\)/]],
    ['teams as a string', `${ENGINE}teams: growth\n`, [/teams: expected array \(got "growth"\)/]],
    ['tables as a mapping', `${ENGINE}    tables: {}\n`, [/engines\[0\] \(engine "lake"\)\.tables: expected array \(got a mapping\)/]],
    ['unknown engine kind', 'engines:\n  - name: ora\n    kind: oracle\n', [/engines\[0\] \(engine "ora"\)\.kind: expected one of "duckdb", "postgres", "vertica", "impala" \(got "oracle"\) \(line 3\)/]],
    ['bad log level', `${ENGINE}logLevel: verbose\n`, [/logLevel: expected one of "trace", "debug", "info", "warn", "error", "silent" \(got "verbose"\)/]],
    ['bad role', `${ENGINE}${USERS}    role: root\n    password: { env: P }\n`, [/users\[0\] \(user "alice"\)\.role: expected one of "analyst", "admin" \(got "root"\)/]],
    ['threads as a word', `${ENGINE}    threads: four\n`, [/engines\[0\] \(engine "lake"\)\.threads: expected integer \(got "four"\)/]],
    ['zero threads', `${ENGINE}    threads: 0\n`, [/threads: expected integer to be greater or equal to 1 \(got 0\)/]],
    ['boolean as a string', `${ENGINE}demo:\n  generate: "yes"\n`, [/demo\.generate: expected boolean \(got "yes"\)/]],
    ['zero demo scale', `${ENGINE}demo: { scale: 0 }\n`, [/demo\.scale: expected number to be greater than 0 \(got 0\)/]],
    ['empty engine name', 'engines:\n  - name: ""\n    kind: duckdb\n', [/engines\[0\]\.name: expected string length greater or equal to 1 \(got ""\)/]],
    ['user name too long', `${ENGINE}teams: [{ name: t }]\nusers:\n  - name: ${'u'.repeat(64)}\n    team: t\n    password: { env: P }\n`, [/users\[0\]\.name: expected string length less or equal to 63/]],
    // duplicates
    ['duplicate engine', `${ENGINE}  - name: lake\n    kind: duckdb\n`, [/engines\[1\]\.name: duplicate engine name "lake" \(also engines\[0\]\) \(line 4\)/]],
    ['duplicate team', `${ENGINE}teams:\n  - name: a\n  - name: b\n  - name: a\n`, [/teams\[2\]\.name: duplicate team name "a" \(also teams\[0\]\) \(line 7\)/]],
    ['duplicate user', `${ENGINE}${USERS}    password: { env: P }\n  - name: alice\n    team: growth\n    password: { env: P }\n`, [/users\[1\]\.name: duplicate user name "alice" \(also users\[0\]\) \(line 10\)/]],
    ['duplicate table in one engine', `${ENGINE}    tables:\n      - { schema: s, name: t, path: a }\n      - { schema: S, name: T, path: b }\n`, [/engines\[0\]\.tables\[1\]: table s\.t is already declared at engines\[0\]\.tables\[0\] of engine "lake" \(line 6\)/]],
    // users and teams
    ['user of an undeclared team', `${ENGINE}${USERS.replace('team: growth', 'team: growht')}    password: { env: P }\n`, [/users\[0\] \(user "alice"\)\.team: team "growht" is not declared under teams \(declared: growth\) \(line 8\)/]],
    ['routing rule naming an unknown engine', `${ENGINE}routing:\n  rules:\n    - { team: ml, engine: vertica }\n`, [/routing\.rules\[0\]\.engine: engine "vertica" is not configured \(engines: lake\)/]],
    ['engine named like the ledger', `engines:\n  - name: tollgate\n    kind: duckdb\n`, [/engines\[0\]\.name: "tollgate" is reserved for the ledger's own tables/]],
    ['user name the metastore reserves', `${ENGINE}${USERS.replace('name: alice', 'name: tollgate_metastore')}    password: { env: P }\n`, [/users\[0\] \(user "tollgate_metastore"\)\.name: "tollgate_metastore" is reserved/]],
    ['user name PostgreSQL reserves', `${ENGINE}${USERS.replace('name: alice', 'name: pg_monitor')}    password: { env: P }\n`, [/\.name: "pg_monitor" is reserved \(names starting with pg_/]],
    ['user with no teams declared', `${ENGINE}users:\n  - { name: bob, team: ml, password: { env: P } }\n`, [/users\[0\] \(user "bob"\)\.team: team "ml" is not declared under teams \(no teams are declared\)/]],
    // passwords: never plain text, and say how to make a verifier
    ['plain-text password', `${ENGINE}${USERS}    password: "secret"\n`, [/users\[0\] \(user "alice"\)\.password: a plain-text password is not accepted; run `tollgate hash-password` and write password: \{ scram: /, /password: \{ env: VARIABLE \}/, /\(line 9\)/]],
    ['plain-text numeric password', `${ENGINE}${USERS}    password: 123456\n`, [/password: a plain-text password is not accepted; run `tollgate hash-password`/]],
    ['password under another key', `${ENGINE}${USERS}    password: { plain: secret }\n`, [/password: expected exactly one of the keys scram or env \(got plain\); run `tollgate hash-password`/]],
    ['both scram and env', `${ENGINE}${USERS}    password: { scram: "${VERIFIER}", env: P }\n`, [/password: expected exactly one of the keys scram or env \(got scram, env\)/]],
    ['a password where the verifier goes', `${ENGINE}${USERS}    password: { scram: hunter2 }\n`, [/users\[0\] \(user "alice"\)\.password\.scram: not a SCRAM-SHA-256 verifier; a verifier looks like SCRAM-SHA-256\$<iterations>:<salt>\$<StoredKey>:<ServerKey> and is made by `tollgate hash-password`/]],
    ['an MD5 hash', `${ENGINE}${USERS}    password: { scram: md5a3556571e93b0d20722ba62be61e8c2d }\n`, [/password\.scram: not a SCRAM-SHA-256 verifier/]],
    ['empty env name', `${ENGINE}${USERS}    password: { env: "" }\n`, [/users\[0\] \(user "alice"\)\.password\.env: expected the name of an environment variable \(got ""\)/]],
    ['no password', `${ENGINE}${USERS}`, [/users\[0\] \(user "alice"\)\.password: required key is missing; run `tollgate hash-password`/]],
    ['password env variable not set', `${ENGINE}${USERS}    password: { env: ALICE_PW }\n`, [/users\[0\] \(user "alice"\)\.password: environment variable ALICE_PW is not set \(line 9\)/]],
  ];
  for (const [name, text, patterns] of cases) {
    it(name, () => {
      rejects(text, patterns);
    });
  }

  it('refuses an empty environment variable as a password', () => {
    rejects(`${ENGINE}${USERS}    password: { env: ALICE_PW }\n`, [/environment variable ALICE_PW is empty/], { ALICE_PW: '' });
  });

  it('never echoes a plain-text password', () => {
    for (const pw of ['"s3cr3t-Pa55"', '{ scram: s3cr3t-Pa55 }']) {
      const msg = rejects(`${ENGINE}${USERS}    password: ${pw}\n`, [/password/]);
      assert.doesNotMatch(msg, /s3cr3t/);
    }
  });

  it('an external ledger: its password variable must be set, its CA path is made absolute', () => {
    const ledger = 'ledger:\n  connection:\n    host: db.internal\n    database: tollgate_ledger\n    user: tollgate\n    password: { env: LEDGER_PW }\n';
    rejects(`${ENGINE}${ledger}`, [/ledger\.connection\.password: environment variable LEDGER_PW is not set/]);
    rejects(`${ENGINE}${ledger}`, [/environment variable LEDGER_PW is empty/], { LEDGER_PW: '' });
    rejects(`${ENGINE}ledger:\n  connection:\n    host: db.internal\n    database: l\n    user: t\n    password: hunter2\n`, [/ledger\/connection\/password|ledger\.connection\.password/]);
    const c = load(`${ENGINE}${ledger}    ssl: { ca: certs/ca.pem }\n`, {}, { LEDGER_PW: 'x' });
    assert.deepEqual(c.ledger?.connection.ssl, { rejectUnauthorized: true, ca: '/etc/tollgate/certs/ca.pem' });
    assert.equal(c.ledger?.connection.port, 5432);
    assert.equal(load(ENGINE).ledger, undefined);
  });

  it('names the file in the message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-config-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      await writeFile(file, `${ENGINE}logLevel: loud\n`);
      await assert.rejects(loadConfig(file, {}, {}), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID' && e.message.startsWith(`invalid config ${file}: logLevel: expected one of`));
      await assert.rejects(loadConfig(path.join(dir, 'missing.yaml'), {}, {}), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID' && /missing\.yaml: cannot read the file \(ENOENT\)/.test(e.message));
      await writeFile(file, '');
      await assert.rejects(loadConfig(file, {}, {}), /bad\.yaml: the file is empty/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('config: files on disk', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a JSON file and resolves its paths against its directory', async () => {
    const file = path.join(dir, 'tollgate.json');
    await writeFile(file, JSON.stringify({ dataDir: 'd', server: { tls: { cert: 'c.pem', key: 'k.pem' } }, engines: [{ name: 'lake', kind: 'duckdb' }] }));
    const cfg = await loadConfig(file, {}, {});
    assert.equal(cfg.configPath, file);
    assert.equal(cfg.dataDir, path.join(dir, 'd'));
    assert.deepEqual(cfg.server.tls, { cert: path.join(dir, 'c.pem'), key: path.join(dir, 'k.pem') });
  });

  it('reports the line of a YAML syntax error in a file', async () => {
    const file = path.join(dir, 'syntax.yaml');
    await writeFile(file, `${ENGINE}teams:\n  - name: a\n - name: b\n`);
    await assert.rejects(loadConfig(file, {}, {}), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID' && /syntax\.yaml: syntax error at line 6, column \d+: /.test(e.message));
  });
});

describe('config: postgres engines', () => {
  const PG = 'engines:\n  - name: wh\n    kind: postgres\n    connection: { host: db.internal, database: dwh, user: tollgate, password: { env: WH_PW } }\n';
  const ENV = { WH_PW: 's3cr3t-Pa55' };

  it('loads one, with defaults, the password left in the environment', () => {
    const cfg = load(`${PG}    schemas: [sales]\n`, {}, ENV);
    assert.deepEqual(cfg.engines, [
      {
        name: 'wh',
        kind: 'postgres',
        connection: { host: 'db.internal', port: 5432, database: 'dwh', user: 'tollgate', password: { env: 'WH_PW' } },
        tables: [],
        schemas: ['sales'],
      },
    ]);
    assert.doesNotMatch(JSON.stringify(cfg), /s3cr3t/);
  });

  it('keeps tables with comments, limits, and TLS with a CA file relative to the config file', () => {
    const cfg = load(
      `${PG}    maxConnections: 4\n    statementTimeoutMs: 30000\n    tables:\n      - { schema: sales, name: orders, comment: one row per order, columns: { id: order id } }\n`.replace(
        'password: { env: WH_PW } }',
        'password: { env: WH_PW }, port: 6432, ssl: { ca: certs/ca.pem } }',
      ),
      {},
      ENV,
    );
    const e = cfg.engines[0]!;
    assert.ok(e.kind === 'postgres');
    assert.deepEqual(e.connection.ssl, { rejectUnauthorized: true, ca: '/etc/tollgate/certs/ca.pem' });
    assert.equal(e.connection.port, 6432);
    assert.equal(e.maxConnections, 4);
    assert.equal(e.statementTimeoutMs, 30000);
    assert.deepEqual(e.tables, [{ schema: 'sales', name: 'orders', comment: 'one row per order', columns: { id: 'order id' } }]);
    assert.deepEqual(e.schemas, []);
  });

  it('accepts ssl: true, and a postgres engine beside a duckdb one', () => {
    const cfg = load(`${PG.replace('password: { env: WH_PW } }', 'password: { env: WH_PW }, ssl: true }')}    schemas: [a]\n  - name: lake\n    kind: duckdb\n`, {}, ENV);
    assert.deepEqual(cfg.engines.map((e) => e.kind), ['postgres', 'duckdb']);
    assert.equal(cfg.engines[0]!.kind === 'postgres' && cfg.engines[0]!.connection.ssl, true);
  });

  const cases: Array<[string, string, RegExp[], NodeJS.ProcessEnv?]> = [
    ['password variable not set', `${PG}    schemas: [a]\n`, [/engines\[0\] \(engine "wh"\)\.connection\.password: environment variable WH_PW is not set \(line 4\)/], {}],
    ['password variable empty', `${PG}    schemas: [a]\n`, [/engines\[0\] \(engine "wh"\)\.connection\.password: environment variable WH_PW is empty/], { WH_PW: '' }],
    [
      'plain-text password',
      `${PG.replace('{ env: WH_PW }', 'hunter2')}    schemas: [a]\n`,
      [/engines\[0\] \(engine "wh"\)\.connection\.password: a plain-text password is not accepted; write password: \{ env: VARIABLE \}/],
    ],
    ['a SCRAM verifier as password', `${PG.replace('{ env: WH_PW }', `{ scram: "${VERIFIER}" }`)}    schemas: [a]\n`, [/connection\.password: expected exactly the key env \(got scram\)/]],
    ['no password', `${PG.replace(', password: { env: WH_PW }', '')}    schemas: [a]\n`, [/engines\[0\] \(engine "wh"\)\.connection\.password: required key is missing; write password: \{ env: VARIABLE \}/]],
    ['empty variable name', `${PG.replace('{ env: WH_PW }', '{ env: "" }')}    schemas: [a]\n`, [/connection\.password\.env: expected the name of an environment variable \(got ""\)/]],
    ['neither tables nor schemas', PG, [/engines\[0\] \(engine "wh"\): name the tables to serve \(tables\) or the schemas to discover them in \(schemas\) \(line 2\)/]],
    ['a schema listed twice', `${PG}    schemas: [a, b, a]\n`, [/engines\[0\] \(engine "wh"\)\.schemas\[2\]: schema "a" is already listed at schemas\[0\]/]],
    ['no connection', 'engines:\n  - name: wh\n    kind: postgres\n    schemas: [a]\n', [/engines\[0\] \(engine "wh"\)\.connection: required key is missing \(line 2\)/]],
    ['port as a string', `${PG.replace('host: db.internal', 'host: db.internal, port: "5432"')}    schemas: [a]\n`, [/engines\[0\] \(engine "wh"\)\.connection\.port: expected integer \(got "5432"\)/]],
    ['misspelt connection key', `${PG.replace('database: dwh', 'databse: dwh')}    schemas: [a]\n`, [/connection\.databse: unknown key \(did you mean "database"\?\); allowed here: host, port, database, user, password, ssl \(line 4\)/]],
    ['an unknown ssl key', `${PG.replace('password: { env: WH_PW } }', 'password: { env: WH_PW }, ssl: { verify: true } }')}    schemas: [a]\n`, [/engines\[0\] \(engine "wh"\)\.connection\.ssl: expected true, false or \{ rejectUnauthorized: true\|false, ca: <PEM file> \} \(got a mapping\)/]],
    ['a duckdb key on a postgres engine', `${PG}    schemas: [a]\n    threads: 4\n`, [/engines\[0\] \(engine "wh"\)\.threads: unknown key; allowed here: name, kind, connection, pricing, maxConnections, statementTimeoutMs, tables, schemas \(line 6\)/]],
    ['a path on a postgres table', `${PG}    tables:\n      - { schema: s, name: t, path: t.parquet }\n`, [/engines\[0\] \(engine "wh"\)\.tables\[0\]\.path: unknown key; allowed here: schema, name, comment, columns/]],
    ['a postgres key on a duckdb engine', `${ENGINE}    schemas: [a]\n`, [/engines\[0\] \(engine "lake"\)\.schemas: unknown key/]],
    ['a duckdb table on a postgres engine without a name', `${PG}    tables:\n      - { schema: s }\n`, [/engines\[0\] \(engine "wh"\)\.tables\[0\]\.name: required key is missing/]],
    ['a negative statement timeout', `${PG}    schemas: [a]\n    statementTimeoutMs: -1\n`, [/statementTimeoutMs: expected integer to be greater or equal to 0 \(got -1\)/]],
    ['a duplicate table', `${PG}    tables:\n      - { schema: s, name: t }\n      - { schema: s, name: t }\n`, [/engines\[0\]\.tables\[1\]: table s\.t is already declared at engines\[0\]\.tables\[0\] of engine "wh"/]],
  ];
  for (const [name, text, patterns, env] of cases) {
    it(`refuses ${name}`, () => {
      rejects(text, patterns, env ?? ENV);
    });
  }

  it('never echoes a plain-text engine password', () => {
    for (const pw of ['"s3cr3t-Pa55"', '{ plain: s3cr3t-Pa55 }', '[s3cr3t-Pa55]']) {
      const msg = rejects(`${PG.replace('{ env: WH_PW }', pw)}    schemas: [a]\n`, [/connection\.password/], ENV);
      assert.doesNotMatch(msg, /s3cr3t/);
    }
  });
});
