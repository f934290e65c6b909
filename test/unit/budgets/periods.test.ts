import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidTimeZone, nextPeriodStart, periodsAt } from '../../../src/budgets/periods.ts';

const at = (iso: string, tz: string) => periodsAt(new Date(iso), tz);

describe('budget periods', () => {
  it('are the local month and day in the time zone', () => {
    assert.deepEqual(at('2026-11-26T17:00:00Z', 'UTC'), { monthStart: '2026-11-01', dayStart: '2026-11-26' });
    assert.deepEqual(at('2026-11-26T23:30:00Z', 'Asia/Tokyo'), { monthStart: '2026-11-01', dayStart: '2026-11-27' });
    assert.deepEqual(at('2026-11-26T03:00:00Z', 'America/Los_Angeles'), { monthStart: '2026-11-01', dayStart: '2026-11-25' });
    assert.deepEqual(at('2026-11-26T18:14:00Z', 'Asia/Kathmandu'), { monthStart: '2026-11-01', dayStart: '2026-11-26' });
    assert.deepEqual(at('2026-11-26T18:15:00Z', 'Asia/Kathmandu'), { monthStart: '2026-11-01', dayStart: '2026-11-27' }); // +05:45
  });

  it('roll over at local midnight at month and year ends', () => {
    // New York is UTC-5 in winter: local midnight of Dec 1 is 05:00 UTC.
    assert.deepEqual(at('2026-12-01T04:59:59.999Z', 'America/New_York'), { monthStart: '2026-11-01', dayStart: '2026-11-30' });
    assert.deepEqual(at('2026-12-01T05:00:00Z', 'America/New_York'), { monthStart: '2026-12-01', dayStart: '2026-12-01' });
    assert.deepEqual(at('2026-12-31T22:59:59Z', 'Europe/Berlin'), { monthStart: '2026-12-01', dayStart: '2026-12-31' });
    assert.deepEqual(at('2026-12-31T23:00:00Z', 'Europe/Berlin'), { monthStart: '2027-01-01', dayStart: '2027-01-01' });
    // Leap day.
    assert.deepEqual(at('2028-02-29T12:00:00Z', 'UTC'), { monthStart: '2028-02-01', dayStart: '2028-02-29' });
    assert.deepEqual(at('2028-03-01T00:00:00Z', 'UTC'), { monthStart: '2028-03-01', dayStart: '2028-03-01' });
  });

  it('follow DST changes', () => {
    // Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST): that day is 23 hours long.
    assert.deepEqual(at('2026-03-28T22:59:59Z', 'Europe/Berlin').dayStart, '2026-03-28');
    assert.deepEqual(at('2026-03-28T23:00:00Z', 'Europe/Berlin').dayStart, '2026-03-29');
    assert.deepEqual(at('2026-03-29T21:59:59Z', 'Europe/Berlin').dayStart, '2026-03-29');
    assert.deepEqual(at('2026-03-29T22:00:00Z', 'Europe/Berlin').dayStart, '2026-03-30'); // now UTC+2
    // ... and falls back on 2026-10-25: a 25-hour day.
    assert.deepEqual(at('2026-10-24T22:00:00Z', 'Europe/Berlin').dayStart, '2026-10-25');
    assert.deepEqual(at('2026-10-25T22:59:59Z', 'Europe/Berlin').dayStart, '2026-10-25');
    assert.deepEqual(at('2026-10-25T23:00:00Z', 'Europe/Berlin').dayStart, '2026-10-26');
    // Sydney (southern hemisphere) leaves DST on 2026-04-05; month end at UTC+11 vs +10.
    assert.deepEqual(at('2026-03-31T12:59:59Z', 'Australia/Sydney'), { monthStart: '2026-03-01', dayStart: '2026-03-31' });
    assert.deepEqual(at('2026-03-31T13:00:00Z', 'Australia/Sydney'), { monthStart: '2026-04-01', dayStart: '2026-04-01' });
    assert.deepEqual(at('2026-04-30T13:59:59Z', 'Australia/Sydney'), { monthStart: '2026-04-01', dayStart: '2026-04-30' });
    assert.deepEqual(at('2026-04-30T14:00:00Z', 'Australia/Sydney'), { monthStart: '2026-05-01', dayStart: '2026-05-01' });
  });

  it('start the day at 01:00 where DST skips midnight', () => {
    // Santiago springs forward at local midnight on 2026-09-06: 00:00 does not exist, the day starts at 01:00 (-03).
    assert.deepEqual(at('2026-09-06T03:59:59Z', 'America/Santiago').dayStart, '2026-09-05');
    assert.deepEqual(at('2026-09-06T04:00:00Z', 'America/Santiago').dayStart, '2026-09-06');
  });

  it('know the next period', () => {
    assert.equal(nextPeriodStart('month', '2026-12-01'), '2027-01-01');
    assert.equal(nextPeriodStart('month', '2026-01-01'), '2026-02-01');
    assert.equal(nextPeriodStart('day', '2026-02-28'), '2026-03-01');
    assert.equal(nextPeriodStart('day', '2028-02-28'), '2028-02-29');
    assert.equal(nextPeriodStart('day', '2026-12-31'), '2027-01-01');
  });

  it('check time zone names', () => {
    assert.equal(isValidTimeZone('Europe/Berlin'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
  });
});
