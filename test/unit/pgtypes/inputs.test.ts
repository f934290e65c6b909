import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textDecoder, textEncoder } from '../../../src/pgtypes/index.ts';
import { INPUT_CASES, INPUT_CASES_WITH_SETTINGS, type Expected } from './fixtures/inputs.ts';
import { assertPgError, oidOf, settings } from './helpers.ts';

const NEW_YORK = settings({ timeZone: 'America/New_York' });

test('text input of every scalar type: PostgreSQL accepts and prints the same, or fails the same way', () => {
  const failures: string[] = [];
  for (const [type, input, expected] of INPUT_CASES) {
    try {
      checkInput(type, input, expected);
    } catch (e) {
      failures.push((e as Error).message.split('\n').slice(0, 6).join(' | '));
    }
  }
  assert.deepEqual(failures, []);
});

function checkInput(type: string, input: string, expected: Expected): void {
  {
    const oid = oidOf(type);
    const label = `${JSON.stringify(input)}::${type}`;
    const parse = textDecoder(oid, NEW_YORK);
    if (typeof expected === 'string') {
      let value;
      try {
        value = parse(input);
      } catch (e) {
        assert.fail(`${label}: expected ${JSON.stringify(expected)}, threw ${(e as Error).message}`);
      }
      assert.equal(textEncoder(oid, NEW_YORK)(value), expected, label);
    } else {
      assertPgError(() => parse(input), expected, label);
    }
  }
}

test('text input honours DateStyle field order and IntervalStyle', () => {
  for (const [type, input, s, expected] of INPUT_CASES_WITH_SETTINGS) {
    const oid = oidOf(type);
    const label = `${JSON.stringify(input)}::${type} with ${JSON.stringify(s)}`;
    const session = settings({ dateStyle: s.DateStyle ?? 'ISO, MDY', intervalStyle: s.IntervalStyle ?? 'postgres', timeZone: s.TimeZone ?? 'UTC' });
    const parse = textDecoder(oid, session);
    if (typeof expected === 'string') assert.equal(textEncoder(oid, session)(parse(input)), expected, label);
    else assertPgError(() => parse(input), expected, label);
  }
});

test("'now', 'today' and friends use the session zone and the given clock", () => {
  const now = (): bigint => 1_704_510_245_123_456n; // 2024-01-06 03:04:05.123456Z = 2024-01-05 22:04 in New York
  const date = textDecoder(oidOf('date'), NEW_YORK, now);
  const ts = textDecoder(oidOf('timestamptz'), NEW_YORK, now);
  const fmtDate = textEncoder(oidOf('date'));
  const fmtTs = textEncoder(oidOf('timestamptz'), NEW_YORK);
  assert.equal(fmtDate(date('today')), '2024-01-05');
  assert.equal(fmtDate(date('tomorrow')), '2024-01-06');
  assert.equal(fmtDate(date('yesterday')), '2024-01-04');
  assert.equal(fmtTs(ts('now')), '2024-01-05 22:04:05.123456-05');
  assert.equal(fmtTs(ts('today')), '2024-01-05 00:00:00-05');
  assert.equal(textEncoder(oidOf('timestamp'))(textDecoder(oidOf('timestamp'), NEW_YORK, now)(' NOW ')), '2024-01-05 22:04:05.123456');
});
