/**
 * node-postgres (pg 8, pg-cursor 2) against the wire target: tollgate by default, a real PostgreSQL 15 with
 * TOLLGATE_WIRE_TARGET=postgres. The queries are constant and mean the same in PostgreSQL and DuckDB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import {
  RAW_TYPES,
  backendKey,
  connectClient,
  connectError,
  protocolEvents,
  queryError,
  sendCancelRequest,
  dataRowFields,
  rowDescription,
  tapBackend,
  withClient,
  type BinaryArrayQueryConfig,
} from '../helpers/pg-client.ts';
import { gap } from '../helpers/known-gaps.ts';
import { EDGE_CASES, HUNDRED_K, LONG_QUERY, TYPE_CASES, selectOf, type TypeCase } from '../helpers/sql.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const skip = targetSkipReason();

describe(`node-postgres against ${targetKind()}`, { skip }, () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });

  describe('connection', () => {
    it('authenticates with SCRAM-SHA-256 and reports PostgreSQL 15 session parameters', async () => {
      const client = new pg.Client(target.clientConfig('alice'));
      const events = protocolEvents(client);
      const params: Record<string, string> = {};
      let mechanisms: string[] = [];
      events.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
        params[m.parameterName] = m.parameterValue;
      });
      events.on('authenticationSASL', (m: { mechanisms: string[] }) => {
        mechanisms = m.mechanisms;
      });
      await client.connect();
      try {
        assert.ok(mechanisms.includes('SCRAM-SHA-256'), `SASL mechanisms offered: ${mechanisms.join(', ')}`);
        assert.match(params.server_version ?? '', /^15(\.|$)/);
        assert.equal(params.server_encoding, 'UTF8');
        assert.equal(params.client_encoding, 'UTF8');
        assert.equal(params.DateStyle, 'ISO, MDY');
        assert.equal(params.integer_datetimes, 'on');
        assert.equal(params.standard_conforming_strings, 'on');
        assert.ok(['UTC', 'Etc/UTC'].includes(params.TimeZone ?? ''), `TimeZone ${params.TimeZone}`);
        const key = backendKey(client);
        assert.ok(Number.isInteger(key.processID) && Number.isInteger(key.secretKey));
        const r = await client.query('select current_user as u');
        assert.deepEqual(r.rows, [{ u: 'alice' }]);
      } finally {
        await client.end();
      }
    });

    it('every demo user can log in with its password', async () => {
      for (const user of ['alice', 'bob', 'carol', 'admin']) {
        const r = await withClient(target, (c) => c.query('select 1 as one'), user);
        assert.deepEqual(r.rows, [{ one: 1 }], user);
      }
    });

    it('serves several connections at once', async () => {
      const clients = await Promise.all(Array.from({ length: 6 }, () => connectClient(target)));
      try {
        const results = await Promise.all(clients.map((c, n) => c.query('select $1::int4 * 2 as v', [n])));
        assert.deepEqual(results.map((r) => r.rows[0].v), [0, 2, 4, 6, 8, 10]);
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    });

    it('wrong password → 28P01', async () => {
      const err = await connectError(target.clientConfig('alice', 'not-alice'));
      assert.equal(err.code, '28P01', err.message);
    });

    it('unknown user → 28P01 (same answer as a wrong password)', async () => {
      const err = await connectError(target.clientConfig('mallory', 'mallory'));
      assert.equal(err.code, '28P01', err.message);
    });

    it('unknown database → 3D000', async () => {
      const err = await connectError({ ...target.clientConfig('alice'), database: 'no_such_db' });
      assert.equal(err.code, '3D000', err.message);
    });

    it("SSLRequest is refused with 'N' when TLS is not configured", async () => {
      const err = await connectError({ ...target.clientConfig('alice'), ssl: { rejectUnauthorized: false } });
      assert.equal(err.message, 'The server does not support SSL connections');
      // ...and the same server still takes plaintext connections.
      const r = await withClient(target, (c) => c.query('select 1 as one'));
      assert.equal(r.rows[0].one, 1);
    });
  });

  describe('simple query protocol', () => {
    it('returns rows, fields and the command tag', async () => {
      await withClient(target, async (c) => {
        const r = await c.query("select 1::int4 as a, 'two'::text as b union all select 3::int4, 'four'::text");
        assert.equal(r.command, 'SELECT');
        assert.equal(r.rowCount, 2);
        assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['a', 23], ['b', 25]]);
        assert.deepEqual(r.rows, [{ a: 1, b: 'two' }, { a: 3, b: 'four' }]);
      });
    });

    it('a query with no rows still describes its columns', async () => {
      await withClient(target, async (c) => {
        const r = await c.query('select 1::int4 as a, 2::int8 as b where 1 = 0');
        assert.equal(r.command, 'SELECT');
        assert.equal(r.rowCount, 0);
        assert.deepEqual(r.rows, []);
        assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['a', 23], ['b', 20]]);
      });
    });

    it('runs several statements in one query string', async () => {
      await withClient(target, async (c) => {
        const results = (await c.query("select 1::int4 as a; select 'two'::text as b, 3::int4 as c; select 4::int4 as d")) as unknown as pg.QueryResult[];
        assert.ok(Array.isArray(results), 'node-postgres returns an array of results for a multi-statement string');
        assert.deepEqual(results.map((r) => r.rows), [[{ a: 1 }], [{ b: 'two', c: 3 }], [{ d: 4 }]]);
        assert.deepEqual(results.map((r) => r.command), ['SELECT', 'SELECT', 'SELECT']);
      });
    });

    it('stops a multi-statement string at the first error; the connection stays usable', async () => {
      await withClient(target, async (c) => {
        const err = await queryError(c, 'select 1::int4 as a; select * from no_such_table; select 3::int4 as c');
        assert.equal(err.code, '42P01');
        const r = await c.query('select 5::int4 as e');
        assert.deepEqual(r.rows, [{ e: 5 }]);
      });
    });

    it('answers an empty query string with EmptyQueryResponse', async () => {
      await withClient(target, async (c) => {
        for (const q of ['', '   ', ';']) {
          const r = await c.query(q);
          assert.equal(r.command, null, JSON.stringify(q));
          assert.deepEqual(r.rows, [], JSON.stringify(q));
        }
        const r = await c.query('select 1::int4 as a');
        assert.deepEqual(r.rows, [{ a: 1 }]);
      });
    });

    it('returns 100k rows in one query', async () => {
      await withClient(target, async (c) => {
        const r = await c.query(HUNDRED_K);
        assert.equal(r.rowCount, 100_000);
        assert.deepEqual(r.rows[0], { i: 1, d: 1.5, s: 'row 1' });
        assert.deepEqual(r.rows[99_999], { i: 100_000, d: 150_000, s: 'row 100000' });
        let sum = 0;
        for (const row of r.rows) sum += row.i;
        assert.equal(sum, (100_000 * 100_001) / 2);
      });
    });
  });

  describe('extended query protocol', () => {
    it('binds text parameters of several types', async () => {
      await withClient(target, async (c) => {
        const r = await c.query(
          `select $1::int4 + 1 as a, $2::text || '!' as b, $3::int8 as c, $4::float8 * 2 as d, $5::numeric(10,2) as e,
                  $6::bool as f, $7::date as g, $8::timestamp as h, $9::uuid as i, $10::text as j`,
          [41, 'héllo', '9223372036854775807', 1.25, '12.34', true, '2024-01-02', '2024-01-02 03:04:05.678', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null],
        );
        assert.deepEqual(r.rows, [
          {
            a: 42,
            b: 'héllo!',
            c: '9223372036854775807',
            d: 2.5,
            e: '12.34',
            f: true,
            g: new Date(2024, 0, 2),
            h: new Date(2024, 0, 2, 3, 4, 5, 678),
            i: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
            j: null,
          },
        ]);
      });
    });

    it('uses parameters in WHERE and LIMIT', async () => {
      await withClient(target, async (c) => {
        const r = await c.query('select i::int4 as i from generate_series(1, 100) as t(i) where i > $1 and i <= $2 limit $3', [10, 50, 3]);
        assert.deepEqual(r.rows.map((x) => x.i), [11, 12, 13]);
      });
    });

    it('round-trips a bytea parameter (node-postgres sends Buffers in binary format)', async () => {
      await withClient(target, async (c) => {
        const bytes = Buffer.from('deadbeef00ff', 'hex');
        const r = await c.query('select $1::bytea as b', [bytes]);
        assert.deepEqual(r.rows[0].b, bytes);
        const raw = await c.query({ text: 'select $1::bytea as b', values: [bytes], rowMode: 'array', types: RAW_TYPES });
        assert.equal(raw.rows[0][0], '\\xdeadbeef00ff');
      });
    });

    it('reuses named prepared statements', async () => {
      await withClient(target, async (c) => {
        const parses: string[] = [];
        protocolEvents(c).on('parseComplete', () => parses.push('parse'));
        for (let n = 0; n < 5; n++) {
          const a = await c.query({ name: 'plus_one', text: 'select $1::int4 + 1 as n', values: [n] });
          assert.deepEqual(a.rows, [{ n: n + 1 }]);
          const b = await c.query({ name: 'concat', text: "select $1::text || '-' || $2::text as s", values: [`a${n}`, `b${n}`] });
          assert.deepEqual(b.rows, [{ s: `a${n}-b${n}` }]);
        }
        // node-postgres parses each named statement once, then only Binds and Executes it.
        assert.equal(parses.length, 2);
      });
    });

    it('a query with no rows still describes its columns', async () => {
      await withClient(target, async (c) => {
        const r = await c.query('select $1::int4 as a, 2::int8 as b where 1 = 0', [1]);
        assert.equal(r.rowCount, 0);
        assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['a', 23], ['b', 20]]);
      });
    });
  });

  describe('types', () => {
    it('decodes every basic type to the expected JavaScript value', async () => {
      await withClient(target, async (c) => {
        const r = await c.query(selectOf(TYPE_CASES));
        assert.deepEqual(r.rows, [
          {
            c_int2: 1,
            c_int4: 2,
            c_int8: '3',
            c_float4: 1.5,
            c_float8: 2.5,
            c_numeric: '12.34',
            c_text: 'x',
            c_bool: true,
            c_date: new Date(2024, 0, 2),
            c_timestamp: new Date(2024, 0, 2, 3, 4, 5, 678),
            c_timestamptz: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
            c_bytea: Buffer.from('abc'),
            c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          },
        ]);
      });
    });

    for (const [label, cases] of [['basic', TYPE_CASES], ['edge', EDGE_CASES]] as const) {
      it(`sends the exact type OIDs and text forms (${label} values)`, async () => {
        await withClient(target, async (c) => {
          const r = await c.query({ text: selectOf(cases), rowMode: 'array', types: RAW_TYPES });
          assertColumns(r, cases);
          assert.deepEqual(r.fields.map((f) => f.format), cases.map(() => 'text'));
          assert.deepEqual(
            Object.fromEntries(cases.map((tc, n) => [tc.name, r.rows[0][n]])),
            Object.fromEntries(cases.map((tc) => [tc.name, tc.text])),
          );
        });
      });

      it(`sends the exact binary forms when the client asks for binary results (${label} values)`, async () => {
        await withClient(target, async (c) => {
          // node-postgres decodes binary fields as UTF-8 text, so read the bytes off the socket instead.
          const tap = tapBackend(c);
          const q: BinaryArrayQueryConfig = { text: selectOf(cases), rowMode: 'array', types: RAW_TYPES, binary: true, queryMode: 'extended' };
          await c.query(q);
          const desc = tap.messages().filter((m) => m.type === 'T');
          const rows = tap.messages().filter((m) => m.type === 'D');
          assert.equal(desc.length, 1);
          assert.equal(rows.length, 1);
          assert.deepEqual(
            rowDescription(desc[0].body).map((f) => [f.name, f.oid, f.format]),
            cases.map((tc) => [tc.name, tc.oid, 1]),
          );
          const fields = dataRowFields(rows[0].body);
          assert.deepEqual(
            Object.fromEntries(cases.map((tc, n) => [tc.name, fields[n]?.toString('hex') ?? null])),
            Object.fromEntries(cases.map((tc) => [tc.name, tc.binary])),
          );
        });
      });
    }

    it('decodes edge values to the expected JavaScript values', async () => {
      await withClient(target, async (c) => {
        const r = await c.query(selectOf(EDGE_CASES));
        const row = r.rows[0];
        assert.equal(row.e_int2_min, -32768);
        assert.equal(row.e_int4_min, -2147483648);
        assert.equal(row.e_int8_max, '9223372036854775807');
        assert.equal(row.e_int8_min, '-9223372036854775808');
        assert.equal(row.e_float4, 0.1);
        assert.equal(row.e_float8, 0.1);
        assert.equal(row.e_numeric_neg, '-12345678.901');
        assert.equal(row.e_text_utf8, 'héllo ✓');
        assert.equal(row.e_text_empty, '');
        assert.equal(row.e_bool_false, false);
        assert.deepEqual(row.e_date_1999, new Date(1999, 11, 31));
        assert.deepEqual(row.e_timestamptz_offset, new Date(Date.UTC(2024, 5, 30, 21, 59, 59, 500)));
        assert.deepEqual(row.e_bytea_empty, Buffer.alloc(0));
        assert.equal(row.e_null_int4, null);
        assert.equal(row.e_null_text, null);
      });
    });
  });

  describe('errors', () => {
    it('syntax error → 42601 with the position of the offending token', async () => {
      await withClient(target, async (c) => {
        const err = await queryError(c, 'select 1,, 2');
        assert.equal(err.code, '42601', err.message);
        assert.equal(err.severity, 'ERROR');
        assert.equal(err.position, '10', `position of the second comma; message: ${err.message}`);
        assert.match(err.message, /syntax error/);
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('syntax error at the end of the input → 42601 pointing just past the last character', async () => {
      await withClient(target, async (c) => {
        const err = await queryError(c, 'select 1 +');
        assert.equal(err.code, '42601', err.message);
        assert.match(err.message, /syntax error at end of input/);
        assert.equal(err.position, '11');
      });
    });

    it('a statement that is not SQL at all → 42601 at its first word, never run anywhere', async () => {
      await withClient(target, async (c) => {
        const err = await queryError(c, 'please count the hotels');
        assert.equal(err.code, '42601', err.message);
        assert.equal(err.position, '1');
      });
    });

    it('unknown table → 42P01', async () => {
      await withClient(target, async (c) => {
        const err = await queryError(c, 'select * from no_such_table');
        assert.equal(err.code, '42P01', err.message);
        assert.match(err.message, /no_such_table/);
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('division by zero → 22012', { todo: gap('division by zero → 22012') }, async () => {
      // DuckDB itself answers 1/0 with NULL or Infinity: the gateway has to raise this one.
      await withClient(target, async (c) => {
        const err = await queryError(c, 'select 1 / 0 as x');
        assert.equal(err.code, '22012', err.message);
        assert.equal(err.message, 'division by zero');
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('integer overflow → 22003, bad text for a type → 22P02', async () => {
      await withClient(target, async (c) => {
        assert.equal((await queryError(c, 'select 2147483647::int4 + 1 as x')).code, '22003');
        assert.equal((await queryError(c, "select 'abc'::int4 as x")).code, '22P02');
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('errors in the extended protocol (parse, bind, execute) leave the connection usable', async () => {
      await withClient(target, async (c) => {
        assert.equal((await queryError(c, 'select $1::int4 from no_such_table', [1])).code, '42P01');
        assert.equal((await queryError(c, 'select $1::int4 as x', ['not a number'])).code, '22P02');
        assert.equal((await queryError(c, 'select $1::int4 + 1 as x', [2147483647])).code, '22003');
        assert.equal((await queryError(c, { name: 'broken', text: 'selec $1' }, [1])).code, '42601');
        assert.deepEqual((await c.query({ name: 'fine', text: 'select $1::int4 as a', values: [7] })).rows, [{ a: 7 }]);
        assert.deepEqual((await c.query('select 8::int4 as a')).rows, [{ a: 8 }]);
      });
    });
  });

  describe('transactions', () => {
    it('reports the transaction status in ReadyForQuery through BEGIN/COMMIT/ROLLBACK', async () => {
      await withClient(target, async (c) => {
        // node-postgres settles a failed query on ErrorResponse, before ReadyForQuery: wait for the latter.
        const status = async (run: () => Promise<unknown>): Promise<string> => {
          const ready = new Promise<string>((res) => protocolEvents(c).once('readyForQuery', (m: { status: string }) => res(m.status)));
          await run().catch(() => {});
          return ready;
        };
        const ok = (q: string, values?: unknown[]) => () => c.query(q, values);
        const fails = (q: string, code: string) => async () => assert.equal((await queryError(c, q)).code, code);

        assert.equal(await status(ok('select 1::int4 as a')), 'I');
        assert.equal(await status(async () => assert.equal((await c.query('begin')).command, 'BEGIN')), 'T');
        assert.equal(await status(ok('select 2::int4 as a')), 'T');
        assert.equal(await status(ok('select $1::int4 as a', [3])), 'T');
        assert.equal(await status(async () => assert.equal((await c.query('commit')).command, 'COMMIT')), 'I');

        assert.equal(await status(ok('begin')), 'T');
        assert.equal(await status(fails('select * from no_such_table', '42P01')), 'E');
        // In a failed transaction every statement but ROLLBACK/COMMIT is refused with 25P02.
        assert.equal(await status(fails('select 1::int4 as a', '25P02')), 'E');
        assert.equal(await status(async () => assert.equal((await c.query('rollback')).command, 'ROLLBACK')), 'I');

        assert.equal(await status(ok('start transaction')), 'T');
        assert.equal(await status(ok('rollback')), 'I');
        assert.deepEqual((await c.query('select 4::int4 as a')).rows, [{ a: 4 }]);
      });
    });

    it('COMMIT of a failed transaction answers ROLLBACK', async () => {
      await withClient(target, async (c) => {
        await c.query('begin');
        await queryError(c, 'select * from no_such_table');
        assert.equal((await c.query('commit')).command, 'ROLLBACK');
      });
    });
  });

  describe('pg-cursor (Execute with a row limit, PortalSuspended)', () => {
    it('reads 100k rows in chunks of 1000', async () => {
      await withClient(target, async (c) => {
        const suspended: number[] = [];
        protocolEvents(c).on('portalSuspended', () => suspended.push(1));
        const cursor = c.query(new Cursor(HUNDRED_K));
        let expected = 1;
        let chunks = 0;
        for (;;) {
          const rows = await cursor.read(1000);
          if (rows.length === 0) break;
          assert.equal(rows.length, 1000, `chunk ${chunks}`);
          for (const row of rows) {
            assert.deepEqual(row, { i: expected, d: expected * 1.5, s: `row ${expected}` });
            expected++;
          }
          chunks++;
        }
        await cursor.close();
        assert.equal(chunks, 100);
        assert.equal(expected, 100_001);
        assert.ok(suspended.length >= 99, `PortalSuspended seen ${suspended.length} times`);
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('can be closed before the end; the connection stays usable', async () => {
      await withClient(target, async (c) => {
        const cursor = c.query(new Cursor('select i::int4 as i from generate_series(1, 100000) as t(i) where i > $1', [10]));
        const rows = await cursor.read(5);
        assert.deepEqual(rows.map((r) => r.i), [11, 12, 13, 14, 15]);
        await cursor.close();
        assert.deepEqual((await c.query('select 2::int4 as a')).rows, [{ a: 2 }]);
      });
    });
  });

  describe('cancel', () => {
    it('a CancelRequest with the BackendKeyData stops a long query with 57014; a wrong key does not', async () => {
      await withClient(target, async (c) => {
        const { processID, secretKey } = backendKey(c);
        const started = Date.now();
        let settled = false;
        const running = queryError(c, LONG_QUERY).finally(() => (settled = true));
        await sleep(300);
        await sendCancelRequest(target.host, target.port, processID, secretKey ^ 0x5a5a5a5a);
        await sleep(700);
        assert.equal(settled, false, 'a CancelRequest with the wrong secret key must be ignored');
        await sendCancelRequest(target.host, target.port, processID, secretKey);
        const err = await running;
        assert.equal(err.code, '57014', err.message);
        assert.equal(err.message, 'canceling statement due to user request');
        assert.ok(Date.now() - started < 10_000, 'cancelled promptly');
        assert.deepEqual((await c.query('select 1::int4 as a')).rows, [{ a: 1 }]);
      });
    });

    it('cancels a query running in the extended protocol', async () => {
      await withClient(target, async (c) => {
        const { processID, secretKey } = backendKey(c);
        const running = queryError(c, `${LONG_QUERY} where a.i > $1`, [0]);
        await sleep(300);
        await sendCancelRequest(target.host, target.port, processID, secretKey);
        assert.equal((await running).code, '57014');
        assert.deepEqual((await c.query('select $1::int4 as a', [1])).rows, [{ a: 1 }]);
      });
    });
  });
});

function assertColumns(r: pg.QueryResult, cases: readonly TypeCase[]): void {
  assert.deepEqual(
    r.fields.map((f) => [f.name, f.dataTypeID]),
    cases.map((tc) => [tc.name, tc.oid]),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
