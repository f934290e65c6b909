import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo } from '../../../src/connectors/contract.ts';
import { arrowColumn, arrowSchema } from '../../../src/http/query/arrow-columns.ts';
import { ArrowIpcEncoder } from '../../../src/http/query/arrow-stream.ts';
import { columnJson, jsonEncoder, nullable } from '../../../src/http/query/json-values.ts';
import { asciiHeader } from '../../../src/http/routes/query.ts';
import { DEFAULT_OUTPUT_SETTINGS, OID, TIMESTAMP_POS_INFINITY, type PgValue } from '../../../src/pgtypes/index.ts';

const S = DEFAULT_OUTPUT_SETTINGS;
const json = (oid: number, v: PgValue) => nullable(jsonEncoder(oid, S))(v);
const col = (name: string, typeOid: number): ColumnInfo => ({ name, typeOid, typeModifier: -1 });

describe('JSON values of POST /v1/query', () => {
  it('numbers stay numbers where JSON can hold them exactly; int8 and numeric are strings', () => {
    assert.equal(json(OID.int4, 7), 7);
    assert.equal(json(OID.int2, -3), -3);
    assert.equal(json(OID.int8, 9007199254740993n), '9007199254740993');
    assert.equal(json(OID.numeric, '12.50'), '12.50');
    assert.equal(json(OID.float8, 0.1), 0.1);
    // A float4 held as the nearest double prints as PostgreSQL does.
    assert.equal(json(OID.float4, Math.fround(1.1)), 1.1);
    assert.deepEqual([json(OID.float8, NaN), json(OID.float8, Infinity), json(OID.float4, -Infinity)], ['NaN', 'Infinity', '-Infinity']);
  });

  it('booleans, null, text; dates and timestamps as PostgreSQL text (DateStyle ISO); bytea as \\x hex', () => {
    assert.equal(json(OID.bool, true), true);
    assert.equal(json(OID.bool, false), false);
    assert.equal(json(OID.text, null), null);
    assert.equal(json(OID.text, 'a"b'), 'a"b');
    assert.equal(json(OID.date, 19782), '2024-02-29');
    assert.equal(json(OID.date, Infinity), 'infinity');
    assert.equal(json(OID.timestamp, 1709214306500000n), '2024-02-29 13:45:06.5');
    assert.equal(json(OID.timestamptz, 1709214306000000n), '2024-02-29 13:45:06+00');
    assert.equal(json(OID.timestamp, TIMESTAMP_POS_INFINITY), 'infinity');
    assert.equal(json(OID.bytea, new Uint8Array([0, 255])), '\\x00ff');
    assert.equal(nullable(jsonEncoder(OID.bytea, { ...S, byteaOutput: 'escape' }))(new Uint8Array([65])), '\\x41');
    assert.equal(json(OID.interval, { months: 1, days: 2, micros: 3_000_000n }), '1 mon 2 days 00:00:03');
    assert.equal(json(OID.uuid, '0000-x'), '0000-x');
  });

  it('arrays become JSON arrays of their elements\' forms, nested and with nulls', () => {
    assert.deepEqual(json(OID._int8, [1n, null, 3n]), ['1', null, '3']);
    assert.deepEqual(json(OID._int4, [[1, 2], [3, null]]), [[1, 2], [3, null]]);
    assert.deepEqual(json(OID._date, [0]), ['1970-01-01']);
  });

  it('columns name their pg_type', () => {
    assert.deepEqual(columnJson(col('a', OID.timestamptz)), { name: 'a', type: 'timestamptz', typeOid: 1184 });
    assert.deepEqual(columnJson(col('b', 999_999)), { name: 'b', type: 'unknown', typeOid: 999_999 });
  });
});

