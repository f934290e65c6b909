import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { DEFAULT_OUTPUT_SETTINGS, OID, binaryEncoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { BackendWriter, writeShortFloat8, type EncodedValue } from '../../../src/wire/backend-messages.ts';
import { float8ToShortest } from '../../../src/pgtypes/float.ts';
import { FLOAT8_CASES } from '../pgtypes/fixtures/float8.ts';
import { RowEncoder } from '../../../src/wire/row-encoder.ts';

const col = (name: string, typeOid: number): ColumnInfo => ({ name, typeOid, typeModifier: -1 });

const columns = [col('i2', OID.int2), col('i4', OID.int4), col('i8', OID.int8), col('f', OID.float8), col('t', OID.text), col('u', OID.uuid), col('d', OID.date)];
const rows: unknown[][] = [
  [0, 0, 0n, 0, '', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 0],
  [-32768, -2147483648, -(2n ** 63n), -1.5e-7, 'héllo wörld 🚀', null, 19723],
  [32767, 2147483647, 2n ** 63n - 1n, 1e23, 'x'.repeat(5000), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', -1],
  [null, null, null, null, null, null, null],
  [7, 10, 100n, Number.NaN, 'tab\there', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', 365],
  [-9, -99, -999n, Infinity, 'ÿ', null, 10957],
];

function batchOf(rs: unknown[][]): RowBatch {
  return { rowCount: rs.length, columns: columns.map((_, c) => rs.map((r) => r[c] ?? null)) as RowBatch['columns'] };
}

/** The same rows through the generic path: every value encoded to a string or bytes, one dataRow each. */
function reference(format: 0 | 1): Buffer {
  const w = new BackendWriter();
  const enc = columns.map((c) => (format === 0 ? textEncoder(c.typeOid, DEFAULT_OUTPUT_SETTINGS) : binaryEncoder(c.typeOid)));
  for (const r of rows) w.dataRow(r.map((v, c): EncodedValue => (v === null ? null : enc[c]!(v as never))));
  return w.flush();
}

describe('RowEncoder', () => {
  it('writes text DataRows byte for byte like the generic encoders (ints as digits in place)', () => {
    const w = new BackendWriter(64);
    new RowEncoder(columns, [], DEFAULT_OUTPUT_SETTINGS).write(w, batchOf(rows), 0, rows.length);
    assert.deepEqual(w.flush(), reference(0));
  });

  it('writes binary DataRows like the binary encoders', () => {
    const w = new BackendWriter(64);
    new RowEncoder(columns, [1], DEFAULT_OUTPUT_SETTINGS).write(w, batchOf(rows), 0, rows.length);
    assert.deepEqual(w.flush(), reference(1));
  });

  it('writes a slice of a batch, and typed-array columns', () => {
    const typed: RowBatch = { rowCount: 3, columns: [Int16Array.from([1, -2, 3]), Int32Array.from([-10, 20, -30])] };
    const cols = [col('a', OID.int2), col('b', OID.int4)];
    const w = new BackendWriter();
    new RowEncoder(cols, [], DEFAULT_OUTPUT_SETTINGS).write(w, typed, 1, 3);
    const ref = new BackendWriter();
    ref.dataRow(['-2', '20']);
    ref.dataRow(['3', '-30']);
    assert.deepEqual(w.flush(), ref.flush());
  });
});

describe('RowEncoder: DataRows of an immutable batch kept for the next write of it', () => {
  /** A writer that counts how often values are encoded (dataRowsColumnar calls). */
  class CountingWriter extends BackendWriter {
    encoded = 0;
    override dataRowsColumnar(...args: Parameters<BackendWriter['dataRowsColumnar']>): void {
      this.encoded++;
      super.dataRowsColumnar(...args);
    }
  }
  const frozen = (): RowBatch => ({ ...batchOf(rows.slice(0, 2)), immutable: true });

  it('sends the same bytes every time, encoding them twice and copying them from the third', () => {
    const batch = frozen();
    const enc = new RowEncoder(columns, [], DEFAULT_OUTPUT_SETTINGS);
    const w = new CountingWriter(64);
    const expected = (() => {
      const ref = new BackendWriter();
      new RowEncoder(columns, [], DEFAULT_OUTPUT_SETTINGS).write(ref, batchOf(rows.slice(0, 2)), 0, 2);
      return ref.flush();
    })();
    for (let i = 0; i < 4; i++) {
      w.commandComplete('between'); // other messages around it, and flushes in between
      enc.write(w, batch, 0, 2);
      const out = w.flush();
      assert.deepEqual(out.subarray(out.length - expected.length), expected, `write ${i + 1}`);
    }
    assert.equal(w.encoded, 2);
  });

  it('encodes every time a batch that is not immutable, a part of a batch, or another batch in between', () => {
    const enc = new RowEncoder(columns, [], DEFAULT_OUTPUT_SETTINGS);
    const w = new CountingWriter();
    const live = batchOf(rows.slice(0, 2));
    for (let i = 0; i < 3; i++) enc.write(w, live, 0, 2);
    assert.equal(w.encoded, 3);
    const batch = frozen();
    for (let i = 0; i < 3; i++) enc.write(w, batch, 1, 2);
    assert.equal(w.encoded, 6);
    const other = frozen();
    for (let i = 0; i < 3; i++) {
      enc.write(w, batch, 0, 2);
      enc.write(w, other, 0, 2);
    }
    assert.equal(w.encoded, 12);
  });

  it('keeps nothing of a large result', () => {
    const big: RowBatch = { rowCount: 1, columns: [['x'.repeat(20_000)]], immutable: true };
    const enc = new RowEncoder([col('t', OID.text)], [], DEFAULT_OUTPUT_SETTINGS);
    const w = new CountingWriter();
    for (let i = 0; i < 3; i++) enc.write(w, big, 0, 1);
    assert.equal(w.encoded, 3);
  });
});

describe('writeShortFloat8', () => {
  const check = (v: number): void => {
    const buf = Buffer.alloc(40);
    const n = writeShortFloat8(buf, v, 0);
    if (n >= 0) assert.equal(buf.toString('latin1', 0, n), float8ToShortest(v), `value ${v}`);
  };

  it('prints exactly what PostgreSQL prints, for every float8 PostgreSQL 15 printed in the fixtures', () => {
    for (const [input, expected] of FLOAT8_CASES) {
      const v = Number(input);
      const buf = Buffer.alloc(40);
      const n = writeShortFloat8(buf, v, 0);
      if (n >= 0) assert.equal(buf.toString('latin1', 0, n), expected, `input ${input}`);
    }
  });

  it('agrees with the general shortest algorithm on decimal-like and random doubles', () => {
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let inPlace = 0;
    for (let i = 0; i < 200_000; i++) {
      const k = i % 7;
      const decimalLike = Math.round((rand() - 0.5) * 10 ** (1 + (i % 13))) / 10 ** k;
      check(decimalLike);
      check(rand() * 10 ** ((i % 30) - 10));
      const buf = Buffer.alloc(40);
      if (writeShortFloat8(buf, decimalLike, 0) >= 0) inPlace++;
    }
    for (const v of [0.1, 0.2, 0.3, 1.5, -2.25, 1e-4, 9.9999e-5, 1e15 - 1, 999999999999999.9, 123456.789, 0.000123, 4503599627370495.5]) check(v);
    assert.ok(inPlace > 100_000, `only ${inPlace} decimal-like values took the fast path`);
  });

  it('leaves zero, negative zero, exponent forms and specials to the general algorithm', () => {
    const buf = Buffer.alloc(40);
    for (const v of [0, -0, 1e15, 1e-5, NaN, Infinity, -Infinity, 1 / 3]) assert.equal(writeShortFloat8(buf, v, 0), -1, `value ${v}`);
  });
});
