/**
 * The Impala connector: the shared conformance suite against the HS2 stand-in (test/fixtures/hs2-standin:
 * Impala's HiveServer2 protocol, SASL and outputs over an in-process DuckDB), with a fixture in Impala's
 * dialect, then what is particular to Impala: both authentication modes and rejected credentials, TLS,
 * the PostgreSQL → Impala dialect (per construct, and round trips through the stand-in), literal inlining,
 * the identity comment, statistics parsing, cancellation as the server sees it, a server killed
 * mid-stream, the session pool, error mapping and the config. With TOLLGATE_TEST_IMPALA=host:port it
 * also runs against a real Impala.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { ImpalaEngineSchema } from '../../src/config/impala-engine.ts';
import type { ResultStream } from '../../src/connectors/contract.ts';
import {
  ImpalaConnector,
  impalaLiteral,
  impalaOptionsFromConfig,
  impalaStatementError,
  inlineParams,
  parseColumnStats,
  parseExplain,
  parseTableStats,
  servedTypeOfEntry,
  servedTypeOfName,
  toImpala,
  type ImpalaConnectorOptions,
} from '../../src/connectors/impala/index.ts';
import { guardStatement, identityComment, limitZero } from '../../src/connectors/impala/sql.ts';
import { ImpalaEstimator } from '../../src/connectors/impala/estimate.ts';
import { isUnknown, type TableScanDetail, type TableScanEstimate } from '../../src/estimate/types.ts';
import type { TableRead } from '../../src/parser/analysis/types.ts';
import { readerFor } from '../../src/connectors/impala/types.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { OID } from '../../src/pgtypes/oids.ts';
import { textDecoder } from '../../src/pgtypes/index.ts';
import { TIMESTAMP_POS_INFINITY, type PgValue } from '../../src/pgtypes/values.ts';
import { startHs2Standin, type Hs2Standin, type Hs2StandinOptions, type StandinTable } from '../fixtures/hs2-standin/index.ts';
import { collect, errorOf, normalize, query, run, runConformance, type ConformanceFixture } from './conformance.ts';

const typmod = (p: number, s: number) => ((p << 16) | s) + 4;
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86400000;
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

/** The stand-in's tables: bookings as in the PostgreSQL tests (partitioned by region), and numbers for big results. */
const TABLES: StandinTable[] = [
  {
    db: 'shop',
    name: 'bookings',
    comment: 'the comment in Impala',
    columns: [
      { name: 'id', type: 'int', comment: "Impala's comment on id" },
      { name: 'customer', type: 'string' },
      { name: 'amount', type: 'decimal(10,2)' },
      { name: 'day', type: 'date' },
      { name: 'booked_at', type: 'timestamp' },
      { name: 'note', type: 'varchar(200)', comment: 'free text' },
    ],
    partitionColumns: [{ name: 'region', type: 'string' }],
    rows: `SELECT i, 'customer ' || (i % 50), i * 1.25, DATE '2024-01-01' + CAST(i % 60 AS INTEGER), TIMESTAMP '2024-01-01 08:00:00' + i * INTERVAL 1 MINUTE,
             CASE WHEN i % 7 = 0 THEN NULL ELSE 'note for booking number ' || i END, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END
           FROM range(2000) t(i)`,
    statsComputed: true,
  },
  { db: 'shop', name: 'numbers', columns: [{ name: 'n', type: 'bigint' }], rows: 'SELECT i FROM range(100000) t(i)' },
  { db: 'other', name: 'flags', columns: [{ name: 'k', type: 'int' }, { name: 'on_off', type: 'boolean' }], rows: 'SELECT i, i % 3 = 0 FROM range(10) t(i)' },
];

const ENDLESS = 'SELECT a.n, b.n AS m FROM shop.numbers a CROSS JOIN shop.numbers b';
const SLOW = 'SELECT sum(a.n * b.n) AS s FROM shop.numbers a CROSS JOIN shop.numbers b';

let standin: Hs2Standin;

function options(extra: Partial<ImpalaConnectorOptions> = {}, target: { host: string; port: number } = standin): ImpalaConnectorOptions {
  return {
    name: 'dwh',
    connection: { host: target.host, port: target.port, auth: 'plain', user: 'tollgate', password: 'secret' },
    tables: [{ schema: 'shop', name: 'bookings', comment: 'one row per booking', columns: { id: 'booking id', amount: 'in EUR' } }],
    schemas: ['other'],
    ...extra,
  };
}