describe('Arrow IPC stream of POST /v1/query', () => {
  const columns = [
    col('i2', OID.int2),
    col('i4', OID.int4),
    col('i8', OID.int8),
    col('f4', OID.float4),
    col('f8', OID.float8),
    col('n', OID.numeric),
    col('t', OID.text),
    col('b', OID.bool),
    col('d', OID.date),
    col('ts', OID.timestamp),
    col('tz', OID.timestamptz),
    col('x', OID.bytea),
    col('iv', OID.interval),
  ];
  const rows: PgValue[][] = [
    [1, 2, 2n ** 62n, 1.5, 0.1, '12.50', 'héllo', true, 19782, 1709214306500000n, 0n, new Uint8Array([0, 255]), { months: 0, days: 1, micros: 0n }],
    [null, null, null, null, null, null, null, null, null, null, null, null, null],
    [-1, -2, -5n, NaN, -Infinity, 'NaN', '', false, Infinity, TIMESTAMP_POS_INFINITY, -1n, new Uint8Array(), { months: 0, days: 0, micros: 1n }],
  ];
  const batchOf = (rs: PgValue[][]) => ({ rowCount: rs.length, columns: columns.map((_, c) => rs.map((r) => r[c]!)) });

  function encode(batches: PgValue[][][], notices: string[] = []): Buffer {
    const arrow = columns.map((c) => arrowColumn(c, DEFAULT_OUTPUT_SETTINGS));
    const encoder = new ArrowIpcEncoder(arrowSchema(arrow, notices), arrow);
    const parts = [encoder.start()];
    for (const b of batches) parts.push(encoder.batch(batchOf(b), 0, b.length));
    parts.push(encoder.end());
    return Buffer.concat(parts);
  }

  it('maps the types and keeps values exact (int8 and timestamps as 64-bit integers)', () => {
    const table = tableFromIPC(encode([rows], ['tollgate: ~1 KiB']));
    assert.deepEqual(
      table.schema.fields.map((f) => String(f.type)),
      ['Int16', 'Int32', 'Int64', 'Float32', 'Float64', 'Utf8', 'Utf8', 'Bool', 'Date32<DAY>', 'Timestamp<MICROSECOND>', 'Timestamp<MICROSECOND, UTC>', 'Binary', 'Utf8'],
    );
    assert.deepEqual(table.schema.fields.map((f) => f.metadata.get('tollgate.pg_type')), ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'bool', 'date', 'timestamp', 'timestamptz', 'bytea', 'interval']);
    assert.equal(table.schema.metadata.get('tollgate.notices'), '["tollgate: ~1 KiB"]');
    const [a, nulls] = table.toArray().slice(0, 2).map((r) => r.toJSON());
    // Row 3 column by column: apache-arrow cannot turn INT64 max microseconds into a JS number.
    const c = Object.fromEntries(['b', 't', 'n', 'f4', 'f8'].map((name) => [name, table.getChild(name)!.get(2)]));
    assert.equal(a!.i8, 2n ** 62n);
    assert.equal(a!.f4, 1.5);
    assert.equal(a!.n, '12.50');
    assert.equal(a!.t, 'héllo');
    assert.equal(a!.d, Date.UTC(2024, 1, 29));
    assert.equal(a!.ts, Date.UTC(2024, 1, 29, 13, 45, 6, 500));
    assert.deepEqual([...(a!.x as Uint8Array)], [0, 255]);
    assert.equal(a!.iv, '1 day');
    assert.ok(Object.values(nulls!).every((v) => v === null));
    assert.equal(c.b, false);
    assert.equal(c.t, '');
    assert.equal(c.n, 'NaN');
    assert.ok(Number.isNaN(c.f4));
    assert.equal(c.f8, -Infinity);
    // ±infinity dates as INT32 max (PostgreSQL's binary form); timestamps keep their INT64 sentinels.
    assert.equal(table.getChild('d')!.data[0]!.values[2], 2 ** 31 - 1);
    assert.equal(table.getChild('ts')!.data[0]!.values[2], TIMESTAMP_POS_INFINITY);
    assert.equal(table.getChild('i8')!.data[0]!.values[2], -5n);
  });

  it('one record batch per engine batch, and a result without rows is a schema and end of stream', () => {
    const table = tableFromIPC(encode([rows.slice(0, 1), rows.slice(1)]));
    assert.equal(table.batches.length, 2);
    assert.equal(table.numRows, 3);
    const empty = tableFromIPC(encode([]));
    assert.equal(empty.numRows, 0);
    assert.equal(empty.schema.fields.length, columns.length);
  });

  it('a slice of an engine batch', () => {
    const arrow = columns.map((c) => arrowColumn(c, DEFAULT_OUTPUT_SETTINGS));
    const encoder = new ArrowIpcEncoder(arrowSchema(arrow, []), arrow);
    const bytes = Buffer.concat([encoder.start(), encoder.batch(batchOf(rows), 1, 3), encoder.end()]);
    const table = tableFromIPC(bytes);
    assert.deepEqual(table.toArray().map((r) => r.i4), [null, -2]);
  });
});

describe('X-Tollgate-Notice', () => {
  it('printable ASCII stays, the rest (and %) is percent-encoded UTF-8', () => {
    const notice = 'tollgate: ~1.2 GiB on lake, ~€0.01 (50% used)\n';
    const header = asciiHeader(notice);
    assert.match(header, /^[\x20-\x7e]*$/);
    assert.equal(header, 'tollgate: ~1.2 GiB on lake, ~%E2%82%AC0.01 (50%25 used)%0A');
    assert.equal(decodeURIComponent(header), notice);
  });
});
