import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OID, binaryDecoder, binaryEncoder, textEncoder, resolveTimeZone } from '../../../src/pgtypes/index.ts';
import { TIMESTAMP_CASES, TIMESTAMP_DATESTYLES } from './fixtures/timestamp.ts';
import { TIMESTAMPTZ_ISO, TIMESTAMPTZ_MICROS, TIMESTAMPTZ_STYLED } from './fixtures/timestamptz.ts';
import { DATE_CASES, DATE_STYLES } from './fixtures/date.ts';
import { TIME_CASES } from './fixtures/time.ts';
import { fromHex, hex, settings } from './helpers.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY } from '../../../src/pgtypes/values.ts';

test('timestamp text output in every DateStyle matches PostgreSQL (BC, fractions, extremes)', () => {
  const encoders = TIMESTAMP_DATESTYLES.map((ds) => textEncoder(OID.timestamp, settings({ dateStyle: ds })));
  for (const [micros, ...texts] of TIMESTAMP_CASES) {
    const v = BigInt(micros!);
    encoders.forEach((enc, k) => assert.equal(enc(v), texts[k], `${micros} in ${TIMESTAMP_DATESTYLES[k]}`));
  }
});

test('timestamp binary output and input match timestamp_send', () => {
  const send = binaryEncoder(OID.timestamp);
  const recv = binaryDecoder(OID.timestamp);
  for (const row of TIMESTAMP_CASES) {
    const v = BigInt(row[0]!);
    const sendHex = row[row.length - 1]!;
    assert.equal(hex(send(v)), sendHex, row[0]);
    assert.equal(recv(fromHex(sendHex)), v, row[0]);
  }
});

test('timestamptz text output in many session time zones matches PostgreSQL', () => {
  for (const [zone, texts] of Object.entries(TIMESTAMPTZ_ISO)) {
    const enc = textEncoder(OID.timestamptz, settings({ timeZone: zone }));
    TIMESTAMPTZ_MICROS.forEach((m, k) => assert.equal(enc(BigInt(m)), texts[k], `${m} in ${zone}`));
  }
});

test('timestamptz text output in SQL and Postgres DateStyles prints zone abbreviations', () => {
  for (const [zone, rows] of Object.entries(TIMESTAMPTZ_STYLED)) {
    const sql = textEncoder(OID.timestamptz, settings({ timeZone: zone, dateStyle: 'SQL, MDY' }));
    const postgres = textEncoder(OID.timestamptz, settings({ timeZone: zone, dateStyle: 'Postgres, DMY' }));
    for (const [m, sqlText, pgText] of rows) {
      assert.equal(sql(BigInt(m)), sqlText, `${m} SQL in ${zone}`);
      assert.equal(postgres(BigInt(m)), pgText, `${m} Postgres in ${zone}`);
    }
  }
});

test('timestamp infinities', () => {
  for (const oid of [OID.timestamp, OID.timestamptz]) {
    const enc = textEncoder(oid, settings({ timeZone: 'America/New_York' }));
    assert.equal(enc(TIMESTAMP_POS_INFINITY), 'infinity');
    assert.equal(enc(TIMESTAMP_NEG_INFINITY), '-infinity');
    const send = binaryEncoder(oid);
    assert.equal(hex(send(TIMESTAMP_POS_INFINITY)), '7fffffffffffffff');
    assert.equal(hex(send(TIMESTAMP_NEG_INFINITY)), '8000000000000000');
    assert.equal(binaryDecoder(oid)(fromHex('7fffffffffffffff')), TIMESTAMP_POS_INFINITY);
    assert.equal(binaryDecoder(oid)(fromHex('8000000000000000')), TIMESTAMP_NEG_INFINITY);
  }
});

test('timestamptz far beyond Intl range and out-of-range values', () => {
  const enc = textEncoder(OID.timestamptz, settings({ timeZone: 'America/New_York' }));
  // 200000-07-01 00:00:00Z; the 400-year cycle keeps the DST rule
  assert.equal(enc(6249238905600000000n), '200000-06-30 20:00:00-04');
  assert.throws(() => textEncoder(OID.timestamp)(9224318016000000000n), { message: 'timestamp out of range' });
});

test('date text output in every DateStyle and date_send', () => {
  const encoders = DATE_STYLES.map((ds) => textEncoder(OID.date, settings({ dateStyle: ds })));
  const send = binaryEncoder(OID.date);
  const recv = binaryDecoder(OID.date);
  for (const [days, ...rest] of DATE_CASES) {
    encoders.forEach((enc, k) => assert.equal(enc(days), rest[k], `${days} in ${DATE_STYLES[k]}`));
    const sendHex = rest[rest.length - 1]!;
    assert.equal(hex(send(days)), sendHex);
    assert.equal(recv(fromHex(sendHex)), days);
  }
  const iso = textEncoder(OID.date);
  assert.equal(iso(Infinity), 'infinity');
  assert.equal(iso(-Infinity), '-infinity');
  assert.equal(hex(send(Infinity)), '7fffffff');
  assert.equal(hex(send(-Infinity)), '80000000');
  assert.equal(recv(fromHex('7fffffff')), Infinity);
  assert.throws(() => recv(fromHex('7ffffffe')), { message: 'date out of range' });
});

test('time and timetz text and binary match PostgreSQL', () => {
  const time = textEncoder(OID.time);
  const timetz = textEncoder(OID.timetz);
  const sendTime = binaryEncoder(OID.time);
  const sendTz = binaryEncoder(OID.timetz);
  const recvTime = binaryDecoder(OID.time);
  const recvTz = binaryDecoder(OID.timetz);
  for (const [micros, text, sendHex, offset, tzText, tzSendHex] of TIME_CASES) {
    const v = BigInt(micros);
    assert.equal(time(v), text);
    assert.equal(hex(sendTime(v)), sendHex);
    assert.equal(recvTime(fromHex(sendHex)), v);
    const tz = { micros: v, offsetSeconds: offset };
    assert.equal(timetz(tz), tzText);
    assert.equal(hex(sendTz(tz)), tzSendHex);
    assert.deepEqual(recvTz(fromHex(tzSendHex)), tz);
  }
});

test('time zone settings resolve like PostgreSQL', () => {
  assert.equal(resolveTimeZone('+02:00').offsetAt(0), -7200, 'POSIX sign');
  assert.equal(resolveTimeZone('2').offsetAt(0), 7200, 'hours are ISO sign');
  assert.equal(resolveTimeZone('america/new_york').offsetAt(1720000000), -14400);
  assert.throws(() => resolveTimeZone('Z'), { message: 'invalid value for parameter "TimeZone": "Z"' });
  assert.throws(() => resolveTimeZone('+0530'), { message: 'invalid value for parameter "TimeZone": "+0530"' });
});
