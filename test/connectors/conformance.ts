/**
 * The shared conformance suite: every connector runs it with a fixture written in its own dialect.
 *
 *   runConformance('duckdb', () => DuckDBConnector.create({...}), fixture)
 *
 * It checks the Connector contract as the layers above rely on it: canonical values and PostgreSQL
 * types, NULLs, large results streamed in bounded batches (and delivered before the statement ends),
 * cancellation (57014) before and during streaming, close() releasing the engine, coded errors,
 * the read-only guard, parameters, describe, health, and statements running side by side.
 * Capability-gated checks are skipped when the connector does not declare the capability.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connector, ResultStream, RowBatch } from '../../src/connectors/contract.ts';
import { GatewayError } from '../../src/errors/index.ts';
import type { PgValue } from '../../src/pgtypes/values.ts';

export interface TypeCase {
  /** A statement returning one row with one column. */
  sql: string;
  typeOid: number;
  /** Expected typmod; not checked when omitted. */
  typeModifier?: number;
  value: PgValue;
}

export interface ErrorCase {
  sql: string;
  sqlstate: string;
  /** Expected 1-based POSITION; not checked when omitted. */
  position?: number;
  /** A regular expression the message must match. */
  message?: RegExp;
  /** Expected HINT pattern. */
  hint?: RegExp;
}

export interface ParamCase {
  sql: string;
  params: PgValue[];
  paramTypes: number[];
  rows: PgValue[][];
}

export interface DescribeCase {
  sql: string;
  params: number[];
  columns: Array<{ name: string; typeOid: number; typeModifier?: number }>;
}

export interface ConformanceFixture {
  types: TypeCase[];
  /** One row in which every column is NULL (one column per type worth checking). */
  nulls: { sql: string; typeOids: number[] };
  /** `rows` rows whose first column is 0..rows-1 in order. */
  large: { sql: string; rows: number };
  /** Rows that keep coming for far longer than the test runs (streamed, never buffered whole). */
  endless: string;
  /** A statement that computes for a long time before its first row (cancel before the first batch). */
  slowFirstRow?: string;
  errors: ErrorCase[];
  /** Statements the read-only guard must refuse with 0A000. */
  writes: string[];
  params: ParamCase[];
  describe: DescribeCase[];
  /** Tables listTables() must include, with their columns (names and type OIDs) in order. */
  tables: Array<{ schema: string; name: string; comment?: string; columns: Array<{ name: string; typeOid: number; comment?: string }> }>;
}

export function query(sql: string, params: PgValue[] = [], paramTypes: number[] = params.map(() => 0)) {
  return { sql, params, paramTypes };
}

/** All rows of a stream, row-major. */
export async function collect(stream: ResultStream): Promise<{ rows: PgValue[][]; batches: number }> {
  const rows: PgValue[][] = [];
  let batches = 0;
  for await (const batch of stream) {
    batches++;
    rows.push(...toRows(batch));
  }
  return { rows, batches };
}

export function toRows(batch: RowBatch): PgValue[][] {
  const rows: PgValue[][] = [];
  for (let r = 0; r < batch.rowCount; r++) rows.push(batch.columns.map((c) => c[r]!));
  return rows;
}

export async function run(connector: Connector, sql: string, params: PgValue[] = [], paramTypes?: number[]) {
  const stream = await connector.execute(query(sql, params, paramTypes), { signal: new AbortController().signal });
  const { rows } = await collect(stream);
  return { columns: stream.columns, rows, summary: stream.summary() };
}

