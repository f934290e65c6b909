import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { DEFAULT_OUTPUT_SETTINGS, OID, binaryEncoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { BackendWriter, type EncodedValue } from '../../../src/wire/backend-messages.ts';
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
