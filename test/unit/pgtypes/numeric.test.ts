import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OID, binaryDecoder, binaryEncoder, textDecoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { NUMERIC_CASES } from './fixtures/numeric.ts';
import { assertPgError, fromHex, hex } from './helpers.ts';

test('numeric text input gives PostgreSQL canonical text or its error', () => {
  const parse = textDecoder(OID.numeric);
  for (const [input, expected] of NUMERIC_CASES) {
    if (typeof expected === 'string') {
      const out = parse(input) as string;
      if (expected.startsWith('#len:')) assert.equal(out.length, Number(expected.slice(5)), input);
      else assert.equal(out, expected, JSON.stringify(input));
    } else {
      assertPgError(() => parse(input), expected, JSON.stringify(input));
    }
  }
});

test('numeric text output prints the stored text unchanged', () => {
  const enc = textEncoder(OID.numeric);
  for (const s of ['12.50', '-0.001', 'NaN', 'Infinity', '0', '1e5']) assert.equal(enc(s), s);
  // numbers from a lax connector: no exponent, as numeric_out would print them
  assert.equal(enc(1e21), '1000000000000000000000');
  assert.equal(enc(-1.5e-7), '-0.00000015');
  assert.equal(enc(12.5), '12.5');
  assert.equal(enc(123n), '123');
});

test('numeric binary output matches numeric_send and binary input reads it back', () => {
  const send = binaryEncoder(OID.numeric);
  const recv = binaryDecoder(OID.numeric);
  let n = 0;
  for (const [input, expected, sendHex] of NUMERIC_CASES) {
    if (typeof expected !== 'string' || sendHex === '') continue;
    n++;
    assert.equal(hex(send(expected)), sendHex, `send ${expected}`);
    assert.equal(hex(send(input)), sendHex, `send of non-canonical ${JSON.stringify(input)}`);
    assert.equal(recv(fromHex(sendHex)), expected, `recv ${sendHex}`);
  }
  assert.ok(n > 80);
});

test('numeric binary input truncates to dscale and validates fields like numeric_recv', () => {
  const recv = binaryDecoder(OID.numeric);
  // 1.2346 sent with dscale 2 -> 1.23; -0.001 with dscale 2 -> 0.00 (sign dropped with the digits)
  assert.equal(recv(fromHex('00020000000000020001092a')), '1.23');
  assert.equal(recv(fromHex('0001ffff400000020010')), '0.00');
  assert.throws(() => recv(fromHex('00010000123400000001')), { message: 'invalid sign in external "numeric" value' });
  assert.throws(() => recv(fromHex('0001000000000000ffff')), { message: 'invalid digit in external "numeric" value' });
  assert.throws(() => recv(fromHex('000100000000')), { code: 'INVALID_BINARY_REPRESENTATION' });
});
