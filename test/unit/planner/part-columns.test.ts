import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowBatch } from '../../../src/connectors/contract.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import { loadsAsIs, queryPartColumns, withoutPadding } from '../../../src/planner/part-columns.ts';

const col = (name: string, typeOid: number, typeModifier = -1) => ({ name, typeOid, typeModifier });

describe('query part columns', () => {
  it('take PostgreSQL\'s names where known, unique case-insensitively, char(n) as text', () => {
    const engine = [col('owner', OID.text), col('sum(stake)', OID.numeric), col('ID', OID.int4), col('id', OID.int4), col('code', OID.bpchar, 14)];
    assert.deepEqual(
      queryPartColumns(engine, ['owner', 'sum', 'ID', 'id', 'code']).map((c) => [c.name, c.typeOid, c.typeModifier]),
      [['owner', OID.text, -1], ['sum', OID.numeric, -1], ['ID', OID.int4, -1], ['id_2', OID.int4, -1], ['code', OID.text, -1]],
    );
    assert.deepEqual(queryPartColumns(engine.slice(0, 2), null).map((c) => c.name), ['owner', 'sum(stake)']);
  });

  it('arrays, JSON and numeric without precision are not loaded as they are', () => {
    const numeric = (p: number, s: number) => col('s', OID.numeric, ((p << 16) | s) + 4);
    assert.equal(loadsAsIs([col('n', OID.int8), numeric(12, 2), col('d', OID.date), col('c', OID.bpchar)]), true);
    assert.equal(loadsAsIs([col('s', OID.numeric)]), false, 'sum(numeric) would become DOUBLE');
    assert.equal(loadsAsIs([col('ids', OID._int4)]), false);
    assert.equal(loadsAsIs([col('doc', OID.jsonb)]), false);
  });

  it('char(n) values lose their trailing blanks only', async () => {
    const batches = (async function* (): AsyncGenerator<RowBatch> {
      yield { rowCount: 2, columns: [['FRANCE   ', ' a  '], ['x  ', null]] };
    })();
    const out: RowBatch[] = [];
    for await (const b of withoutPadding(batches, [col('n', OID.bpchar, 29), col('t', OID.text)])) out.push(b);
    assert.deepEqual(out.map((b) => b.columns.map((c) => Array.from(c))), [[['FRANCE', ' a'], ['x  ', null]]]);
  });
});