const fixture: ConformanceFixture = {
  types: [
    { sql: 'SELECT TRUE AS v', typeOid: OID.bool, value: true },
    { sql: 'SELECT CAST(-128 AS TINYINT) AS v', typeOid: OID.int2, value: -128 },
    { sql: 'SELECT CAST(-300 AS SMALLINT) AS v', typeOid: OID.int2, value: -300 },
    { sql: 'SELECT CAST(2147483647 AS INT) AS v', typeOid: OID.int4, value: 2147483647 },
    { sql: 'SELECT CAST(9007199254740993 AS BIGINT) AS v', typeOid: OID.int8, value: 9007199254740993n },
    { sql: 'SELECT CAST(-9223372036854775808 AS BIGINT) AS v', typeOid: OID.int8, value: -9223372036854775808n },
    { sql: 'SELECT CAST(1.5 AS FLOAT) AS v', typeOid: OID.float4, value: 1.5 },
    { sql: 'SELECT CAST(0.1 AS FLOAT) AS v', typeOid: OID.float4, value: Math.fround(0.1) },
    { sql: 'SELECT CAST(0.1 AS DOUBLE) AS v', typeOid: OID.float8, value: 0.1 },
    { sql: 'SELECT CAST(1e-300 AS DOUBLE) AS v', typeOid: OID.float8, value: 1e-300 },
    { sql: "SELECT CAST('nan' AS DOUBLE) AS v", typeOid: OID.float8, value: NaN },
    { sql: "SELECT CAST('-inf' AS DOUBLE) AS v", typeOid: OID.float8, value: -Infinity },
    { sql: 'SELECT CAST(12.3 AS DECIMAL(4,2)) AS v', typeOid: OID.numeric, typeModifier: typmod(4, 2), value: '12.30' },
    {
      sql: 'SELECT CAST(-12345678901234567890123456789.123456789 AS DECIMAL(38,9)) AS v',
      typeOid: OID.numeric,
      typeModifier: typmod(38, 9),
      value: '-12345678901234567890123456789.123456789',
    },
    { sql: "SELECT 'héllo wörld ✓ 日本' AS v", typeOid: OID.text, value: 'héllo wörld ✓ 日本' },
    { sql: "SELECT '' AS v", typeOid: OID.text, value: '' },
    { sql: `SELECT 'it\\'s a \\\\ and "q"' AS v`, typeOid: OID.text, value: 'it\'s a \\ and "q"' },
    { sql: `SELECT "double \\"quoted\\" string" AS v`, typeOid: OID.text, value: 'double "quoted" string' },
    { sql: "SELECT CAST(unhex('DEADBEEF') AS BINARY) AS v", typeOid: OID.bytea, value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
    { sql: "SELECT DATE '2024-02-29' AS v", typeOid: OID.date, value: days('2024-02-29') },
    { sql: "SELECT DATE '0001-01-01' AS v", typeOid: OID.date, value: days('0001-01-01') },
    { sql: "SELECT CAST('2024-01-01 10:00:00.123456' AS TIMESTAMP) AS v", typeOid: OID.timestamp, value: micros('2024-01-01T10:00:00.123Z') + 456n },
    { sql: "SELECT CAST('1400-01-01 00:00:00' AS TIMESTAMP) AS v", typeOid: OID.timestamp, value: micros('1400-01-01T00:00:00Z') },
    { sql: 'SELECT amount AS v FROM shop.bookings WHERE id = 3', typeOid: OID.numeric, typeModifier: typmod(10, 2), value: '3.75' },
  ],
  nulls: {
    sql: 'SELECT CAST(NULL AS BOOLEAN), CAST(NULL AS TINYINT), CAST(NULL AS INT), CAST(NULL AS BIGINT), CAST(NULL AS FLOAT), CAST(NULL AS DOUBLE), CAST(NULL AS DECIMAL(10,2)), CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS TIMESTAMP), CAST(NULL AS BINARY)',
    typeOids: [OID.bool, OID.int2, OID.int4, OID.int8, OID.float4, OID.float8, OID.numeric, OID.text, OID.date, OID.timestamp, OID.bytea],
  },
  large: { sql: 'SELECT n FROM shop.numbers ORDER BY n', rows: 100000 },
  endless: ENDLESS,
  slowFirstRow: SLOW,
  errors: [
    { sql: 'SELECT * FROM shop.no_such_table', sqlstate: '42P01', message: /relation "shop\.no_such_table" does not exist/ },
    { sql: 'SELECT no_such_column FROM shop.bookings', sqlstate: '42703', message: /column "no_such_column" does not exist/ },
    { sql: 'SELEC 1', sqlstate: '42601', message: /syntax error at or near "SELEC"/ },
    { sql: 'SELECT * FORM shop.bookings', sqlstate: '42601' },
    { sql: 'SELECT no_such_function(1)', sqlstate: '42883', message: /function no_such_function\(\) does not exist/ },
    { sql: 'SELECT id FROM shop.bookings OFFSET 5', sqlstate: '42000', message: /OFFSET requires an ORDER BY clause/ },
    { sql: 'DESCRIBE nodb.t', sqlstate: '3F000' },
  ],
  writes: [
    'INSERT INTO shop.bookings (id) VALUES (1)',
    'UPSERT INTO shop.kudu_t VALUES (1)',
    'CREATE TABLE shop.x (a INT)',
    'DROP TABLE shop.bookings',
    'ALTER TABLE shop.bookings ADD COLUMNS (x INT)',
    'TRUNCATE TABLE shop.bookings',
    'COMPUTE STATS shop.bookings',
    'INVALIDATE METADATA shop.bookings',
    'REFRESH shop.bookings',
    'SET MEM_LIMIT=1g',
    'USE shop',
    'WITH t AS (SELECT 1 AS a) INSERT INTO shop.bookings (id) SELECT a FROM t',
    'LOAD DATA INPATH "/x" INTO TABLE shop.bookings',
  ],
  params: [],
  describe: [
    {
      sql: 'SELECT id, customer, amount, day, booked_at FROM shop.bookings',
      params: [],
      columns: [
        { name: 'id', typeOid: OID.int4 },
        { name: 'customer', typeOid: OID.text },
        { name: 'amount', typeOid: OID.numeric, typeModifier: typmod(10, 2) },
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
      ],
    },
    { sql: 'SELECT count(*) AS n FROM shop.bookings ORDER BY 1 LIMIT 5 OFFSET 1', params: [], columns: [{ name: 'n', typeOid: OID.int8 }] },
  ],
  tables: [
    {
      schema: 'shop',
      name: 'bookings',
      comment: 'one row per booking',
      columns: [
        { name: 'id', typeOid: OID.int4, comment: 'booking id' },
        { name: 'customer', typeOid: OID.text },
        { name: 'amount', typeOid: OID.numeric, comment: 'in EUR' },
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
        { name: 'note', typeOid: OID.varchar, comment: 'free text' },
        { name: 'region', typeOid: OID.text },
      ],
    },
    { schema: 'other', name: 'flags', columns: [{ name: 'k', typeOid: OID.int4 }, { name: 'on_off', typeOid: OID.bool }] },
  ],
};

/** Unhandled errors seen while a block of tests runs (a driver fault must never reach the process). */
const processFaults: unknown[] = [];
const onFault = (e: unknown): void => {
  processFaults.push(e);
};

before(async () => {
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  standin = await startHs2Standin({ auth: 'plain', users: { tollgate: 'secret', alice: 'wonderland' }, tables: TABLES });
});

after(async () => {
  await standin?.close();
  process.removeListener('uncaughtException', onFault);
  process.removeListener('unhandledRejection', onFault);
  assert.deepEqual(processFaults, [], 'no uncaught exception or unhandled rejection during the tests');
});

runConformance('impala (HS2 stand-in, SASL PLAIN)', () => ImpalaConnector.create(options()), fixture);

describe('impala: connecting and authenticating', () => {
  it('speaks NOSASL (unframed Thrift, the user from OpenSession)', async () => {
    const plain = await startHs2Standin({ auth: 'nosasl', tables: TABLES.slice(1, 2) });
    const c = await ImpalaConnector.create({ name: 'nosasl', connection: { host: plain.host, port: plain.port, auth: 'nosasl', user: 'etl' }, tables: [{ schema: 'shop', name: 'numbers' }] });
    try {
      assert.equal((await c.health()).ok, true);
      const { rows } = await run(c, 'SELECT count(*) AS c, max(n) AS m FROM shop.numbers');
      assert.deepEqual(rows, [[100000n, 99999n]]);
      assert.equal(plain.statements.at(-1)!.user, 'etl');
      // A large result crosses many TCP reads in unframed mode.
      const big = await run(c, 'SELECT n, CAST(n AS STRING) AS s FROM shop.numbers ORDER BY n');
      assert.equal(big.rows.length, 100000);
      assert.deepEqual(big.rows[99999], [99999n, '99999']);
    } finally {
      await c.close();
      await plain.close();
    }
  });

  it('authenticates with SASL PLAIN as the configured user', async () => {
    const c = await ImpalaConnector.create(options({ connection: { host: standin.host, port: standin.port, user: 'alice', password: 'wonderland' } }));
    try {
      await run(c, 'SELECT 1 AS one');
      assert.equal(standin.statements.at(-1)!.user, 'alice');
    } finally {
      await c.close();
    }
  });

  it('reports a wrong password as 28P01, without closing the client session (Impala closes the connection)', async () => {
    const c = await ImpalaConnector.create(options({ connection: { host: standin.host, port: standin.port, user: 'tollgate', password: 'not-the-password-42' } }));
    try {
      const h = await c.health();
      assert.equal(h.ok, false);
      assert.match(h.detail ?? '', /rejected the credentials of user "tollgate"/);
      const e = await errorOf(c, 'SELECT 1');
      assert.equal(e.sqlstate, '28P01');
      assert.equal(e.severity, 'ERROR');
      assert.equal(e.code, 'ENGINE_UNAVAILABLE');
      assert.match(e.message, /impala engine "dwh" rejected the credentials of user "tollgate"/);
      assert.doesNotMatch(`${e.message} ${e.hint ?? ''} ${e.detail ?? ''} ${h.detail ?? ''}`, /not-the-password-42/, 'the password never appears');
    } finally {
      await c.close();
    }
  });

  it("reports Hive's SASL BAD answer as 28P01 with the server's message", async () => {
    const hive = await startHs2Standin({ auth: 'plain', saslFailure: 'hive', tables: [] });
    const c = await ImpalaConnector.create(options({ connection: { host: hive.host, port: hive.port, user: 'tollgate', password: 'nope' }, tables: [], schemas: ['x'] }));
    try {
      const e = await errorOf(c, 'SELECT 1');
      assert.equal(e.sqlstate, '28P01');
      assert.match(e.message, /Error validating the login/);
    } finally {
      await c.close();
      await hive.close();
    }
  });

  it('reports a server without SASL PLAIN as 28000', async () => {
    const kerberos = await startHs2Standin({ auth: 'plain', mechanisms: ['GSSAPI'], tables: [] });
    const c = await ImpalaConnector.create(options({ connection: { host: kerberos.host, port: kerberos.port, user: 'tollgate', password: 'secret' }, tables: [], schemas: ['x'] }));
    try {
      const e = await errorOf(c, 'SELECT 1');
      assert.equal(e.sqlstate, '28000');
      assert.match(e.message, /Unsupported mechanism type PLAIN/);
    } finally {
      await c.close();
      await kerberos.close();
    }
  });

  it('reports a NOSASL client on a SASL port, and a SASL client on a NOSASL port, as 08006', async () => {
    const plain = await startHs2Standin({ auth: 'nosasl', tables: [] });
    const a = await ImpalaConnector.create(options({ connection: { host: plain.host, port: plain.port, user: 'tollgate', password: 'secret' }, connectTimeoutMs: 300, tables: [], schemas: ['x'] }));
    const b = await ImpalaConnector.create(options({ connection: { host: standin.host, port: standin.port, auth: 'nosasl', user: 'tollgate' }, tables: [], schemas: ['x'] }));
    try {
      const ea = await errorOf(a, 'SELECT 1');
      assert.equal(ea.sqlstate, '08006');
      assert.match(ea.message, /SASL authentication/);
      assert.match(ea.message, /auth: nosasl/);
      const eb = await errorOf(b, 'SELECT 1');
      assert.equal(eb.sqlstate, '08006');
      assert.match(eb.message, /impala engine "dwh"/);
    } finally {
      await a.close();
      await b.close();
      await plain.close();
    }
  });

  it('reports an engine that is not listening as 08006 naming it, and starts anyway', async () => {
    const c = await ImpalaConnector.create(options({ connection: { host: '127.0.0.1', port: 1, user: 'tollgate', password: 'secret' } }));
    try {
      assert.equal((await c.health()).ok, false);
      const e = await errorOf(c, 'SELECT 1');
      assert.equal(e.sqlstate, '08006');
      assert.match(e.message, /impala engine "dwh" is unavailable/);
    } finally {
      await c.close();
    }
  });

  describe('TLS', () => {
    let dir: string;
    let secure: Hs2Standin;
    let caPem: string;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'tollgate-impala-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
      caPem = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      secure = await startHs2Standin({ auth: 'plain', tables: TABLES.slice(1, 2), tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: caPem } });
    });
    after(async () => {
      await secure?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('connects over TLS, verifying the server against the configured CA (from the config file)', async () => {
      const engine = Value.Default(ImpalaEngineSchema, {
        name: 'secure',
        kind: 'impala',
        connection: { host: 'localhost', port: secure.port, user: 'tollgate', password: { env: 'IMPALA_PW' }, tls: { ca: path.join(dir, 'cert.pem') } },
        tables: [{ schema: 'shop', name: 'numbers' }],
      });
      assert.ok(Value.Check(ImpalaEngineSchema, engine), [...Value.Errors(ImpalaEngineSchema, engine)].map((e) => `${e.path}: ${e.message}`).join('; '));
      const c = await ImpalaConnector.create(impalaOptionsFromConfig(engine as never, { env: { IMPALA_PW: 'secret' } }));
      try {
        const { rows } = await run(c, 'SELECT max(n) AS m FROM shop.numbers');
        assert.deepEqual(rows, [[99999n]]);
      } finally {
        await c.close();
      }
    });

    it('refuses a certificate it cannot verify (08006), unless told not to verify', async () => {
      const strict = await ImpalaConnector.create(options({ connection: { host: 'localhost', port: secure.port, user: 'tollgate', password: 'secret', tls: true } }));
      const lax = await ImpalaConnector.create(options({ connection: { host: 'localhost', port: secure.port, user: 'tollgate', password: 'secret', tls: { rejectUnauthorized: false } } }));
      try {
        const e = await errorOf(strict, 'SELECT 1');
        assert.equal(e.sqlstate, '08006');
        assert.match(e.message, /certificate/i);
        const { rows } = await run(lax, 'SELECT 1 AS one');
        assert.equal(rows.length, 1);
      } finally {
        await strict.close();
        await lax.close();
      }
    });
  });
});

describe('impala: the session pool', () => {
  let c: ImpalaConnector;
  before(async () => {
    c = await ImpalaConnector.create(options({ maxConnections: 2 }));
  });
  after(async () => {
    await c.close();
  });

  it('reuses sessions and closes every operation', async () => {
    const opened = standin.sessionsOpened;
    for (let i = 0; i < 10; i++) await run(c, `SELECT ${i} AS i`);
    await Promise.all(Array.from({ length: 6 }, (_, i) => run(c, `SELECT id FROM shop.bookings WHERE id = ${i}`)));
    assert.ok(standin.sessionsOpened - opened <= 2, `at most maxConnections sessions (${standin.sessionsOpened - opened} opened)`);
    assert.equal(standin.openOperations(), 0);
  });

  it('retries once on a new session when Impala expired the pooled one', async () => {
    await run(c, 'SELECT 1 AS one');
    standin.expireSessions();
    const { rows } = await run(c, 'SELECT 2 AS two');
    assert.deepEqual(rows, [[2]]);
  });

  it('closes the operation when a stream is closed early or fails', async () => {
    const s = await c.execute(query(ENDLESS), { signal: new AbortController().signal });
    await s[Symbol.asyncIterator]().next();
    await s.close();
    await errorOf(c, 'SELECT error(CAST(n AS STRING)) FROM shop.numbers');
    assert.equal(standin.openOperations(), 0);
  });

  it('reports an error raised while rows are produced as 58000 with Impala\'s message', async () => {
    // error() is DuckDB's: the stand-in reports its failure as Impala reports runtime errors.
    const e = await errorOf(c, "SELECT error(concat('disk quota exceeded: ', CAST(n AS STRING))) FROM shop.numbers");
    assert.equal(e.sqlstate, '58000');
    assert.match(e.message, /^disk quota exceeded: 0/);
  });
});

