import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { DigestBuilder, difference } from '../../../src/migration/index.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import type { PgValue } from '../../../src/pgtypes/values.ts';

const cols = (...oids: number[]): ColumnInfo[] => oids.map((typeOid, i) => ({ name: `c${i}`, typeOid, typeModifier: -1 }));
const batch = (rows: PgValue[][]): RowBatch => ({ rowCount: rows.length, columns: rows[0]!.map((_, c) => rows.map((r) => r[c]!)) });
const digest = (columns: ColumnInfo[], rows: PgValue[][], tolerance = 1e-9) => {
  const d = new DigestBuilder(columns, tolerance);
  if (rows.length > 0) d.add(batch(rows));
  return d.digest();
};

describe('shadow result comparison', () => {
  it('the order of rows does not matter; their multiplicity does', () => {
    const a = digest(cols(OID.int4, OID.text), [[1, 'a'], [2, 'b'], [2, 'b']]);
    const b = digest(cols(OID.int8, OID.varchar), [[2n, 'b'], [1n, 'a'], [2n, 'b']]);
    assert.equal(difference(a, b), null);
    const c = digest(cols(OID.int4, OID.text), [[1, 'a'], [1, 'a'], [2, 'b']]);
    assert.equal(difference(a, c), 'rows: the same count, different values');
  });

  it('floats within the tolerance match; numeric trailing zeros do not matter', () => {
    const a = digest(cols(OID.float8, OID.numeric), [[0.1 + 0.2, '12.50']]);
    const b = digest(cols(OID.float4, OID.numeric), [[0.3, '12.5']]);
    assert.equal(difference(a, b), null);
    const far = digest(cols(OID.float8, OID.numeric), [[0.31, '12.5']]);
    assert.notEqual(difference(a, far), null);
  });

  it('says what differs: the row count, then the column types', () => {
    const a = digest(cols(OID.int4), [[1], [2]]);
    assert.match(difference(a, digest(cols(OID.int4), [[1]]))!, /^row count: 2 on the old engine, 1 on the new/);
    assert.match(difference(a, digest(cols(OID.text), [['1'], ['2']]))!, /^column types/);
  });

  it('NULL differs from the empty string and from 0', () => {
    const n = digest(cols(OID.text), [[null]]);
    assert.notEqual(difference(n, digest(cols(OID.text), [['']])), null);
    assert.notEqual(difference(digest(cols(OID.int4), [[null]]), digest(cols(OID.int4), [[0]])), null);
  });
});
