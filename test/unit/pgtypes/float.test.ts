import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OID, binaryDecoder, binaryEncoder, textDecoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { float4ShortestExact } from '../../../src/pgtypes/float.ts';
import { FLOAT8_CASES } from './fixtures/float8.ts';
import { FLOAT4_CASES } from './fixtures/float4.ts';
import { fromHex, hex, settings } from './helpers.ts';

function value(text: string): number {
  return text === '-0' ? -0 : Number(text);
}

test('float8 text output matches PostgreSQL for every extra_float_digits path', () => {
  assert.ok(FLOAT8_CASES.length >= 500, 'several hundred float8 cases');
  const enc = [1, 0, -3, -14].map((efd) => textEncoder(OID.float8, settings({ extraFloatDigits: efd })));
  const enc3 = textEncoder(OID.float8, settings({ extraFloatDigits: 3 }));
  for (const [input, shortest, g15, g12, g1] of FLOAT8_CASES) {
    const v = value(input);
    assert.equal(enc[0]!(v), shortest, `shortest ${input}`);
    assert.equal(enc3(v), shortest, `efd=3 ${input}`);
    assert.equal(enc[1]!(v), g15, `%.15g ${input}`);
    assert.equal(enc[2]!(v), g12, `%.12g ${input}`);
    assert.equal(enc[3]!(v), g1, `%.1g ${input}`);
  }
});

test('float8 binary output, binary input and text input round-trip', () => {
  const send = binaryEncoder(OID.float8);
  const recv = binaryDecoder(OID.float8);
  const parse = textDecoder(OID.float8);
  for (const [input, shortest, , , , sendHex] of FLOAT8_CASES) {
    const v = value(input);
    assert.equal(hex(send(v)), sendHex, `send ${input}`);
    assert.ok(Object.is(recv(fromHex(sendHex)), v), `recv ${input}`);
    assert.ok(Object.is(parse(shortest), v), `text input of ${shortest}`);
  }
});

test('float4 text output matches PostgreSQL (shortest float32 digits and %g)', () => {
  assert.ok(FLOAT4_CASES.length >= 300);
  const enc = [1, 0, -4].map((efd) => textEncoder(OID.float4, settings({ extraFloatDigits: efd })));
  for (const [input, shortest, g6, g2] of FLOAT4_CASES) {
    const v = value(input);
    assert.equal(enc[0]!(v), shortest, `shortest ${input}`);
    assert.equal(enc[1]!(v), g6, `%.6g ${input}`);
    assert.equal(enc[2]!(v), g2, `%.2g ${input}`);
  }
});

test('float4 binary output, binary input and text input round-trip', () => {
  const send = binaryEncoder(OID.float4);
  const recv = binaryDecoder(OID.float4);
  const parse = textDecoder(OID.float4);
  for (const [input, shortest, , , sendHex] of FLOAT4_CASES) {
    const v = value(input);
    assert.equal(hex(send(v)), sendHex, `send ${input}`);
    assert.ok(Object.is(recv(fromHex(sendHex)), Math.fround(v)), `recv ${input}`);
    assert.ok(Object.is(parse(shortest), Math.fround(v)), `text input of ${shortest}`);
  }
});

test('float4 fast shortest path agrees with the exact BigInt search on random float32 values', () => {
  const enc = textEncoder(OID.float4);
  const u = new Uint32Array(1);
  const f = new Float32Array(u.buffer);
  let seed = 12345;
  for (let i = 0; i < 10000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    u[0] = seed % 0x7f800000;
    const x = f[0]!;
    const fast = enc(x);
    const exact = float4ShortestExact(x);
    assert.equal(Number(fast), Number(`${exact.digits}e${exact.exp - exact.digits.length + 1}`), `${x}`);
    assert.equal(Math.fround(Number(fast)), x);
  }
});

test('float text input rejects junk with PostgreSQL messages', () => {
  const parse = textDecoder(OID.float8);
  assert.throws(() => parse('abc'), { message: 'invalid input syntax for type double precision: "abc"' });
  assert.throws(() => parse(' 1e400 '), { message: '"1e400" is out of range for type double precision' });
  assert.throws(() => textDecoder(OID.float4)('1e39'), { message: '"1e39" is out of range for type real' });
});
