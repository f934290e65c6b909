import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayOid, binaryDecoder, binaryEncoder, textDecoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { ARRAY_CASES } from './fixtures/array.ts';
import { assertPgError, fromHex, hex, oidOf, ISO_UTC } from './helpers.ts';

test('array literals parse, print and send exactly as PostgreSQL', () => {
  for (const [elem, input, expected, sendHex] of ARRAY_CASES) {
    const oid = arrayOid(oidOf(elem));
    const parse = textDecoder(oid, ISO_UTC);
    const label = `${elem}[] ${input}`;
    if (typeof expected !== 'string') {
      assertPgError(() => parse(input), expected, label);
      continue;
    }
    const value = parse(input);
    // Lower bounds are not kept: '[0:1]={1,2}' prints as '{1,2}' (PostgreSQL prints the decoration).
    const printed = expected.replace(/^\[[^=]*\]=/, '');
    assert.equal(textEncoder(oid, ISO_UTC)(value), printed, label);
    const sent = hex(binaryEncoder(oid)(value));
    if (!input.startsWith('[')) assert.equal(sent, sendHex, `${label} send`);
    assert.deepEqual(binaryDecoder(oid)(fromHex(sent)), value, `${label} recv`);
  }
});

test('array text output quotes like array_out', () => {
  const enc = textEncoder(arrayOid(25));
  assert.equal(enc(['a b', 'x"y', null, 'NULL', '', 'back\\slash', 'plain', '{}']), '{"a b","x\\"y",NULL,"NULL","","back\\\\slash",plain,"{}"}');
  assert.equal(enc([]), '{}');
  assert.equal(enc([['a', 'b'], ['c', null]]), '{{a,b},{c,NULL}}');
});

test('ragged arrays cannot be sent in binary', () => {
  assert.throws(() => binaryEncoder(arrayOid(23))([[1, 2], [3]]), { code: 'INTERNAL' });
});

test('array binary input checks the element type', () => {
  const int4send = hex(binaryEncoder(arrayOid(23))([1, 2]));
  assert.throws(() => binaryDecoder(arrayOid(20))(fromHex(int4send)), { code: 'DATATYPE_MISMATCH' });
  assert.throws(() => binaryDecoder(arrayOid(23))(fromHex(int4send.slice(0, -2))), { code: 'INVALID_BINARY_REPRESENTATION' });
});
