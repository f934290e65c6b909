import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OID, binaryDecoder, binaryEncoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { INTERVAL_CASES, INTERVAL_STYLES } from './fixtures/interval.ts';
import { fromHex, hex, settings } from './helpers.ts';

test('interval text output in every IntervalStyle matches PostgreSQL', () => {
  const encoders = INTERVAL_STYLES.map((s) => textEncoder(OID.interval, settings({ intervalStyle: s })));
  for (const [months, days, micros, ...texts] of INTERVAL_CASES) {
    const v = { months, days, micros: BigInt(micros!) };
    encoders.forEach((enc, k) => assert.equal(enc(v), texts[k], `${months} ${days} ${micros} in ${INTERVAL_STYLES[k]}`));
  }
});

test('interval binary output and input match interval_send', () => {
  const send = binaryEncoder(OID.interval);
  const recv = binaryDecoder(OID.interval);
  for (const row of INTERVAL_CASES) {
    const v = { months: row[0], days: row[1], micros: BigInt(row[2]!) };
    const sendHex = String(row[row.length - 1]);
    assert.equal(hex(send(v)), sendHex);
    assert.deepEqual(recv(fromHex(sendHex)), v);
  }
});