describe('impala: identity, cancellation and faults as the server sees them', () => {
  let c: ImpalaConnector;
  before(async () => {
    c = await ImpalaConnector.create(options());
  });
  after(async () => {
    await c.close();
  });

  it('prefixes statements with the identity comment, which cannot be escaped', async () => {
    const context = { queryId: '0f8fad5b-d9cb-469f-a165-70867728950e', user: 'alice', team: 'data science' };
    const stream = await c.execute({ ...query('SELECT 1 AS one'), context }, { signal: new AbortController().signal });
    await collect(stream);
    assert.equal(standin.statements.at(-1)!.sql, '/* tollgate query_id=0f8fad5b-d9cb-469f-a165-70867728950e user=alice team=data_science */ SELECT 1 AS one');
    const evil = { queryId: 'x */ DROP TABLE t; /*', user: 'a*/b', team: "t'--\n" };
    assert.equal(identityComment(evil), '/* tollgate query_id=x____DROP_TABLE_t____ user=a__b team=t_--_ */ ');
    const s2 = await c.execute({ ...query('SELECT 2 AS two'), context: evil }, { signal: new AbortController().signal });
    assert.deepEqual((await collect(s2)).rows, [[2]]);
    // Internal statements (no context) carry no comment.
    await run(c, 'SELECT 3 AS three');
    assert.equal(standin.statements.at(-1)!.sql, 'SELECT 3 AS three');
  });

  it('sends CancelOperation when the signal aborts mid-stream, and the operation is closed', async () => {
    const ac = new AbortController();
    const stream = await c.execute(query("SELECT a.n, b.n AS m, 'cancel me' AS tag FROM shop.numbers a CROSS JOIN shop.numbers b"), { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    ac.abort();
    const e = await (async () => {
      try {
        for (;;) if ((await it.next()).done) return undefined;
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof GatewayError && e.sqlstate === '57014', String(e));
    assert.ok(standin.canceled.some((s) => s.includes('cancel me')), 'the stand-in received CancelOperation for the statement');
    await stream.close();
    assert.equal(standin.openOperations(), 0);
  });

  it('cancels a statement still computing its first row (CancelOperation while polling)', async () => {
    const ac = new AbortController();
    let settled = false;
    const done = errorOf(c, "SELECT sum(a.n * b.n) AS s, 'slow one' AS tag FROM shop.numbers a CROSS JOIN shop.numbers b", ac.signal).finally(() => {
      settled = true;
    });
    // Abort once the stand-in has the statement.
    while (!settled && !standin.statements.some((s) => s.sql.includes('slow one'))) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const e = await done;
    assert.equal(e.sqlstate, '57014');
    assert.ok(standin.canceled.some((s) => s.includes('slow one')));
  });

  describe('a stand-in killed mid-stream', () => {
    let child: ChildProcess | undefined;
    after(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('fails the stream with 08006 naming the engine, without an uncaught error, and recovers when it is back', async () => {
      const main = new URL('../fixtures/hs2-standin/main.ts', import.meta.url).pathname;
      const opts: Hs2StandinOptions = { auth: 'plain', tables: TABLES.slice(1, 2) };
      child = spawn(process.execPath, ['--import', 'tsx', main, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child!.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /LISTENING (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child!.once('exit', (code) => reject(new Error(`the stand-in exited (${code}) before listening`)));
      });
      const k = await ImpalaConnector.create(options({ name: 'doomed', connection: { host: '127.0.0.1', port, user: 'tollgate', password: 'secret' }, tables: [{ schema: 'shop', name: 'numbers' }], schemas: [] }));
      const faultsBefore = processFaults.length;
      try {
        const stream = await k.execute(query(ENDLESS), { signal: new AbortController().signal });
        const it = stream[Symbol.asyncIterator]();
        assert.equal((await it.next()).done, false);
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        const e = await (async () => {
          try {
            for (;;) if ((await it.next()).done) return undefined;
          } catch (err) {
            return err;
          }
        })();
        assert.ok(e instanceof GatewayError, String(e));
        assert.equal(e.sqlstate, '08006');
        assert.match(e.message, /impala engine "doomed"/);
        await stream.close();
        const h = await k.health();
        assert.equal(h.ok, false);
        const again = await errorOf(k, 'SELECT 1');
        assert.equal(again.sqlstate, '08006');
        assert.equal(processFaults.length, faultsBefore, 'no uncaught exception or unhandled rejection');
      } finally {
        await k.close();
      }
    });
  });
});

describe('impala: the dialect, per construct', () => {
  const CASES: Array<{ construct: string; pg: string; impala: string }> = [
    { construct: 'plain select', pg: 'SELECT id, customer FROM shop.bookings WHERE id >= 4 ORDER BY 1 LIMIT 10', impala: 'SELECT id, customer FROM shop.bookings WHERE id >= 4 ORDER BY 1 LIMIT 10' },
    { construct: '::int cast', pg: 'SELECT amount::int FROM t', impala: 'SELECT CAST(amount AS INT) FROM t' },
    { construct: '::text, ::int8, ::float8, ::bool', pg: 'SELECT a::text, a::int8, a::float8, a::bool', impala: 'SELECT CAST(a AS STRING), CAST(a AS BIGINT), CAST(a AS DOUBLE), CAST(a AS BOOLEAN)' },
    { construct: '::numeric(p,s)', pg: 'SELECT a::numeric(12,3), a::decimal(5)', impala: 'SELECT CAST(a AS DECIMAL(12,3)), CAST(a AS DECIMAL(5,0))' },
    { construct: 'multi-word types', pg: 'SELECT a::double precision, a::character varying(20), a::timestamp without time zone', impala: 'SELECT CAST(a AS DOUBLE), CAST(a AS VARCHAR(20)), CAST(a AS TIMESTAMP)' },
    { construct: 'CAST(x AS type)', pg: 'SELECT CAST(a AS integer), CAST(a AS date)', impala: 'SELECT CAST(a AS INT), CAST(a AS DATE)' },
    { construct: 'chained casts', pg: 'SELECT a::int::text', impala: 'SELECT CAST(CAST(a AS INT) AS STRING)' },
    { construct: 'cast binds tighter than unary minus', pg: 'SELECT -a::int', impala: 'SELECT -CAST(a AS INT)' },
    { construct: 'string literal cast: read as PostgreSQL reads it', pg: "SELECT '5'::int, ' 1e3 '::float8, 't'::bool, '12.345'::numeric(5,2)", impala: 'SELECT CAST(5 AS INT), CAST(1000 AS DOUBLE), TRUE, CAST(CAST(12.345 AS DECIMAL(5,3)) AS DECIMAL(5,2))' },
    { construct: 'quoted identifiers', pg: 'SELECT "Hotel Id" FROM "Lake"."Odd"', impala: 'SELECT `Hotel Id` FROM `Lake`.`Odd`' },
    { construct: 'quotes in strings', pg: "SELECT 'it''s'", impala: "SELECT 'it\\'s'" },
    { construct: 'backslashes are literal in PostgreSQL strings', pg: "SELECT 'C:\\temp\\new'", impala: "SELECT 'C:\\\\temp\\\\new'" },
    { construct: "E'' strings", pg: "SELECT E'tab\\there\\nnew line\\\\'", impala: "SELECT 'tab\\there\\nnew line\\\\'" },
    { construct: 'dollar-quoted strings', pg: 'SELECT $q$it\'s $1$q$', impala: "SELECT 'it\\'s $1'" },
    { construct: 'date literal', pg: "SELECT date '2024-2-9', DATE 'Jan 1 2024'", impala: "SELECT DATE '2024-02-09', DATE '2024-01-01'" },
    { construct: 'timestamp literal', pg: "SELECT timestamp '2024-01-01 10:00:00.5'", impala: "SELECT CAST('2024-01-01 10:00:00.5' AS TIMESTAMP)" },
    { construct: 'interval literals', pg: "SELECT ts + interval '1 day', ts - interval '3 hours', ts + interval '2 mons', ts + interval '2' minute", impala: 'SELECT ts + INTERVAL 1 DAY, ts - INTERVAL 3 HOUR, ts + INTERVAL 2 MONTH, ts + INTERVAL 2 MINUTE' },
    { construct: '|| concatenation', pg: "SELECT a || b, a || '-' || b || 'x'", impala: "SELECT concat(a, b), concat(a, '-', b, 'x')" },
    { construct: '|| with casts, signs and parentheses', pg: 'SELECT a::text || -1 || (b + 1)', impala: 'SELECT concat(CAST(a AS STRING), -1, (b + 1))' },
    { construct: '|| inside a comparison', pg: "SELECT * FROM t WHERE a || b = 'xy'", impala: "SELECT * FROM t WHERE concat(a, b) = 'xy'" },
    { construct: 'integer literal division', pg: 'SELECT 7 / 2, 7.0 / 2, x / 2', impala: 'SELECT 7 DIV 2, 7.0 / 2, x / 2' },
    { construct: 'ILIKE, IS DISTINCT FROM, NULLS LAST', pg: "SELECT * FROM t WHERE a ILIKE 'x%' AND b IS DISTINCT FROM c ORDER BY a NULLS LAST", impala: "SELECT * FROM t WHERE a ILIKE 'x%' AND b IS DISTINCT FROM c ORDER BY a NULLS LAST" },
    { construct: 'LIMIT / OFFSET', pg: 'SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 5', impala: 'SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 5' },
    { construct: 'OFFSET before LIMIT, ROWS, FETCH FIRST', pg: 'SELECT a FROM t ORDER BY a OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY', impala: 'SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 5' },
    { construct: 'LIMIT ALL', pg: 'SELECT a FROM t LIMIT ALL', impala: 'SELECT a FROM t ' },
    { construct: 'LIMIT in a subquery', pg: 'SELECT * FROM (SELECT a FROM t ORDER BY a OFFSET 1 LIMIT 2) s', impala: 'SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 2 OFFSET 1) s' },
    { construct: 'substring FROM FOR', pg: 'SELECT substring(s from 2 for 3), substring(s from 2), substring(s for 4)', impala: 'SELECT substr(s, 2, 3), substr(s, 2), substr(s, 1, 4)' },
    { construct: 'substring with a start that may be below 1', pg: 'SELECT substring(s from x for 3)', impala: 'SELECT substr(s, greatest(x, 1), greatest((3) + least(x, 1) - 1, 0))' },
    { construct: 'extract', pg: 'SELECT extract(year from d), EXTRACT(month FROM d), extract(dow from d), extract(isodow from d), extract(doy from d), extract(week from d), extract(quarter from d)', impala: "SELECT year(d), month(d), (dayofweek(d) - 1), (pmod(dayofweek(d) + 5, 7) + 1), dayofyear(d), weekofyear(d), extract(d, 'quarter')" },
    { construct: 'position, strpos', pg: "SELECT position('a' in s), strpos(s, 'a')", impala: "SELECT instr(s, 'a'), instr(s, 'a')" },
    { construct: 'trim forms', pg: "SELECT trim(s), trim(both 'x' from s), trim(leading from s), trim(trailing 'ab' from s)", impala: "SELECT trim(s), btrim(s, 'x'), ltrim(s), rtrim(s, 'ab')" },
    { construct: 'string_agg', pg: "SELECT string_agg(s, ',') FROM t", impala: "SELECT group_concat(s, ',') FROM t" },
    { construct: 'CASE, windows, aggregates as written', pg: "SELECT CASE WHEN a::int > 1 THEN 'x' ELSE 'y' END, row_number() OVER (PARTITION BY a ORDER BY b::date), count(DISTINCT c) FROM t GROUP BY 1", impala: "SELECT CASE WHEN CAST(a AS INT) > 1 THEN 'x' ELSE 'y' END, row_number() OVER (PARTITION BY a ORDER BY CAST(b AS DATE)), count(DISTINCT c) FROM t GROUP BY 1" },
    { construct: 'TABLE t', pg: 'TABLE shop.bookings', impala: 'SELECT * FROM shop.bookings' },
    { construct: 'parameters stay for inlining', pg: 'SELECT * FROM t WHERE a = $1 AND b = $2::int', impala: 'SELECT * FROM t WHERE a = $1 AND b = CAST($2 AS INT)' },
    { construct: 'nested comments are flattened', pg: 'SELECT 1 /* a /* b */ c */ -- d', impala: 'SELECT 1 /* a    b    c */ -- d' },
  ];
  for (const c of CASES) {
    it(c.construct, () => {
      assert.equal(toImpala(c.pg), c.impala);
    });
  }

  const REFUSED: Array<{ construct: string; pg: string; message: RegExp }> = [
    { construct: 'regex match', pg: "SELECT * FROM t WHERE a ~ 'x'", message: /regular expression operator ~/ },
    { construct: '^ (XOR in Impala)', pg: 'SELECT 2 ^ 3', message: /\^ operator/ },
    { construct: 'jsonb operators', pg: "SELECT j -> 'a' FROM t", message: /operator ->/ },
    { construct: 'arrays', pg: 'SELECT a[1] FROM t', message: /array/ },
    { construct: 'ARRAY constructor', pg: 'SELECT ARRAY[1, 2]', message: /ARRAY/ },
    { construct: 'DISTINCT ON', pg: 'SELECT DISTINCT ON (a) a, b FROM t', message: /DISTINCT ON/ },
    { construct: 'FILTER', pg: 'SELECT count(*) FILTER (WHERE a > 1) FROM t', message: /FILTER/ },
    { construct: 'WITH RECURSIVE', pg: 'WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r', message: /WITH RECURSIVE/ },
    { construct: 'LATERAL', pg: 'SELECT * FROM t, LATERAL (SELECT 1) x', message: /LATERAL/ },
    { construct: 'NATURAL JOIN', pg: 'SELECT * FROM a NATURAL JOIN b', message: /NATURAL JOIN/ },
    { construct: 'SIMILAR TO', pg: "SELECT a SIMILAR TO 'x' FROM t", message: /SIMILAR TO/ },
    { construct: 'LIKE ESCAPE', pg: "SELECT a LIKE 'x!%' ESCAPE '!' FROM t", message: /ESCAPE/ },
    { construct: 'AT TIME ZONE', pg: "SELECT ts AT TIME ZONE 'UTC' FROM t", message: /AT TIME ZONE/ },
    { construct: 'OFFSET without ORDER BY', pg: 'SELECT a FROM t OFFSET 5', message: /OFFSET without ORDER BY/ },
    { construct: 'FETCH WITH TIES', pg: 'SELECT a FROM t ORDER BY a FETCH FIRST 1 ROWS WITH TIES', message: /WITH TIES/ },
    { construct: '= ANY(array)', pg: 'SELECT * FROM t WHERE a = ANY($1)', message: /ANY/ },
    { construct: 'numeric without precision', pg: 'SELECT a::numeric FROM t', message: /numeric without precision/ },
    { construct: 'numeric precision above 38', pg: 'SELECT a::numeric(40,2) FROM t', message: /precision above 38/ },
    { construct: 'timestamptz', pg: 'SELECT a::timestamptz FROM t', message: /timestamptz/ },
    { construct: 'timestamp(0)', pg: 'SELECT a::timestamp(0) FROM t', message: /timestamp\(0\)/ },
    { construct: 'json, uuid, time', pg: 'SELECT a::json FROM t', message: /the type json/ },
    { construct: 'interval of several units', pg: "SELECT ts + interval '1 day 2 hours'", message: /several units/ },
    { construct: 'interval cast of an expression', pg: 'SELECT x::interval FROM t', message: /interval/ },
    { construct: '|| with an arithmetic operand', pg: 'SELECT a + b || c FROM t', message: /\|\| with an operand that is not a single term/ },
    { construct: '|| followed by arithmetic', pg: 'SELECT a || b * 2 FROM t', message: /\|\| with an operand/ },
    { construct: 'extract(second …)', pg: 'SELECT extract(second from ts) FROM t', message: /extract\(second FROM …\)/ },
    { construct: 'extract(epoch …)', pg: 'SELECT extract(epoch from ts) FROM t', message: /extract\(epoch/ },
    { construct: 'string_agg with ORDER BY', pg: "SELECT string_agg(a, ',' ORDER BY a) FROM t", message: /string_agg/ },
    { construct: 'FOR UPDATE', pg: 'SELECT a FROM t FOR UPDATE', message: /FOR UPDATE/ },
    { construct: 'bit strings', pg: "SELECT B'101'", message: /bit string/ },
    { construct: 'identifier with a backtick', pg: 'SELECT "a`b" FROM t', message: /backticks/ },
    { construct: 'named windows', pg: 'SELECT rank() OVER w FROM t WINDOW w AS (ORDER BY a)', message: /named windows/ },
  ];
  for (const c of REFUSED) {
    it(`refuses ${c.construct} with 0A000`, () => {
      assert.throws(
        () => toImpala(c.pg),
        (e: unknown) => e instanceof GatewayError && e.sqlstate === '0A000' && c.message.test(e.message) && /Impala/.test(e.message),
      );
    });
  }

  it('reports what PostgreSQL itself would reject: bad literals (22xxx) and lexical errors (42601)', () => {
    assert.throws(() => toImpala("SELECT 'abc'::int"), (e: unknown) => e instanceof GatewayError && e.sqlstate === '22P02');
    assert.throws(() => toImpala("SELECT date '2024-02-30'"), (e: unknown) => e instanceof GatewayError && e.sqlstate.startsWith('22'));
    assert.throws(() => toImpala("SELECT 'unterminated"), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42601');
  });
});

describe('impala: the dialect, round trips through the stand-in', () => {
  let c: ImpalaConnector;
  before(async () => {
    c = await ImpalaConnector.create(options());
  });
  after(async () => {
    await c.close();
  });

  const ROUND_TRIPS: Array<{ pg: string; rows: PgValue[][] }> = [
    { pg: "SELECT 'it''s'::text AS v", rows: [["it's"]] },
    { pg: "SELECT 'C:\\temp\\new' AS v", rows: [['C:\\temp\\new']] },
    { pg: "SELECT E'tab\\tnew\\nline \\\\ \\' end' AS v", rows: [['tab\tnew\nline \\ \' end']] },
    { pg: "SELECT $$50% off_sale \\%$$ AS v", rows: [['50% off_sale \\%']] },
    { pg: "SELECT count(*) AS n FROM shop.bookings WHERE customer LIKE 'customer 1\\_%'", rows: [[0n]] },
    { pg: 'SELECT "id", "customer" FROM "shop"."bookings" WHERE "id" = 3', rows: [[3, 'customer 3']] },
    { pg: 'SELECT 7 / 2 AS v', rows: [[3]] },
    { pg: "SELECT 'a' || 'b' || NULL AS v, 'x' || id::text AS w FROM shop.bookings WHERE id = 4", rows: [[null, 'x4']] },
    { pg: "SELECT substring('hello' from 2 for 3) AS a, substring('hello' from 0 for 3) AS b, substring('hello' from -1) AS c", rows: [['ell', 'he', 'hello']] },
    { pg: "SELECT extract(year from date '2024-02-29') AS y, extract(dow from date '2024-02-29') AS dow, extract(isodow from date '2024-03-03') AS iso", rows: [[2024, 4, 7]] },
    { pg: "SELECT timestamp '2024-01-31 10:00:00' + interval '1 day' AS v", rows: [[micros('2024-02-01T10:00:00Z')]] },
    { pg: "SELECT '5'::int + 1 AS v, '12.345'::numeric(5,2) AS n", rows: [[6, '12.35']] },
    { pg: "SELECT count(*) AS n FROM shop.bookings WHERE customer ILIKE 'CUSTOMER 1%'", rows: [[440n]] },
    { pg: 'SELECT id FROM shop.bookings ORDER BY id OFFSET 5 ROWS FETCH FIRST 3 ROWS ONLY', rows: [[5], [6], [7]] },
    { pg: "SELECT position('l' in 'hello') AS p, trim(both 'x' from 'xxhixx') AS t", rows: [[3, 'hi']] },
    { pg: 'SELECT amount::numeric(12,3) AS v FROM shop.bookings WHERE id = 3', rows: [['3.750']] },
    { pg: "SELECT date '2024-02-29' AS d, day FROM shop.bookings WHERE id = 59", rows: [[days('2024-02-29'), days('2024-02-29')]] },
    { pg: 'TABLE other.flags LIMIT 2', rows: [[0, true], [1, false]] },
  ];
  for (const rt of ROUND_TRIPS) {
    it(rt.pg, async () => {
      const { rows } = await run(c, toImpala(rt.pg));
      assert.deepEqual(normalize(rows), normalize(rt.rows));
    });
  }
});

describe('impala: literal inlining (HS2 has no bind parameters)', () => {
  it('declares no parameter capability', async () => {
    const c = await ImpalaConnector.create(options());
    try {
      assert.equal(c.capabilities.parameters, false);
      assert.equal(c.capabilities.cancel, true);
      assert.equal(c.capabilities.describe, true);
    } finally {
      await c.close();
    }
  });

  const LITERALS: Array<{ what: string; value: PgValue; oid: number; impala: string }> = [
    { what: 'text with a quote', value: "it's", oid: OID.text, impala: "'it\\'s'" },
    { what: 'text with backslashes', value: 'a\\b\\\\c', oid: OID.text, impala: "'a\\\\b\\\\\\\\c'" },
    { what: 'a backslash before a quote', value: "\\'", oid: OID.text, impala: "'\\\\\\''" },
    { what: 'LIKE escapes survive', value: '100\\%', oid: OID.varchar, impala: "'100\\\\%'" },
    { what: 'newline, tab, CR', value: 'a\nb\tc\rd', oid: OID.text, impala: "'a\\nb\\tc\\rd'" },
    { what: 'unknown type: a string literal', value: '42', oid: 0, impala: "'42'" },
    { what: 'NULL of a type', value: null, oid: OID.int4, impala: 'CAST(NULL AS INT)' },
    { what: 'NULL of unknown type', value: null, oid: 0, impala: 'NULL' },
    { what: 'bool', value: true, oid: OID.bool, impala: 'TRUE' },
    { what: 'int2', value: -5, oid: OID.int2, impala: 'CAST(-5 AS SMALLINT)' },
    { what: 'int4', value: 2147483647, oid: OID.int4, impala: 'CAST(2147483647 AS INT)' },
    { what: 'int8', value: -9223372036854775808n, oid: OID.int8, impala: 'CAST(-9223372036854775808 AS BIGINT)' },
    { what: 'float8', value: 0.1, oid: OID.float8, impala: 'CAST(0.1 AS DOUBLE)' },
    { what: 'float8 exponent', value: 1e-300, oid: OID.float8, impala: 'CAST(1e-300 AS DOUBLE)' },
    { what: 'float8 NaN', value: NaN, oid: OID.float8, impala: "CAST('nan' AS DOUBLE)" },
    { what: 'float4 -Infinity', value: -Infinity, oid: OID.float4, impala: "CAST('-inf' AS FLOAT)" },
    { what: 'numeric keeps its scale', value: '-0012.50', oid: OID.numeric, impala: 'CAST(-12.50 AS DECIMAL(4,2))' },
    { what: 'numeric below 1', value: '0.001', oid: OID.numeric, impala: 'CAST(0.001 AS DECIMAL(3,3))' },
    { what: 'date', value: days('2024-02-29'), oid: OID.date, impala: "DATE '2024-02-29'" },
    { what: 'timestamp', value: micros('2024-01-01T10:00:00.123Z') + 456n, oid: OID.timestamp, impala: "CAST('2024-01-01 10:00:00.123456' AS TIMESTAMP)" },
    { what: 'timestamptz as its UTC wall time', value: micros('2024-01-01T10:00:00Z'), oid: OID.timestamptz, impala: "CAST('2024-01-01 10:00:00' AS TIMESTAMP)" },
    { what: 'bytea', value: new Uint8Array([0, 0xff, 0x27]), oid: OID.bytea, impala: "CAST(unhex('00FF27') AS BINARY)" },
    { what: 'interval of one unit', value: { months: 0, days: 0, micros: 7_200_000_000n }, oid: OID.interval, impala: 'INTERVAL 2 HOUR' },
    { what: 'a number in text form for a declared int4', value: '17', oid: OID.int4, impala: 'CAST(17 AS INT)' },
    { what: 'a date in text form', value: '2024-02-29', oid: OID.date, impala: "DATE '2024-02-29'" },
  ];
  for (const l of LITERALS) {
    it(l.what, () => {
      assert.equal(impalaLiteral(l.value, l.oid), l.impala);
    });
  }

  it('refuses values Impala cannot hold', () => {
    const code = (v: PgValue, oid: number) => {
      try {
        impalaLiteral(v, oid);
      } catch (e) {
        return (e as GatewayError).sqlstate;
      }
      return 'ok';
    };
    assert.equal(code('NaN', OID.numeric), '0A000');
    assert.equal(code('1' + '0'.repeat(40), OID.numeric), '22003');
    assert.equal(code(Infinity, OID.date), '22008');
    assert.equal(code(TIMESTAMP_POS_INFINITY, OID.timestamp), '22008');
    assert.equal(code(micros('1399-12-31T00:00:00Z'), OID.timestamp), '22008');
    assert.equal(code('a\0b', OID.text), '22021');
    assert.equal(code([1, 2], OID._int4), '0A000');
    assert.equal(code({ months: 1, days: 1, micros: 0n }, OID.interval), '0A000');
  });

  it('replaces $n only outside strings, identifiers and comments', () => {
    const sql = "SELECT $1, '$1', \"$2\", `$1`, $2 -- $1\n/* $2 */ FROM t WHERE a = $1";
    assert.equal(inlineParams(sql, ['x', 5], [OID.text, OID.int4]), "SELECT 'x', '$1', \"$2\", `$1`, CAST(5 AS INT) -- $1\n/* $2 */ FROM t WHERE a = 'x'");
    assert.throws(() => inlineParams('SELECT $3', [1], [OID.int4]), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42P02');
    // A literal with an escaped quote does not end the string early.
    assert.equal(inlineParams("SELECT 'it\\'s $1', $1", [1], [OID.int4]), "SELECT 'it\\'s $1', CAST(1 AS INT)");
  });

  describe('through the stand-in: every value comes back as it was sent', () => {
    let c: ImpalaConnector;
    before(async () => {
      c = await ImpalaConnector.create(options());
    });
    after(async () => {
      await c.close();
    });
    const VALUES: Array<{ what: string; value: PgValue; oid: number; back?: PgValue }> = [
      { what: 'quotes and backslashes', value: `it's a \\ "quoted" \\' string \\\\`, oid: OID.text },
      { what: 'control characters and unicode', value: 'tab\there\nnew ✓ 日本 \u0001', oid: OID.text },
      { what: 'LIKE wildcards with escapes', value: '100\\% off\\_sale', oid: OID.text },
      { what: 'NULL', value: null, oid: OID.text },
      { what: 'int8 beyond 2^53', value: 9007199254740993n, oid: OID.int8 },
      { what: 'int4', value: -2147483648, oid: OID.int4 },
      { what: 'float8', value: 0.30000000000000004, oid: OID.float8 },
      { what: 'float8 NaN', value: NaN, oid: OID.float8 },
      { what: 'numeric', value: '-12345678901234567890.123456789', oid: OID.numeric },
      { what: 'date', value: days('1999-12-31'), oid: OID.date },
      { what: 'timestamp', value: micros('2024-01-01T10:00:00.123Z') + 456n, oid: OID.timestamp },
      { what: 'bool', value: false, oid: OID.bool },
      { what: 'bytea', value: new Uint8Array([0, 1, 0x27, 0x5c, 0xff]), oid: OID.bytea },
    ];
    for (const v of VALUES) {
      it(v.what, async () => {
        const { rows } = await run(c, 'SELECT $1 AS v', [v.value], [v.oid]);
        assert.deepEqual(normalize(rows), normalize([[v.back ?? v.value]]));
      });
    }

    it('filters with inlined values', async () => {
      const { rows } = await run(c, 'SELECT id FROM shop.bookings WHERE customer = $1 AND day = $2 AND amount > $3 ORDER BY id', ['customer 7', days('2024-01-08'), '100.00'], [OID.text, OID.date, OID.numeric]);
      assert.deepEqual(rows, [[307], [607], [907], [1207], [1507], [1807]]);
    });
  });
});

describe('impala: the read-only guard and describe', () => {
  it('allows reads only, one statement at a time', () => {
    for (const sql of ['SELECT 1', '  -- c\n/* x */ select 1;', 'WITH t AS (SELECT 1) SELECT * FROM t', 'VALUES (1)', 'SHOW TABLES IN shop', 'DESCRIBE shop.bookings', 'EXPLAIN SELECT 1', '(SELECT 1)']) {
      assert.doesNotThrow(() => guardStatement(sql), sql);
    }
    assert.throws(() => guardStatement('SELECT 1; DROP TABLE t'), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42601');
    assert.throws(() => guardStatement("SELECT ';' ; SELECT 2"), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42601');
    assert.equal(guardStatement("SELECT ';' ;; ").sql, "SELECT ';'");
    assert.throws(() => guardStatement('  '), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42601');
  });

  it('describes a query with LIMIT 0 in place of its LIMIT/OFFSET', () => {
    assert.equal(limitZero(guardStatement('SELECT a FROM t -- end')), 'SELECT a FROM t\nLIMIT 0');
    assert.equal(limitZero(guardStatement('SELECT a FROM (SELECT a FROM t LIMIT 5) s ORDER BY a LIMIT 10 OFFSET 2')), 'SELECT a FROM (SELECT a FROM t LIMIT 5) s ORDER BY a LIMIT 0');
  });

  it('describes without running anything, with the declared parameter types', async () => {
    const c = await ImpalaConnector.create(options());
    try {
      const before = standin.canceled.length;
      const d = await c.describe({ sql: 'SELECT id, amount FROM shop.bookings WHERE id = $1 AND customer = $2', params: [], paramTypes: [OID.int4] });
      assert.deepEqual(d.params, [OID.int4, 0]);
      assert.deepEqual(d.columns, [
        { name: 'id', typeOid: OID.int4, typeModifier: -1 },
        { name: 'amount', typeOid: OID.numeric, typeModifier: typmod(10, 2) },
      ]);
      assert.match(standin.statements.at(-1)!.sql, /WHERE id = CAST\(NULL AS INT\) AND customer = NULL\nLIMIT 0$/);
      const show = await c.describe(query('SHOW TABLE STATS shop.bookings'));
      assert.deepEqual(show.columns.slice(0, 3).map((col) => col.name), ['region', '#Rows', '#Files']);
      assert.equal(standin.canceled.length, before);
      assert.equal(standin.openOperations(), 0);
    } finally {
      await c.close();
    }
  });
});

describe('impala: statistics', () => {
  const EXPLAIN_IMPALA4 = `Max Per-Host Resource Reservation: Memory=1.94MB Threads=5
Per-Host Resource Estimates: Memory=42MB
WARNING: The following tables are missing relevant table and/or column statistics.
sales.events

PLAN-ROOT SINK
|
05:EXCHANGE [UNPARTITIONED]
|
02:HASH JOIN [INNER JOIN, BROADCAST]
|  hash predicates: o.customer_id = c.id
|  runtime filters: RF000 <- c.id
|  row-size=40B cardinality=1.23M
|
|--04:EXCHANGE [BROADCAST]
|  |
|  01:SCAN HDFS [sales.customers c]
|     HDFS partitions=1/1 files=4 size=12.50MB
|     row-size=16B cardinality=250.00K
|
00:SCAN HDFS [sales.orders o, RANDOM]
   HDFS partitions=31/730 files=62 size=3.02GB
   predicates: o.amount > 10
   runtime filters: RF000 -> o.customer_id
   row-size=24B cardinality=1.23M`.split('\n');

  const EXPLAIN_IMPALA3 = `Max Per-Host Resource Reservation: Memory=0B Threads=2
Per-Host Resource Estimates: Memory=32MB
WARNING: The following tables are missing relevant table and/or column statistics.
sales.events, sales.clicks

PLAN-ROOT SINK
|
01:EXCHANGE [UNPARTITIONED]
|
00:SCAN HDFS [sales.events]
   partitions=3/24 files=3 size=512B
   row-size=0B cardinality=unavailable`.split('\n');

  it('parses the scans of an Impala 4 EXPLAIN (joins, aliases, K/M cardinalities)', () => {
    const e = parseExplain(EXPLAIN_IMPALA4);
    assert.deepEqual(e.tablesMissingStats, ['sales.events']);
    assert.equal(e.perHostMemoryBytes, 42 * 1024 * 1024);
    assert.deepEqual(e.scans, [
      { node: '01', kind: 'HDFS', table: 'sales.customers', partitions: { selected: 1, total: 1 }, files: 4, sizeBytes: Math.round(12.5 * 1024 * 1024), rowSizeBytes: 16, cardinality: 250000 },
      { node: '00', kind: 'HDFS', table: 'sales.orders', partitions: { selected: 31, total: 730 }, files: 62, sizeBytes: Math.round(3.02 * 1024 ** 3), rowSizeBytes: 24, cardinality: 1230000 },
    ]);
  });

  it('parses the scans of an Impala 3 EXPLAIN (no "HDFS" prefix, unavailable cardinality)', () => {
    const e = parseExplain(EXPLAIN_IMPALA3);
    assert.deepEqual(e.tablesMissingStats, ['sales.events', 'sales.clicks']);
    assert.deepEqual(e.scans, [{ node: '00', kind: 'HDFS', table: 'sales.events', partitions: { selected: 3, total: 24 }, files: 3, sizeBytes: 512, rowSizeBytes: 0, cardinality: null }]);
  });

  it('parses SHOW TABLE STATS of a partitioned table, with its Total row', () => {
    const columns = ['year', 'month', '#Rows', '#Files', 'Size', 'Bytes Cached', 'Cache Replication', 'Format', 'Incremental stats', 'Location', 'EC Policy'];
    const rows: PgValue[][] = [
      ['2024', '1', 1200n, 2n, '24.50MB', 'NOT CACHED', 'NOT CACHED', 'PARQUET', 'false', 'hdfs://nn:8020/wh/t/year=2024/month=1', 'NONE'],
      ['2024', '2', -1n, 1n, '1.00KB', 'NOT CACHED', 'NOT CACHED', 'PARQUET', 'true', 'hdfs://nn:8020/wh/t/year=2024/month=2', 'NONE'],
      ['Total', '', 1200n, 3n, '24.51MB', '0B', '', '', '', '', ''],
    ];
    const s = parseTableStats(columns, rows);
    assert.deepEqual(s.partitionColumns, ['year', 'month']);
    assert.deepEqual(s.partitions[0], { values: { year: '2024', month: '1' }, rows: 1200, files: 2, sizeBytes: Math.round(24.5 * 1024 * 1024), format: 'PARQUET', incrementalStats: false, location: 'hdfs://nn:8020/wh/t/year=2024/month=1' });
    assert.equal(s.partitions[1]!.rows, null, '-1: stats never computed');
    assert.deepEqual(s.total, { rows: 1200, files: 3, sizeBytes: Math.round(24.51 * 1024 * 1024) });
  });

  it('parses SHOW TABLE STATS of an unpartitioned table', () => {
    const s = parseTableStats(['#Rows', '#Files', 'Size', 'Bytes Cached', 'Cache Replication', 'Format', 'Incremental stats', 'Location'], [[-1n, 4n, '1.50GB', 'NOT CACHED', 'NOT CACHED', 'TEXT', 'false', 'hdfs://x']]);
    assert.deepEqual(s.partitionColumns, []);
    assert.deepEqual(s.total, { rows: null, files: 4, sizeBytes: Math.round(1.5 * 1024 ** 3) });
  });

  it('parses SHOW COLUMN STATS', () => {
    const columns = ['Column', 'Type', '#Distinct Values', '#Nulls', 'Max Size', 'Avg Size', '#Trues', '#Falses'];
    const s = parseColumnStats(columns, [
      ['id', 'int', 1000n, 0n, 4n, 4, -1n, -1n],
      ['name', 'string', -1n, -1n, -1n, -1, -1n, -1n],
      ['ok', 'boolean', 2n, 5n, 1n, 1, 600n, 395n],
    ]);
    assert.deepEqual(s[0], { name: 'id', type: 'int', distinctValues: 1000, nulls: 0, maxSize: 4, avgSize: 4, trues: null, falses: null });
    assert.deepEqual(s[1], { name: 'name', type: 'string', distinctValues: null, nulls: null, maxSize: null, avgSize: null, trues: null, falses: null });
    assert.equal(s[2]!.trues, 600);
  });

  describe('through the stand-in', () => {
    let c: ImpalaConnector;
    before(async () => {
      c = await ImpalaConnector.create(options());
    });
    after(async () => {
      await c.close();
    });

    it('EXPLAIN: partitions pruned by a partition predicate, files and bytes', async () => {
      const all = await c.explainScans('SELECT count(*) FROM shop.bookings');
      const eu = await c.explainScans("SELECT count(*) FROM shop.bookings WHERE region = 'eu'");
      assert.deepEqual(all.scans[0]!.partitions, { selected: 2, total: 2 });
      assert.deepEqual(eu.scans[0]!.partitions, { selected: 1, total: 2 });
      assert.equal(eu.scans[0]!.files, 1);
      assert.equal(eu.scans[0]!.cardinality, 1000);
      assert.ok(eu.scans[0]!.sizeBytes! > 0 && eu.scans[0]!.sizeBytes! < all.scans[0]!.sizeBytes!);
      const join = await c.explainScans('SELECT * FROM shop.bookings b JOIN shop.numbers n ON b.id = n.n');
      assert.deepEqual(join.scans.map((s) => s.table).sort(), ['shop.bookings', 'shop.numbers']);
      assert.deepEqual(join.tablesMissingStats, ['shop.numbers']);
    });

    it('SHOW TABLE STATS and SHOW COLUMN STATS', async () => {
      const t = await c.tableStats({ schema: 'shop', name: 'bookings' });
      assert.deepEqual(t.partitionColumns, ['region']);
      assert.deepEqual(t.partitions.map((p) => [p.values.region, p.rows, p.files]), [['eu', 1000, 1], ['us', 1000, 1]]);
      assert.equal(t.total.rows, 2000);
      const cols = await c.columnStats({ schema: 'shop', name: 'bookings' });
      const customer = cols.find((x) => x.name === 'customer')!;
      assert.equal(customer.distinctValues, 50);
      assert.ok(customer.avgSize! > 9 && customer.avgSize! < 12);
      const note = cols.find((x) => x.name === 'note')!;
      assert.equal(note.nulls, 286);
      const numbers = await c.tableStats({ schema: 'shop', name: 'numbers' });
      assert.equal(numbers.total.rows, null, 'no COMPUTE STATS: -1');
    });
  });
});

describe('impala: types and values', () => {
  const entry = (type: number, qualifiers?: Record<string, { i32Value: number }>) => ({ primitiveEntry: { type, ...(qualifiers && { typeQualifiers: { qualifiers } }) } });
  it('maps TTypeIds (with their qualifiers) to PostgreSQL types', () => {
    assert.deepEqual(servedTypeOfEntry(entry(15, { precision: { i32Value: 38 }, scale: { i32Value: 9 } })), { typeOid: OID.numeric, typeModifier: typmod(38, 9) });
    assert.deepEqual(servedTypeOfEntry(entry(18, { characterMaximumLength: { i32Value: 20 } })), { typeOid: OID.varchar, typeModifier: 24 });
    assert.deepEqual(servedTypeOfEntry(entry(19, { characterMaximumLength: { i32Value: 2 } })), { typeOid: OID.bpchar, typeModifier: 6 });
    assert.deepEqual(servedTypeOfEntry(entry(1)), { typeOid: OID.int2, typeModifier: -1 });
    assert.deepEqual(servedTypeOfEntry(entry(9)), { typeOid: OID.bytea, typeModifier: -1 });
    assert.deepEqual(servedTypeOfEntry({ arrayEntry: { objectTypePtr: 1 } }), { typeOid: OID.text, typeModifier: -1 });
    assert.deepEqual(servedTypeOfEntry(entry(21)), { typeOid: OID.text, typeModifier: -1 });
    assert.deepEqual(servedTypeOfName('decimal(5,1)'), { typeOid: OID.numeric, typeModifier: typmod(5, 1) });
    assert.deepEqual(servedTypeOfName('DECIMAL'), { typeOid: OID.numeric, typeModifier: typmod(9, 0) });
    assert.deepEqual(servedTypeOfName('array<int>'), { typeOid: OID.text, typeModifier: -1 });
  });

  it("reads Impala's date and timestamp text exactly as PostgreSQL's input functions do", () => {
    const pgTs = textDecoder(OID.timestamp, { dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' });
    const pgDate = textDecoder(OID.date, { dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' });
    const ts = readerFor({ typeOid: OID.timestamp, typeModifier: -1 });
    const dt = readerFor({ typeOid: OID.date, typeModifier: -1 });
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const p2 = (n: number) => String(n).padStart(2, '0');
    const texts: string[] = ['1400-01-01 00:00:00', '9999-12-31 23:59:59.999999999', '2024-02-29 12:00:00.0000005', '2024-02-29 12:00:00.0000015', '1969-12-31 23:59:59.9999995'];
    const dates: string[] = ['0001-01-01', '1582-10-10', '2000-02-29', '9999-12-31'];
    for (let i = 0; i < 2000; i++) {
      const y = 1400 + rnd(8600);
      const date = `${y}-${p2(1 + rnd(12))}-${p2(1 + rnd(28))}`;
      dates.push(date);
      const frac = rnd(3) === 0 ? '' : `.${String(rnd(1e9)).padStart(9, '0').slice(0, 1 + rnd(9))}`;
      texts.push(`${date} ${p2(rnd(24))}:${p2(rnd(60))}:${p2(rnd(60))}${frac}`);
    }
    const col = (values: string[]) => ({ stringVal: { values, nulls: Buffer.alloc(Math.ceil(values.length / 8)) } });
    assert.deepEqual(Array.from(ts(col(texts), texts.length)), texts.map((t) => pgTs(t)));
    assert.deepEqual(Array.from(dt(col(dates), dates.length)), dates.map((d) => pgDate(d)));
  });

  it('reads string columns: nanosecond timestamps rounded, decimals padded to their scale, NULLs from the bitmap', () => {
    const col = (values: string[], nullRows: number[] = []) => {
      const nulls = Buffer.alloc(Math.ceil(values.length / 8));
      for (const r of nullRows) nulls[r >> 3]! |= 1 << (r & 7);
      return { stringVal: { values, nulls } };
    };
    const ts = readerFor({ typeOid: OID.timestamp, typeModifier: -1 });
    assert.deepEqual(Array.from(ts(col(['2024-01-01 10:00:00.123456789', '', '2024-01-01 10:00:00'], [1]), 3)), [micros('2024-01-01T10:00:00.123Z') + 457n, null, micros('2024-01-01T10:00:00Z')]);
    const dec = readerFor({ typeOid: OID.numeric, typeModifier: typmod(6, 3) });
    assert.deepEqual(Array.from(dec(col(['1.5', '-0.250', '7']), 3)), ['1.500', '-0.250', '7.000']);
    const nine = Array.from({ length: 9 }, (_, i) => String(i));
    assert.deepEqual(Array.from(readerFor({ typeOid: OID.text, typeModifier: -1 })(col(nine, [0, 8]), 9)), [null, '1', '2', '3', '4', '5', '6', '7', null]);
  });
});

describe('impala: error mapping', () => {
  const CASES: Array<{ impala: string; sqlState?: string; sqlstate: string; message: RegExp }> = [
    { impala: "AnalysisException: Could not resolve table reference: 'sales.nope'", sqlstate: '42P01', message: /^relation "sales\.nope" does not exist$/ },
    { impala: "AnalysisException: Could not resolve column/field reference: 'x'", sqlstate: '42703', message: /^column "x" does not exist$/ },
    { impala: 'AnalysisException: Database does not exist: nodb', sqlstate: '3F000', message: /schema "nodb"/ },
    { impala: "AnalysisException: Column/field reference is ambiguous: 'id'", sqlstate: '42702', message: /ambiguous/ },
    { impala: 'AnalysisException: default.foo() unknown for database default. Currently this db has 0 functions.', sqlstate: '42883', message: /^function foo\(\) does not exist$/ },
    { impala: 'AnalysisException: No matching function with signature: lower(INT).', sqlstate: '42883', message: /lower\(INT\)/ },
    { impala: "AnalysisException: operands of type INT and STRING are not comparable: id = '5'", sqlstate: '42883', message: /operator does not exist: INT = STRING/ },
    { impala: "AnalysisException: select list expression not produced by aggregation output (missing from GROUP BY clause?): customer", sqlstate: '42803', message: /aggregation/ },
    { impala: "AuthorizationException: User 'tollgate' does not have privileges to execute 'SELECT' on: sales.secret", sqlstate: '42501', message: /does not have privileges/ },
    {
      impala: 'ParseException: Syntax error in line 1:\nSELECT * FORM t\n              ^\nEncountered: IDENTIFIER\nExpected: AND, AS\n\nCAUSED BY: Exception: Syntax error',
      sqlstate: '42601',
      message: /^syntax error at or near "t"$/,
    },
    { impala: 'AnalysisException: Syntax error in line 2:\n  FROM\n      ^\nEncountered: EOF\nExpected: IDENTIFIER', sqlstate: '42601', message: /syntax error/ },
    { impala: 'Memory limit exceeded: Failed to allocate row batch\nEXCHANGE_NODE (id=4) could not allocate 8.00 KB', sqlstate: '53200', message: /^Memory limit exceeded/ },
    { impala: 'Rejected query from pool root.default: queue full, limit=200, num_queued=200.', sqlstate: '53000', message: /Rejected query/ },
    { impala: 'Cancelled', sqlstate: '57014', message: /Cancelled/ },
    { impala: 'Query 5f4b:3c00 expired due to execution time limit of 10s000ms', sqlstate: '57014', message: /expired/ },
    { impala: 'Client session expired due to more than 600s of inactivity', sqlstate: '08006', message: /dropped the session/ },
    { impala: 'AnalysisException: OFFSET requires an ORDER BY clause: LIMIT 10 OFFSET 5', sqlState: '42000', sqlstate: '42000', message: /^OFFSET requires an ORDER BY clause/ },
    { impala: 'Query 8b4c:9f3b failed:\nUDF ERROR: String to Decimal parse failed', sqlState: 'HY000', sqlstate: '58000', message: /^UDF ERROR: String to Decimal parse failed$/ },
    { impala: 'Error(s) deleting partition directories', sqlState: '22012', sqlstate: '22012', message: /deleting/ },
  ];
  for (const c of CASES) {
    it(`${c.sqlstate}: ${c.impala.split('\n')[0]}`, () => {
      const e = impalaStatementError(c.impala, c.sqlState, 'dwh');
      assert.equal(e.sqlstate, c.sqlstate, `${e.code}: ${e.message}`);
      assert.match(e.message, c.message);
      assert.doesNotMatch(e.message, /^[A-Za-z]+Exception: /);
    });
  }
});

describe('impala: config', () => {
  const engine = (extra: object = {}) =>
    Value.Default(ImpalaEngineSchema, { name: 'dwh', kind: 'impala', connection: { host: 'impala.internal', user: 'tollgate', password: { env: 'IMPALA_PW' } }, schemas: ['marts'], ...extra }) as never;

  it('validates with the schema and fills defaults (port 21050, auth plain)', () => {
    const e = engine() as { connection: { port: number; auth: string } };
    assert.ok(Value.Check(ImpalaEngineSchema, e));
    assert.equal(e.connection.port, 21050);
    assert.equal(e.connection.auth, 'plain');
    assert.equal(Value.Check(ImpalaEngineSchema, { ...(e as object), connection: { ...e.connection, password: 'plain text' } }), false, 'a plain-text password is refused');
  });

  it('reads the password from the environment only, and the CA file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-impala-cfg-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), 'PEM');
      const o = impalaOptionsFromConfig(engine({ connection: { host: 'h', port: 21051, user: 'u', password: { env: 'IMPALA_PW' }, tls: { ca: path.join(dir, 'ca.pem') } } }), { env: { IMPALA_PW: 's3cret' } });
      assert.equal(o.connection.password, 's3cret');
      assert.deepEqual(o.connection.tls, { rejectUnauthorized: true, ca: 'PEM' });
      assert.throws(() => impalaOptionsFromConfig(engine(), { env: {} }), (e: unknown) => e instanceof GatewayError && e.sqlstate === 'F0000' && /IMPALA_PW/.test(e.message));
      const nosasl = impalaOptionsFromConfig(engine({ connection: { host: 'h', port: 21050, auth: 'nosasl', user: 'u' } }), { env: {} });
      assert.equal(nosasl.connection.auth, 'nosasl');
      assert.throws(() => impalaOptionsFromConfig(engine({ connection: { host: 'h', port: 21050, auth: 'plain', user: 'u' } }), { env: {} }), /password is required/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses options that cannot work', async () => {
    await assert.rejects(ImpalaConnector.create({ name: 'x', connection: { host: 'h', user: 'u', password: 'p' } }), /name the tables/);
    await assert.rejects(ImpalaConnector.create({ name: 'x', connection: { host: 'h', user: 'u' }, schemas: ['s'] }), /password is required with auth: plain/);
    await assert.rejects(ImpalaConnector.create({ name: 'x', connection: { host: 'h', user: 'u', password: 'p' }, tables: [{ schema: 'a', name: 'b`c' }] }), /backticks/);
  });
});

describe('impala: a real Impala (TOLLGATE_TEST_IMPALA=host:port)', () => {
  const target = process.env.TOLLGATE_TEST_IMPALA;
  const skip = target === undefined || target === '' ? 'TOLLGATE_TEST_IMPALA is not set (host:port of an impalad; TOLLGATE_TEST_IMPALA_USER, _PASSWORD, _AUTH=plain|nosasl, _TLS=1 optional)' : false;
  let c: ImpalaConnector | undefined;
  before(async () => {
    if (skip) return;
    const [host, port] = target!.split(':');
    const auth = (process.env.TOLLGATE_TEST_IMPALA_AUTH ?? (process.env.TOLLGATE_TEST_IMPALA_PASSWORD ? 'plain' : 'nosasl')) as 'plain' | 'nosasl';
    c = await ImpalaConnector.create({
      name: 'real',
      connection: {
        host: host!,
        port: Number(port ?? 21050),
        auth,
        user: process.env.TOLLGATE_TEST_IMPALA_USER ?? 'tollgate',
        ...(process.env.TOLLGATE_TEST_IMPALA_PASSWORD !== undefined && { password: process.env.TOLLGATE_TEST_IMPALA_PASSWORD }),
        ...(process.env.TOLLGATE_TEST_IMPALA_TLS === '1' && { tls: { rejectUnauthorized: false } }),
      },
      schemas: ['default'],
    });
  });
  after(async () => {
    await c?.close();
  });

  it('is healthy and answers typed values', { skip }, async () => {
    assert.equal((await c!.health()).ok, true);
    const { columns, rows } = await run(
      c!,
      "SELECT CAST(1 AS INT) AS i, CAST(9007199254740993 AS BIGINT) AS b, CAST(12.3 AS DECIMAL(4,2)) AS d, 'it\\'s' AS s, CAST('2024-01-01 10:00:00.123456789' AS TIMESTAMP) AS t, DATE '2024-02-29' AS dt, CAST(NULL AS STRING) AS n",
    );
    assert.deepEqual(columns.map((col) => col.typeOid), [OID.int4, OID.int8, OID.numeric, OID.text, OID.timestamp, OID.date, OID.text]);
    assert.deepEqual(normalize(rows), normalize([[1, 9007199254740993n, '12.30', "it's", micros('2024-01-01T10:00:00.123Z') + 457n, days('2024-02-29'), null]]));
  });

  it('inlines literals and runs the dialect', { skip }, async () => {
    const { rows } = await run(c!, toImpala("SELECT $1 || 'x' AS v, substring('hello' from 0 for 3) AS s, 7 / 2 AS q"), ["it's \\"], [OID.text]);
    assert.deepEqual(rows, [["it's \\x", 'he', 3]]);
  });

  it('streams, cancels and describes', { skip }, async () => {
    const stream: ResultStream = await c!.execute(query('SELECT a.x FROM (VALUES (1 AS x), (2), (3)) a CROSS JOIN (VALUES (1 AS y), (2)) b'), { signal: new AbortController().signal });
    assert.equal((await collect(stream)).rows.length, 6);
    const d = await c!.describe(query('SELECT CAST(1 AS DECIMAL(5,2)) AS d'));
    assert.deepEqual(d.columns, [{ name: 'd', typeOid: OID.numeric, typeModifier: typmod(5, 2) }]);
    const ac = new AbortController();
    ac.abort();
    assert.equal((await errorOf(c!, 'SELECT 1', ac.signal)).sqlstate, '57014');
    const e = await errorOf(c!, 'SELECT * FROM default.tollgate_no_such_table');
    assert.equal(e.sqlstate, '42P01');
  });
});

describe('impala: scan estimates (EXPLAIN and statistics)', () => {
  const ESTIMATE_TABLES: StandinTable[] = [
    {
      db: 'shop',
      name: 'events',
      columns: [
        { name: 'id', type: 'int' },
        { name: 'kind', type: 'string' },
        { name: 'payload', type: 'string' },
      ],
      partitionColumns: [{ name: 'day_key', type: 'string' }],
      rows: `SELECT i, 'kind ' || (i % 5), 'a rather long payload for event number ' || i, 'd' || (i % 3) FROM range(3000) t(i)`,
      statsComputed: true,
    },
    {
      db: 'shop',
      name: 'raw',
      columns: [
        { name: 'id', type: 'int' },
        { name: 'body', type: 'string' },
      ],
      rows: `SELECT i, 'body ' || i FROM range(500) t(i)`,
    },
  ];
  let est: Hs2Standin;
  let c: ImpalaConnector;
  const read = (name: string, columns: string[], predicates: TableRead['predicates'] = [], position = 15): TableRead => ({ schema: 'shop', name, columns, predicates, position });
  const known = (d: TableScanDetail): TableScanEstimate => {
    assert.ok(!isUnknown(d), `unknown: ${isUnknown(d) ? d.unknown : ''}`);
    return d;
  };
  before(async () => {
    est = await startHs2Standin({ auth: 'plain', users: { tollgate: 'secret' }, tables: ESTIMATE_TABLES });
    c = await ImpalaConnector.create(options({ tables: [], schemas: ['shop'] }, est));
  });
  after(async () => {
    await c.close();
    await est.close();
  });

  it('prunes partitions through EXPLAIN: a partition predicate reduces the estimate', async () => {
    const cols = ['id', 'kind', 'payload'];
    const all = known((await c.estimate([read('events', cols)])).detail[0]!);
    const one = known((await c.estimate([read('events', cols, [{ column: 'day_key', op: '=', value: 'd1', type: 'unknown' }])])).detail[0]!);
    assert.ok(one.bytes > 0 && one.bytes < all.bytes * 0.4, `${one.bytes} vs ${all.bytes}`);
    assert.deepEqual(one.files, { total: 3, kept: 1 });
    assert.deepEqual(all.files, { total: 3, kept: 3 });
    assert.deepEqual(all.pruned, []);
    assert.equal(one.pruned.length, 1);
    assert.match(one.pruned[0]!, /`day_key` = 'd1': 1 of 3 partitions/);
    const sent = est.statements.map((s) => s.sql).filter((s) => s.startsWith('EXPLAIN'));
    assert.ok(sent.includes("EXPLAIN SELECT `id`, `kind`, `payload` FROM `shop`.`events` WHERE `day_key` = 'd1'"), sent.join('\n'));
  });

  it('applies the share of the needed columns from SHOW COLUMN STATS (partition columns weigh nothing)', async () => {
    const stats = await c.columnStats({ schema: 'shop', name: 'events' });
    const avg = (n: string) => stats.find((s) => s.name === n)!.avgSize!;
    const total = avg('id') + avg('kind') + avg('payload');
    const scanned = (await c.explainScans('SELECT id FROM shop.events')).scans[0]!.sizeBytes!;
    const r = await c.estimate([read('events', ['id']), read('events', ['day_key', 'id', 'kind', 'payload'], [], 40), read('events', [], [], 70)]);
    const [id, every, count] = r.detail.map(known);
    assert.equal(id!.bytes, Math.round((scanned * avg('id')) / total));
    assert.equal(every!.bytes, scanned, 'every stored column: the whole size');
    assert.equal(count!.bytes, Math.round((scanned * Math.min(avg('id'), avg('kind'), avg('payload'))) / total), 'count(*): the smallest column');
    assert.ok(count!.notes.some((n) => /smallest column/.test(n)));
    assert.equal(r.bytes, id!.bytes + every!.bytes + count!.bytes);
    assert.equal(r.exact, true);
    assert.deepEqual(r.detail.map((d) => d.position), [15, 40, 70]);
  });

  it('counts the whole size where columns have no statistics, and says so', async () => {
    const d = known((await c.estimate([read('raw', ['id'])])).detail[0]!);
    const scanned = (await c.explainScans('SELECT id FROM shop.raw')).scans[0]!.sizeBytes!;
    assert.equal(d.bytes, scanned);
    assert.ok(d.notes.some((n) => /no column statistics for body/.test(n)), d.notes.join('; '));
    assert.ok(d.notes.some((n) => /COMPUTE STATS never ran/.test(n)), d.notes.join('; '));
  });

  it('answers an unknown table with { unknown } and still estimates the others', async () => {
    const r = await c.estimate([read('nope', ['x']), read('events', ['id'])]);
    assert.equal(r.exact, false);
    assert.ok(isUnknown(r.detail[0]!));
    assert.match((r.detail[0] as { unknown: string }).unknown, /EXPLAIN failed/);
    assert.ok(known(r.detail[1]!).bytes > 0);
    assert.equal(r.bytes, known(r.detail[1]!).bytes);
  });

  it('drops a predicate EXPLAIN refuses and keeps estimating without it', async () => {
    const d = known((await c.estimate([read('events', ['id'], [{ column: 'no_such_column', op: '=', value: 'x', type: 'unknown' }])])).detail[0]!);
    assert.ok(d.notes.some((n) => /predicates not used/.test(n)), d.notes.join('; '));
    assert.deepEqual(d.files, { total: 3, kept: 3 });
  });

  it('caches column statistics per table', async () => {
    const shows = () => est.statements.filter((s) => /^SHOW COLUMN STATS `shop`.`events`/.test(s.sql)).length;
    const before = shows();
    await c.estimate([read('events', ['id']), read('events', ['kind'])]);
    await c.estimate([read('events', ['payload'])]);
    assert.equal(shows(), before, 'already cached by the tests above');
    const fresh = new ImpalaEstimator(c, 60_000);
    await fresh.estimate([read('events', ['id']), read('events', ['kind'])]);
    await fresh.estimate([read('events', ['payload'])]);
    assert.equal(shows(), before + 1);
    let now = 0;
    const expiring = new ImpalaEstimator(c, 1000, () => now);
    await expiring.estimate([read('events', ['id'])]);
    now = 5000;
    await expiring.estimate([read('events', ['id'])]);
    assert.equal(shows(), before + 3, 'expired after the TTL');
  });

  it('storedBytes: the total size of SHOW TABLE STATS, undefined for a table it cannot measure', async () => {
    const stats = await c.tableStats({ schema: 'shop', name: 'events' });
    const sizes = await c.storedBytes([{ schema: 'shop', name: 'events' }, { schema: 'shop', name: 'nope' }, { schema: 'shop', name: 'raw' }]);
    assert.equal(sizes[0], stats.total.sizeBytes);
    assert.equal(sizes[1], undefined);
    assert.ok(sizes[2]! > 0);
  });
});
