import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyNumber, copyText, copyTimestamp } from '../../../src/ledger/copy-text.ts';

describe('COPY text fields', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    assert.equal(copyText('plain text, quotes \'" {a,b} ünïcode 🚀'), 'plain text, quotes \'" {a,b} ünïcode 🚀');
    assert.equal(copyText('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
    assert.equal(copyText('\\N'), '\\\\N');
    assert.equal(copyText('\\.'), '\\\\.');
  });

  it('writes NULL as \\N, and the text NULL as itself', () => {
    assert.equal(copyText(null), '\\N');
    assert.equal(copyText(undefined), '\\N');
    assert.equal(copyText('NULL'), 'NULL');
    assert.equal(copyNumber(undefined), '\\N');
    assert.equal(copyNumber(0), '0');
    assert.equal(copyNumber(4.77e-5), '0.0000477');
    assert.equal(copyNumber(1e-7), '1e-7');
  });

  it('formats timestamps as toISOString does, across seconds, days and years', () => {
    const cases = [0, 999, 1000, 1001.9, Date.UTC(2026, 10, 27, 4, 49, 37, 860), Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), -1, -1500, Date.UTC(1900, 0, 1, 0, 0, 0, 5), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (const ms of cases) assert.equal(copyTimestamp(ms), new Date(ms).toISOString(), `ms ${ms}`);
    // Fractions of a millisecond (durations are fractional) are cut, as Date cuts them.
    assert.equal(copyTimestamp(1000.75), new Date(1000.75).toISOString());
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2026, 0, 1) + 5000; ms += 37.3) assert.equal(copyTimestamp(ms), new Date(ms).toISOString());
  });

  it('gives years past 9999 and before year 0 whole, and NULL for a time that is not one', () => {
    for (const ms of [Date.UTC(10000, 0, 1, 0, 0, 1, 2), Date.UTC(-1, 5, 1)]) assert.equal(copyTimestamp(ms), new Date(ms).toISOString());
    assert.equal(copyTimestamp(Number.NaN), '\\N');
  });
});
