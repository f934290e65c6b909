import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { float8FromBytes, int8FromBytes, textFields, utf8 } from '../../../src/connectors/vertica/datarow-values.ts';
import { decoderFor, fastFloat8, fastInt8, VerticaOid } from '../../../src/connectors/vertica/types.ts';
import { VerticaQuery } from '../../../src/connectors/vertica/query.ts';
import type { RowBatch } from '../../../src/connectors/contract.ts';

/** `text`'s bytes with other bytes around them, as a value sits in the parser's buffer. */
function framed(text: string): [Buffer, number, number] {
  const inner = Buffer.from(text, 'utf8');
  return [Buffer.concat([Buffer.from('9.5'), inner, Buffer.from('77')]), 3, 3 + inner.length];
}

/** The decoder's answer, or the error's message. */
function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function sameFloat(a: unknown, b: unknown): boolean {
  return Object.is(a, b);
}

/** A DataRow's body (int16 count, then int32 length and bytes per value) after `pad` other bytes. */
function dataRow(values: Array<string | null>, pad = 5): Buffer {
  const parts: Buffer[] = [Buffer.alloc(pad, 0x41), Buffer.from([values.length >> 8, values.length & 0xff])];
  for (const v of values) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(v === null ? -1 : Buffer.byteLength(v));
    parts.push(len);
    if (v !== null) parts.push(Buffer.from(v));
  }
  return Buffer.concat(parts);
}

describe('vertica DataRow values read from the bytes', () => {
  it('float8 from the bytes is the same double as the text decoder, or the same error', () => {
    const fixed = [
      '1.5', '-1.5', '+1.5', '0', '-0', '0.0', '-0.0', '.5', '5.', '1e5', '1E5', '1e+22', '1e23', '1e-22', '1e-23', '4.35e-07',
      '123456789012345', '1234567890123456', '0.000000000000001', '0.1', '0.3', '1499998.5', '9007199254740993',
      '1.7976931348623157e+308', '1e308', '1e-320', '1e400', '1e-400', 'NaN', 'Infinity', '-Infinity', '', '.', '-', '1e', '1e+',
      'e5', '1.2.3', '1e2.5', '0x10', ' 1.5', '1.5 ', '1,5', '1e0005', '00001.5', '999999999999999e22',
    ];
    const random: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = (Math.random() - 0.3) * 10 ** Math.floor(Math.random() * 40 - 20);
      random.push(String(x), x.toPrecision(1 + (i % 17)), x.toExponential(i % 16), x.toFixed(i % 12));
    }
    for (const s of [...fixed, ...random]) {
      const want = outcome(() => fastFloat8(s));
      const got = outcome(() => float8FromBytes(...framed(s)));
      assert.ok(typeof want === 'string' ? got === want : sameFloat(got, want), `${JSON.stringify(s)}: ${String(got)} vs ${String(want)}`);
    }
  });

  it('int8 from the bytes is exact beyond 2^53, the same as the text decoder', () => {
    for (const s of ['0', '-0', '7', '-42', '999999999999999', '1000000000000000', '9007199254740993', '9223372036854775807', '-9223372036854775808', '+5', '', '-', '12a', '9223372036854775808']) {
      assert.deepEqual(outcome(() => int8FromBytes(...framed(s))), outcome(() => fastInt8(s)), s);
    }
    assert.equal(int8FromBytes(...framed('9007199254740993')), 9007199254740993n);
  });

  it('text keeps multibyte UTF-8; a row read as text keeps NULLs', () => {
    assert.equal(utf8(...framed('héllo ✓ 𝄞')), 'héllo ✓ 𝄞');
    assert.deepEqual(textFields(dataRow(['1', null, 'ü', '']), 5), ['1', null, 'ü', '']);
  });

  it('rows handed over as bytes give the same batches as rows handed over as text', async () => {
    const fields = [
      { dataTypeID: VerticaOid.integer, dataTypeModifier: -1 },
      { dataTypeID: VerticaOid.float, dataTypeModifier: -1 },
      { dataTypeID: VerticaOid.varchar, dataTypeModifier: 24 },
      { dataTypeID: VerticaOid.numeric, dataTypeModifier: ((20 << 16) | 4) + 4 },
      { dataTypeID: VerticaOid.boolean, dataTypeModifier: -1 },
    ];
    const rows: Array<Array<string | null>> = [
      ['9223372036854775807', '1.5', 'héllo', '12345678901234.5678', 't'],
      [null, null, null, null, null],
      ['-9007199254740993', '-0', '', '-0.0001', 'f'],
      ['42', 'NaN', '✓', '1', 't'],
      ['0', '2.5e-300', 'x', '0', 'f'],
    ];
    const decoders = fields.map((f) => decoderFor(f.dataTypeID, f.dataTypeModifier));
    const read = async (hand: (q: VerticaQuery, row: Array<string | null>) => void): Promise<RowBatch[]> => {
      const q = new VerticaQuery({ mode: 'simple', text: 'SELECT', highWaterRows: 1000 });
      const stream = { pause() {}, resume() {}, destroyed: false };
      q.submit({ on() {}, removeListener() {}, query() {}, stream } as unknown as Parameters<VerticaQuery['submit']>[0]);
      q.useColumns(decoders, 2, (c, e) => new Error(`column ${c}: ${String(e)}`));
      for (const row of rows) hand(q, row);
      q.handleCommandComplete({ text: `SELECT ${rows.length}` });
      const out: RowBatch[] = [];
      for (let b = await q.readBatch(); b !== null; b = await q.readBatch()) out.push(b);
      return out;
    };
    const asText = await read((q, row) => q.handleDataRow({ fields: row }));
    const asBytes = await read((q, row) => q.handleDataRowBytes(dataRow(row), 5));
    assert.equal(asBytes.length, 3);
    const plain = (batches: RowBatch[]) => batches.map((b) => ({ rowCount: b.rowCount, columns: b.columns.map((c) => Array.from(c)) }));
    assert.deepEqual(plain(asBytes), plain(asText));
    assert.ok(Object.is(asBytes[1]!.columns[1]![0], -0));
    assert.equal(asBytes[0]!.columns[0]![0], 9223372036854775807n);
  });

  it('a value running past the buffer is an error of its column, not a value', async () => {
    const q = new VerticaQuery({ mode: 'simple', text: 'SELECT', highWaterRows: 1000 });
    const stream = { pause() {}, resume() {}, destroyed: false };
    q.submit({ on() {}, removeListener() {}, query() {}, stream } as unknown as Parameters<VerticaQuery['submit']>[0]);
    q.useColumns([decoderFor(VerticaOid.float, -1)], 10, (c, e) => new Error(`column ${c}: ${(e as Error).message}`));
    const row = dataRow(['1.25']);
    q.handleDataRowBytes(row.subarray(0, row.length - 2), 5);
    q.handleCommandComplete({ text: 'SELECT 1' });
    await assert.rejects(q.readBatch(), /column 0: DataRow/);
  });
});
