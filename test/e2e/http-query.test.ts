/**
 * POST /v1/query and POST /v1/estimate against a real gateway: the same statements over HTTP (JSON and
 * Arrow) and over the PostgreSQL protocol (node-postgres) must give the same values, and the ledger,
 * budgets and team visibility must treat the HTTP side exactly like the wire.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { embeddedLedger } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;
const ARROW = 'application/vnd.apache.arrow.stream';
const MARK = `http_query_probe_${process.pid}`;

/** One row of each type the brief names, plus a float and a timestamptz. */
const TYPED = `SELECT 1::int AS i, 9007199254740993::bigint AS big, 12.50::numeric(10,2) AS n, 'héllo "x"'::text AS t,
  DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 13:45:06.5' AS ts, true AS b, NULL::int AS nul, 1.5::float8 AS f,
  TIMESTAMPTZ '2024-02-29 13:45:06+00' AS tz, '\\x00ff'::bytea AS x, 2 AS ${MARK}`;

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
}

const auth = (user: string) => `Basic ${Buffer.from(`${user}:${user}`).toString('base64')}`;

describe('POST /v1/query and /v1/estimate against a gateway', { skip }, () => {
  const ledger = embeddedLedger();
  let gateway: Gateway;
  let ledgerClient: pg.Client;

  const post = async (path: string, user: string, body: unknown, accept?: string): Promise<Reply> => {
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
      method: 'POST',
      headers: { authorization: auth(user), 'content-type': 'application/json', ...(accept && { accept }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const json = (r: Reply) => JSON.parse(r.body.toString('utf8')) as Record<string, any>;

  /** node-postgres with dates and timestamps as PostgreSQL's text (the JSON answer's form). */
  const wire = async <T>(user: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({
      ...gateway.clientConfig(user),
      types: { getTypeParser: (oid: number, format?: any) => ([1082, 1114, 1184].includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format)) },
    });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  /** The ledger rows of statements containing `text` (ledger writes are batched: wait for `count`). */
  const ledgerRows = async (text: string, count: number) => {
    for (let i = 0; i < 200; i++) {
      const r = await ledgerClient.query(
        'SELECT user_name, team, application_name, kind, status, sqlstate, rows, cost::float8 AS cost, billed_bytes::float8 AS billed, statement FROM ledger.statements WHERE statement LIKE $1 ORDER BY started_at',
        [`%${text}%`],
      );
      if (r.rows.length >= count) return r.rows;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`the ledger did not get ${count} statements containing ${text}`);
  };

  before(async () => {
    gateway = await startGateway();
    ledgerClient = await ledger.client(gateway);
  });
  after(async () => {
    await ledgerClient?.end();
    await gateway?.stop();
  });

  it('JSON values equal what node-postgres returns for the same statement', async () => {
    const r = await post('/v1/query', 'alice', { sql: TYPED });
    assert.equal(r.status, 200, r.body.toString());
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const body = json(r);
    const expected = await wire('alice', (c) => c.query({ text: TYPED, rowMode: 'array' }));
    assert.deepEqual(
      body.columns.map((c: { name: string; typeOid: number }) => [c.name, c.typeOid]),
      expected.fields.map((f) => [f.name, f.dataTypeID]),
    );
    assert.deepEqual(body.columns.map((c: { type: string }) => c.type).slice(0, 11), ['int4', 'int8', 'numeric', 'text', 'date', 'timestamp', 'bool', 'int4', 'float8', 'timestamptz', 'bytea']);
    // bytea: node-postgres gives a Buffer, the JSON answer PostgreSQL's hex text.
    const wireRow = expected.rows[0].map((v: unknown) => (Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : v));
    assert.deepEqual(body.rows, [wireRow]);
    assert.deepEqual(body.rows[0].slice(0, 10), [1, '9007199254740993', '12.50', 'héllo "x"', '2024-02-29', '2024-02-29 13:45:06.5', true, null, 1.5, '2024-02-29 13:45:06+00']);
    assert.equal(body.rowCount, 1);
    assert.equal(body.truncated, false);
    assert.equal(body.commandTag, 'SELECT 1');
  });

  it('table rows: JSON equals node-postgres, and notices carry the cost', async () => {
    const sql = `SELECT hotel_id, name, star_rating, chain FROM lake.hotels WHERE hotel_id <= 50 /* ${MARK} table */ ORDER BY hotel_id`;
    const r = await post('/v1/query', 'alice', { sql });
    assert.equal(r.status, 200, r.body.toString());
    const body = json(r);
    const expected = await wire('alice', (c) => c.query({ text: sql, rowMode: 'array' }));
    assert.deepEqual(body.rows, expected.rows);
    assert.equal(body.rowCount, expected.rows.length);
    assert.match(body.notices.join('\n'), /^tollgate: ~.* on lake, ~\$[\d.]+ to team growth/);
  });

  it('parameters are read by the types prepare reports, as Bind with text format', async () => {
    const sql = 'SELECT $1::int + 1 AS a, $2::text AS b, $3::date AS c, $4::bool AS d, $5::bigint AS e, $6::numeric AS f';
    const params = [41, 'x', '2024-01-02', true, '9007199254740993', 0.1];
    const r = await post('/v1/query', 'alice', { sql, params });
    assert.equal(r.status, 200, r.body.toString());
    const expected = await wire('alice', (c) => c.query({ text: sql, values: params.map(String), rowMode: 'array' }));
    assert.deepEqual(json(r).rows, expected.rows);
    assert.deepEqual(json(r).rows[0].slice(0, 5), [42, 'x', '2024-01-02', true, '9007199254740993']);

    const wrong = await post('/v1/query', 'alice', { sql: 'SELECT $1::int AS a', params: ['not a number'] });
    assert.equal(wrong.status, 400);
    assert.equal(json(wrong).error.sqlstate, '22P02');
    const missing = await post('/v1/query', 'alice', { sql: 'SELECT $1::int AS a, $2::int AS b', params: [1] });
    assert.equal(missing.status, 400);
    assert.match(json(missing).error.message, /params has 1 value\(s\) but the statement has 2 parameter\(s\)/);
  });

  it('maxRows truncates and closes the statement early; the ledger records the rows sent', async () => {
    const sql = `SELECT booking_id AS ${MARK}_truncate FROM lake.bookings`;
    const r = await post('/v1/query', 'alice', { sql, maxRows: 7 });
    assert.equal(r.status, 200, r.body.toString());
    const body = json(r);
    assert.equal(body.rows.length, 7);
    assert.equal(body.rowCount, 7);
    assert.equal(body.truncated, true);
    assert.equal(body.commandTag, 'SELECT 7');
    const [row] = await ledgerRows(`${MARK}_truncate`, 1);
    assert.equal(row.status, 'ok');
    assert.equal(Number(row.rows), 7);

    const exact = await post('/v1/query', 'alice', { sql: `SELECT * FROM (VALUES (1), (2)) v(${MARK})`, maxRows: 2 });
    assert.deepEqual([json(exact).rowCount, json(exact).truncated], [2, false]);
  });

  it('Arrow IPC stream: types mapped, values equal node-postgres, notices in headers', async () => {
    const r = await post('/v1/query', 'alice', { sql: TYPED }, ARROW);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.headers.get('content-type'), ARROW);
    const table = tableFromIPC(r.body);
    assert.deepEqual(
      table.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
      ['i:Int32', 'big:Int64', 'n:Utf8', 't:Utf8', 'd:Date32<DAY>', 'ts:Timestamp<MICROSECOND>', 'b:Bool', 'nul:Int32', 'f:Float64', 'tz:Timestamp<MICROSECOND, UTC>', 'x:Binary', `${MARK}:Int32`],
    );
    assert.equal(table.schema.fields[2]!.metadata.get('tollgate.pg_type'), 'numeric');
    const row = table.get(0)!.toJSON();
    assert.equal(row.i, 1);
    assert.equal(row.big, 9007199254740993n);
    assert.equal(row.n, '12.50');
    assert.equal(row.t, 'héllo "x"');
    assert.equal(row.d, Date.UTC(2024, 1, 29));
    assert.equal(row.ts, Date.UTC(2024, 1, 29, 13, 45, 6, 500));
    assert.equal(row.b, true);
    assert.equal(row.nul, null);
    assert.equal(row.f, 1.5);
    assert.equal(row.tz, Date.UTC(2024, 1, 29, 13, 45, 6));
    assert.deepEqual([...(row.x as Uint8Array)], [0, 255]);
  });

  it('Arrow: a table streams as record batches whose rows equal node-postgres', async () => {
    const sql = `SELECT booking_id, hotel_id, price_usd, checkin_date, booked_at, status FROM lake.bookings WHERE booking_id <= 3000 /* ${MARK} arrow */ ORDER BY booking_id`;
    const r = await post('/v1/query', 'alice', { sql }, ARROW);
    assert.equal(r.status, 200, r.body.toString());
    const notices = r.headers.get('x-tollgate-notice') ?? '';
    assert.match(decodeURIComponent(notices), /tollgate: ~.* to team growth/);
    const reader = RecordBatchReader.from(r.body);
    let rows = 0;
    let batches = 0;
    const got: unknown[][] = [];
    for (const batch of reader) {
      batches++;
      rows += batch.numRows;
      for (const rec of batch) got.push(batch.schema.fields.map((f) => rec[f.name]));
    }
    assert.ok(batches >= 1);
    const expected = await wire('alice', (c) => c.query({ text: sql, rowMode: 'array' }));
    assert.equal(rows, expected.rows.length);
    assert.ok(rows > 0);
    const fields = expected.fields.map((f) => f.dataTypeID);
    // Compare through one form: the wire's text for dates and timestamps, exact strings for numbers.
    const norm = (v: unknown, oid: number): unknown => {
      if (v === null) return null;
      if (oid === 1082) return new Date(v as number).toISOString().slice(0, 10);
      if (oid === 1114 || oid === 1184) return new Date(v as number).toISOString();
      return typeof v === 'bigint' ? v.toString() : v;
    };
    const wireNorm = (v: unknown, oid: number): unknown => {
      if (v === null) return null;
      if (oid === 1082) return v;
      if (oid === 1114) return new Date(`${String(v).replace(' ', 'T')}Z`).toISOString();
      if (oid === 1184) return new Date(String(v).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
      return v;
    };
    assert.deepEqual(
      got.map((row) => row.map((v, i) => norm(v, fields[i]!))),
      expected.rows.map((row: unknown[]) => row.map((v, i) => wireNorm(v, fields[i]!))),
    );
  });

  it('Arrow stream read by pyarrow', async (t) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import pyarrow'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('pyarrow is not importable by /usr/bin/python3 here (and apt offers no python3-pyarrow candidate); the stream is read with apache-arrow only');
      return;
    }
    const r = await post('/v1/query', 'alice', { sql: TYPED }, ARROW);
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, pyarrow.ipc as ipc; t = ipc.open_stream(sys.stdin.buffer.read()).read_all(); print(t.num_rows, t.schema.field("big").type, t.column("big")[0].as_py())'], {
      input: r.body,
      encoding: 'utf8',
    });
    assert.equal(py.status, 0, py.stderr);
    assert.equal(py.stdout.trim(), '1 int64 9007199254740993');
  });

  it('the ledger records HTTP queries like wire queries (application, cost, status)', async () => {
    // Two texts, so that the second is not a result-cache hit of the first.
    const sql = `SELECT count(*) AS ${MARK}_ledger_http FROM lake.hotels`;
    const r = await post('/v1/query', 'alice', { sql });
    assert.equal(r.status, 200, r.body.toString());
    await wire('alice', (c) => c.query(`SELECT count(*) AS ${MARK}_ledger_wire FROM lake.hotels`));
    const rows = await ledgerRows(`${MARK}_ledger`, 2);
    const http = rows.find((x) => x.application_name === 'tollgate-http')!;
    const viaWire = rows.find((x) => x.application_name !== 'tollgate-http')!;
    assert.deepEqual(
      [http.user_name, http.team, http.application_name, http.kind, http.status, Number(http.rows)],
      ['alice', 'growth', 'tollgate-http', 'query', 'ok', 1],
    );
    assert.ok(http.cost > 0);
    assert.equal(http.cost, viaWire.cost);
    assert.equal(http.billed, viaWire.billed);
  });

  it('POST /v1/estimate equals EXPLAIN (COST) and EXPLAIN over the wire, and bills nothing', async () => {
    const sql = `SELECT count(*) AS ${MARK}_estimate FROM lake.bookings WHERE booking_month = '2024-01'`;
    const r = await post('/v1/estimate', 'alice', { sql });
    assert.equal(r.status, 200, r.body.toString());
    const body = json(r);
    const [cost, plan] = await wire('alice', async (c) => [
      (await c.query({ text: `EXPLAIN (COST) ${sql}`, rowMode: 'array' })).rows,
      (await c.query({ text: `EXPLAIN ${sql}`, rowMode: 'array' })).rows,
    ]);
    const total = cost[cost.length - 1]!;
    assert.deepEqual(body.estimate, {
      bytes: Number(total[2]),
      billedBytes: Number(total[3]),
      cost: Number(total[4]),
      currency: total[5],
      tables: cost.slice(0, -1).map((t) => ({ table: t[0], engine: t[1], bytes: Number(t[2]), billedBytes: Number(t[3]), cost: Number(t[4]), pruned: t[5] })),
    });
    assert.ok(body.estimate.billedBytes > 0);
    assert.deepEqual(body.estimate.tables.map((t: { table: string }) => t.table), ['lake.bookings']);
    assert.deepEqual(body.route.explain, plan.map((p) => p[0]));
    assert.deepEqual(body.route.engines, ['lake']);
    const rows = await ledgerRows(`${MARK}_estimate`, 4);
    assert.ok(rows.every((x) => x.cost === 0 && x.billed === 0 && x.kind !== 'query'), JSON.stringify(rows));
    assert.ok(rows.some((x) => x.application_name === 'tollgate-http'));
  });

  it('an analyst reads only their team\'s ledger rows through /v1/query too', async () => {
    await wire('bob', (c) => c.query(`SELECT 1 AS ${MARK}_bob`));
    await ledgerRows(`${MARK}_bob`, 1);
    const r = await post('/v1/query', 'alice', { sql: `SELECT DISTINCT team FROM tollgate.queries /* ${MARK} teams */ ORDER BY team` });
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual(json(r).rows, [['growth']]);
    const admin = await post('/v1/query', 'admin', { sql: `SELECT DISTINCT team FROM tollgate.queries /* ${MARK} teams */ ORDER BY team` });
    assert.ok(json(admin).rows.length >= 2);
  });

  it('errors map like the wire: syntax 400, unknown table 400, no credentials 401, many statements 400', async () => {
    const syntax = await post('/v1/query', 'alice', { sql: 'SELEC 1' });
    assert.equal(syntax.status, 400);
    assert.deepEqual([json(syntax).error.code, json(syntax).error.sqlstate], ['SYNTAX_ERROR', '42601']);
    const unknown = await post('/v1/query', 'alice', { sql: 'SELECT * FROM lake.no_such_table' });
    assert.equal(unknown.status, 400, unknown.body.toString());
    assert.equal(json(unknown).error.sqlstate, '42P01');
    const two = await post('/v1/query', 'alice', { sql: 'SELECT 1; SELECT 2' });
    assert.equal(two.status, 400);
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":"SELECT 1"}' });
    assert.equal(res.status, 401);
    const extra = await post('/v1/query', 'alice', { sql: 'SELECT 1', rows: 5 });
    assert.equal(extra.status, 400);
  });

  it('a client that disconnects mid-stream cancels the statement (recorded as cancelled)', async () => {
    const sql = `SELECT a.booking_id AS ${MARK}_cancel FROM lake.bookings a, lake.bookings b`;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: gateway.httpPort, path: '/v1/query', method: 'POST', headers: { authorization: auth('alice'), 'content-type': 'application/json' } },
        (res) => {
          res.once('data', () => {
            // The first rows arrived: go away.
            req.destroy();
            resolve();
          });
          res.once('error', () => {});
        },
      );
      req.on('error', () => {});
      req.once('error', reject);
      req.end(JSON.stringify({ sql, maxRows: 10_000_000 }));
    });
    const [row] = await ledgerRows(`${MARK}_cancel`, 1);
    assert.equal(row.status, 'cancelled');
    assert.equal(row.sqlstate, '57014');
  });

  it('a budget refusal is 429 with BUDGET_EXCEEDED and 53400, as on the wire', async () => {
    const put = await fetch(`http://127.0.0.1:${gateway.httpPort}/v1/admin/teams/growth/budget`, {
      method: 'PUT',
      headers: { authorization: auth('admin'), 'content-type': 'application/json' },
      body: JSON.stringify({ monthly: 0.000000001 }),
    });
    assert.equal(put.status, 200, await put.text());
    try {
      // An instance trusts its list of budgeted teams for up to 2 s.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const sql = `SELECT count(*) AS ${MARK}_budget FROM lake.hotels`;
      const r = await post('/v1/query', 'alice', { sql });
      assert.equal(r.status, 429, r.body.toString());
      const err = json(r).error;
      assert.deepEqual([err.code, err.sqlstate], ['BUDGET_EXCEEDED', '53400']);
      const viaWire = await wire('alice', (c) => c.query(sql).then(() => null, (e: { code: string; message: string }) => e));
      assert.equal(viaWire?.code, '53400');
      assert.equal(err.message, viaWire?.message);
      const arrow = await post('/v1/query', 'alice', { sql }, ARROW);
      assert.equal(arrow.status, 429);
      const rows = await ledgerRows(`${MARK}_budget`, 3);
      assert.deepEqual(rows.map((x) => [x.status, x.cost]), [['refused', 0], ['refused', 0], ['refused', 0]]);
      assert.equal(rows[0]!.application_name, 'tollgate-http');
    } finally {
      await fetch(`http://127.0.0.1:${gateway.httpPort}/v1/admin/teams/growth/budget`, { method: 'DELETE', headers: { authorization: auth('admin') } });
    }
  });
});