/** Runs the statement to the end and returns the GatewayError it produced (at execute or while streaming). */
export async function errorOf(connector: Connector, sql: string, signal = new AbortController().signal): Promise<GatewayError> {
  try {
    const stream = await connector.execute(query(sql), { signal });
    await collect(stream);
  } catch (e) {
    assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected '${sql}' to fail`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runConformance(label: string, makeConnector: () => Promise<Connector>, fixture: ConformanceFixture): void {
  describe(`connector conformance: ${label}`, () => {
    let c: Connector;
    before(async () => {
      c = await makeConnector();
    });
    after(async () => {
      await c?.close();
    });

    it('declares its name, kind and capabilities', () => {
      assert.equal(typeof c.name, 'string');
      assert.equal(typeof c.kind, 'string');
      for (const k of ['cancel', 'parameters', 'describe'] as const) assert.equal(typeof c.capabilities[k], 'boolean');
    });

    it('is healthy', async () => {
      const h = await c.health();
      assert.equal(h.ok, true, h.detail);
    });

    it('lists its tables with PostgreSQL types and comments', async () => {
      const tables = await c.listTables();
      for (const want of fixture.tables) {
        const got = tables.find((t) => t.schema === want.schema && t.name === want.name);
        assert.ok(got, `table ${want.schema}.${want.name} missing from listTables()`);
        if (want.comment !== undefined) assert.equal(got.comment, want.comment);
        assert.deepEqual(
          got.columns.map((col) => ({ name: col.name, typeOid: col.typeOid, ...(col.comment !== undefined && { comment: col.comment }) })),
          want.columns.map((col) => ({ name: col.name, typeOid: col.typeOid, ...(col.comment !== undefined && { comment: col.comment }) })),
        );
      }
    });

    describe('values come back canonical, with their PostgreSQL type', () => {
      for (const tc of fixture.types) {
        it(tc.sql, async () => {
          const { columns, rows } = await run(c, tc.sql);
          assert.equal(columns.length, 1);
          assert.equal(columns[0]!.typeOid, tc.typeOid, `type OID of ${tc.sql}`);
          if (tc.typeModifier !== undefined) assert.equal(columns[0]!.typeModifier, tc.typeModifier, `typmod of ${tc.sql}`);
          assert.equal(rows.length, 1);
          const v = rows[0]![0]!;
          assert.deepEqual(normalize(v), normalize(tc.value));
        });
      }
    });

    it('returns NULL as null for every type', async () => {
      const { columns, rows } = await run(c, fixture.nulls.sql);
      assert.deepEqual(
        columns.map((col) => col.typeOid),
        fixture.nulls.typeOids,
      );
      assert.equal(rows.length, 1);
      assert.ok(rows[0]!.every((v) => v === null), `non-null in ${JSON.stringify(rows[0], replacer)}`);
    });

    it('streams a large result in bounded batches, in order', async () => {
      const stream = await c.execute(query(fixture.large.sql), { signal: new AbortController().signal });
      let rows = 0;
      let batches = 0;
      let maxBatch = 0;
      for await (const batch of stream) {
        batches++;
        maxBatch = Math.max(maxBatch, batch.rowCount);
        const first = batch.columns[0]!;
        for (let r = 0; r < batch.rowCount; r++) {
          const v = first[r];
          if (Number(v) !== rows + r) assert.fail(`row ${rows + r} has first column ${String(v)}`);
        }
        rows += batch.rowCount;
      }
      assert.equal(rows, fixture.large.rows);
      assert.ok(batches > 1, 'a large result must arrive in several batches');
      assert.ok(maxBatch <= 65536, `batches must stay bounded (largest had ${maxBatch} rows)`);
      const s = stream.summary();
      assert.equal(s.rowCount, fixture.large.rows);
      assert.ok(s.elapsedMs >= 0);
    });

    it('delivers batches before the statement ends (no buffering of the whole result)', async () => {
      const stream = await withTimeout(
        c.execute(query(fixture.endless), { signal: new AbortController().signal }),
        5000,
        'execute of the endless statement',
      );
      const it = stream[Symbol.asyncIterator]();
      let rows = 0;
      for (let i = 0; i < 3; i++) {
        const r = await withTimeout(it.next(), 5000, 'a batch of the endless statement');
        assert.equal(r.done, false);
        rows += r.value.rowCount;
      }
      assert.ok(rows > 0);
      await withTimeout(stream.close(), 5000, 'close() of a running statement');
      const after = await it.next();
      assert.equal(after.done, true, 'a closed stream ends');
    });

    it('releases the engine when a stream is closed early, every time', async () => {
      for (let i = 0; i < 24; i++) {
        const stream = await withTimeout(
          c.execute(query(fixture.endless), { signal: new AbortController().signal }),
          5000,
          `execute #${i} (a previous close() did not release its connection?)`,
        );
        const it = stream[Symbol.asyncIterator]();
        await it.next();
        await stream.close();
      }
      assert.equal((await c.health()).ok, true);
    });

    it('runs a statement while another stream is stalled', async () => {
      const stalled = await c.execute(query(fixture.endless), { signal: new AbortController().signal });
      try {
        await stalled[Symbol.asyncIterator]().next();
        const { rows } = await withTimeout(run(c, fixture.types[0]!.sql), 5000, 'a statement beside a stalled stream');
        assert.equal(rows.length, 1);
      } finally {
        await stalled.close();
      }
    });

    it('runs several statements concurrently', async () => {
      const count = async () => {
        const stream = await c.execute(query(fixture.large.sql), { signal: new AbortController().signal });
        let rows = 0;
        for await (const batch of stream) rows += batch.rowCount;
        return rows;
      };
      const results = await Promise.all(Array.from({ length: 3 }, count));
      assert.deepEqual(results, Array(3).fill(fixture.large.rows));
    });

    describe('errors carry SQLSTATEs', () => {
      for (const ec of fixture.errors) {
        it(`${ec.sqlstate}: ${ec.sql}`, async () => {
          const e = await errorOf(c, ec.sql);
          assert.equal(e.sqlstate, ec.sqlstate, `${e.code}: ${e.message}`);
          assert.ok(e.message.length > 0);
          assert.doesNotMatch(e.message, /^[A-Za-z ]+ Error: /, 'engine class prefix stripped');
          assert.doesNotMatch(e.message, /LINE \d+:/, 'caret drawing stripped');
          if (ec.position !== undefined) assert.equal(e.position, ec.position, 'POSITION');
          if (ec.message) assert.match(e.message, ec.message);
          if (ec.hint) assert.match(e.hint ?? '', ec.hint);
        });
      }
    });

    describe('refuses writes: tollgate is read-only', () => {
      for (const sql of fixture.writes) {
        it(sql, async () => {
          const e = await errorOf(c, sql);
          assert.equal(e.sqlstate, '0A000', `${e.code}: ${e.message}`);
        });
      }
    });

    describe('cancellation', () => {
      it('rejects at once when the signal is already aborted', async (t) => {
        if (!c.capabilities.cancel) return t.skip('no cancel capability');
        const ac = new AbortController();
        ac.abort();
        const e = await errorOf(c, fixture.types[0]!.sql, ac.signal);
        assert.equal(e.sqlstate, '57014');
      });

      it('cancels mid-stream with 57014 and releases the engine', async (t) => {
        if (!c.capabilities.cancel) return t.skip('no cancel capability');
        for (let round = 0; round < 3; round++) {
          const ac = new AbortController();
          const stream = await c.execute(query(fixture.endless), { signal: ac.signal });
          const it = stream[Symbol.asyncIterator]();
          assert.equal((await it.next()).done, false);
          ac.abort();
          const e = await withTimeout(
            (async () => {
              try {
                for (let i = 0; i < 1_000_000; i++) if ((await it.next()).done) break;
              } catch (err) {
                return err;
              }
              return undefined;
            })(),
            5000,
            'cancellation',
          );
          assert.ok(e instanceof GatewayError, `a canceled stream must reject, got ${String(e)}`);
          assert.equal(e.sqlstate, '57014');
          assert.equal(e.message, 'canceling statement due to user request');
          await stream.close();
        }
        const { rows } = await run(c, fixture.types[0]!.sql);
        assert.equal(rows.length, 1, 'the engine still answers after cancellations');
      });

      it('cancels a stalled stream whose reader comes back later', async (t) => {
        if (!c.capabilities.cancel) return t.skip('no cancel capability');
        const ac = new AbortController();
        const stream = await c.execute(query(fixture.endless), { signal: ac.signal });
        const it = stream[Symbol.asyncIterator]();
        await it.next();
        ac.abort();
        await sleep(50);
        await assert.rejects(
          (async () => {
            for (;;) if ((await it.next()).done) break;
          })(),
          (e: unknown) => e instanceof GatewayError && e.sqlstate === '57014',
        );
      });

      it('cancels a statement that has not produced its first row', async (t) => {
        if (!c.capabilities.cancel || fixture.slowFirstRow === undefined) return t.skip('no slow statement given');
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 300);
        const started = performance.now();
        const e = await withTimeout(errorOf(c, fixture.slowFirstRow, ac.signal), 10000, 'cancellation before the first row');
        assert.equal(e.sqlstate, '57014');
        assert.ok(performance.now() - started < 8000);
      });
    });

    describe('parameters', () => {
      for (const pc of fixture.params) {
        it(`${pc.sql} with ${JSON.stringify(pc.params, replacer)}`, async (t) => {
          if (!c.capabilities.parameters) return t.skip('no parameters capability');
          const { rows } = await run(c, pc.sql, pc.params, pc.paramTypes);
          assert.deepEqual(normalize(rows), normalize(pc.rows));
        });
      }
    });

    describe('describe', () => {
      for (const dc of fixture.describe) {
        it(dc.sql, async (t) => {
          if (!c.capabilities.describe) return t.skip('no describe capability');
          const d = await c.describe(query(dc.sql, [], []));
          assert.deepEqual(d.params, dc.params);
          assert.deepEqual(
            d.columns.map((col) => ({
              name: col.name,
              typeOid: col.typeOid,
              ...(dc.columns.some((w) => w.typeModifier !== undefined) && { typeModifier: col.typeModifier }),
            })),
            dc.columns.map((col) => ({
              name: col.name,
              typeOid: col.typeOid,
              ...(dc.columns.some((w) => w.typeModifier !== undefined) && { typeModifier: col.typeModifier ?? -1 }),
            })),
          );
        });
      }
    });
  });
}

/** Typed arrays and Buffers compare as plain arrays / Uint8Arrays. */
export function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, normalize);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  }
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  return v;
}

export function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
