import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OID,
  allTypes,
  arrayOid,
  binaryDecoder,
  binaryEncoder,
  displayName,
  elementOid,
  hasBinaryEncoder,
  textDecoder,
  textEncoder,
  typeInfo,
} from '../../../src/pgtypes/index.ts';
import { BYTEA_CASES } from './fixtures/bytea.ts';
import { fromHex, hex, settings } from './helpers.ts';

test('type metadata matches pg_type', () => {
  assert.deepEqual(typeInfo(OID.int4), { oid: 23, name: 'int4', typlen: 4, category: 'N', arrayOid: 1007, elementOid: 0, delimiter: ',' });
  assert.equal(typeInfo(OID.name)?.typlen, 64);
  assert.equal(typeInfo(OID.interval)?.typlen, 16);
  assert.equal(typeInfo(OID.timetz)?.typlen, 12);
  assert.equal(typeInfo(OID.uuid)?.typlen, 16);
  assert.equal(typeInfo(OID.unknown)?.typlen, -2);
  assert.equal(typeInfo(OID._text)?.name, '_text');
  assert.equal(elementOid(OID._timestamptz), OID.timestamptz);
  assert.equal(arrayOid(OID.jsonb), OID._jsonb);
  assert.equal(displayName(OID.float8), 'double precision');
  assert.equal(displayName(OID._int4), 'integer[]');
  for (const t of allTypes()) {
    if (t.elementOid !== 0) assert.equal(typeInfo(t.elementOid)?.arrayOid, t.oid, t.name);
    assert.ok(hasBinaryEncoder(t.oid), t.name);
  }
  assert.equal(hasBinaryEncoder(12345), false);
});

test('bytea text output in hex and escape formats', () => {
  const hexOut = textEncoder(OID.bytea);
  const escOut = textEncoder(OID.bytea, settings({ byteaOutput: 'escape' }));
  const parse = textDecoder(OID.bytea);
  for (const [bytes, hexText, escText] of BYTEA_CASES) {
    const b = fromHex(bytes);
    assert.equal(hexOut(b), hexText);
    assert.equal(escOut(b), escText);
    assert.equal(hex(parse(hexText) as Uint8Array), bytes);
    assert.equal(hex(parse(escText) as Uint8Array), bytes, escText);
  }
  const big = new Uint8Array(1000).map((_, i) => i);
  assert.equal(hexOut(big), `\\x${Buffer.from(big).toString('hex')}`);
});

test('bool, integers, text, uuid, json: text output and binary round trip', () => {
  const cases: Array<[number, unknown, string, string]> = [
    [OID.bool, true, 't', '01'],
    [OID.bool, false, 'f', '00'],
    [OID.int2, -32768, '-32768', '8000'],
    [OID.int4, 2147483647, '2147483647', '7fffffff'],
    [OID.int4, -1, '-1', 'ffffffff'],
    [OID.int8, -9223372036854775808n, '-9223372036854775808', '8000000000000000'],
    [OID.int8, -1n, '-1', 'ffffffffffffffff'],
    [OID.int8, 4503599627370497n, '4503599627370497', '0010000000000001'],
    [OID.int8, -4294967297n, '-4294967297', 'fffffffeffffffff'],
    [OID.oid, 4294967295, '4294967295', 'ffffffff'],
    [OID.text, 'héllo ☃', 'héllo ☃', Buffer.from('héllo ☃').toString('hex')],
    [OID.varchar, '', '', ''],
    [OID.name, 'pg_catalog', 'pg_catalog', Buffer.from('pg_catalog').toString('hex')],
    [OID.bpchar, 'ab  ', 'ab  ', '61622020'],
    [OID.json, '{"a": 1}', '{"a": 1}', Buffer.from('{"a": 1}').toString('hex')],
    [OID.jsonb, '{"a": 1}', '{"a": 1}', `01${Buffer.from('{"a": 1}').toString('hex')}`],
    [OID.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11'],
    [OID.char, 'x', 'x', '78'],
  ];
  for (const [oid, value, text, sendHex] of cases) {
    const v = value as never;
    assert.equal(textEncoder(oid)(v), text, `${oid} ${String(value)}`);
    assert.equal(hex(binaryEncoder(oid)(v)), sendHex, `send ${oid} ${String(value)}`);
    assert.deepEqual(binaryDecoder(oid)(fromHex(sendHex)), value, `recv ${oid} ${String(value)}`);
  }
  assert.equal(textEncoder(OID.int8)(5), '5', 'int8 given as a number');
  assert.equal(hex(binaryEncoder(OID.int8)(-5)), 'fffffffffffffffb', 'int8 given as a number');
});

test('binary input rejects wrong lengths and bad data with 22P03 or PostgreSQL codes', () => {
  assert.throws(() => binaryDecoder(OID.int4)(fromHex('000001')), { code: 'INVALID_BINARY_REPRESENTATION' });
  assert.throws(() => binaryDecoder(OID.int8)(fromHex('00')), { code: 'INVALID_BINARY_REPRESENTATION' });
  assert.throws(() => binaryDecoder(OID.uuid)(fromHex('00')), { code: 'INVALID_BINARY_REPRESENTATION' });
  assert.throws(() => binaryDecoder(OID.text)(fromHex('c328')), { code: 'CHARACTER_NOT_IN_REPERTOIRE', message: 'invalid byte sequence for encoding "UTF8": 0xc3 0x28' });
  assert.throws(() => binaryDecoder(OID.text)(fromHex('6100')), { code: 'CHARACTER_NOT_IN_REPERTOIRE', message: 'invalid byte sequence for encoding "UTF8": 0x00' });
  assert.throws(() => binaryDecoder(OID.jsonb)(fromHex('027b7d')), { code: 'INVALID_BINARY_REPRESENTATION' });
  assert.throws(() => binaryDecoder(OID.time)(fromHex('0000001422d0b001')), { message: 'time out of range' });
  assert.throws(() => binaryDecoder(OID.timetz)(fromHex('000000000000000000010000')), { message: 'time zone displacement out of range' });
  assert.throws(() => binaryDecoder(12345), { code: 'UNDEFINED_FUNCTION' });
  assert.throws(() => binaryEncoder(12345), { code: 'UNDEFINED_FUNCTION' });
  const bytes = fromHex('0102');
  const copy = binaryDecoder(OID.bytea)(bytes) as Uint8Array;
  bytes[0] = 9;
  assert.equal(copy[0], 1, 'bytea input is copied out of the message buffer');
});

test('text input of text types rejects NUL; unknown OIDs keep the text', () => {
  assert.throws(() => textDecoder(OID.text)('a\u0000b'), { code: 'CHARACTER_NOT_IN_REPERTOIRE' });
  assert.equal(textDecoder(0)('anything'), 'anything');
  assert.equal(textDecoder(OID.name)('x'.repeat(70)), 'x'.repeat(63));
});

test('generic text output for unknown OIDs', () => {
  const enc = textEncoder(99999);
  assert.equal(enc('s'), 's');
  assert.equal(enc(12n), '12');
  assert.equal(enc(true), 't');
  assert.equal(enc(new Uint8Array([1, 255])), '\\x01ff');
  assert.equal(enc(['a', null]), '{a,NULL}');
});
