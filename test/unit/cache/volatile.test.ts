import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uncacheableReason } from '../../../src/cache/index.ts';

describe('statements the result cache never keeps', () => {
  const never = [
    'SELECT now()',
    'SELECT count(*) FROM lake.bookings WHERE booked_at > now() - interval \'1 day\'',
    'SELECT current_date',
    'SELECT * FROM lake.bookings WHERE checkin_date = CURRENT_DATE',
    'select random() from lake.hotels',
    'SELECT clock_timestamp()',
    'SELECT gen_random_uuid()',
    'SELECT current_user, session_user',
    'SELECT localtimestamp',
    "SELECT current_setting('TimeZone')",
    "SELECT nextval('s')",
    'SELECT uuid()',
    "SELECT * FROM read_parquet('/etc/x.parquet')",
    "SELECT * FROM 'x.parquet'",
  ];
  for (const sql of never) it(sql, () => assert.notEqual(uncacheableReason(sql), null));

  const fine = [
    "SELECT count(*) FROM lake.bookings WHERE booking_month = '2024-03'",
    "SELECT 'now()' AS label FROM lake.hotels",
    'SELECT "now" FROM lake.t',
    "SELECT id::uuid FROM lake.t",
    'SELECT count(*) AS today FROM lake.t',
    'SELECT user_id FROM lake.bookings',
  ];
  for (const sql of fine) it(`keeps: ${sql}`, () => assert.equal(uncacheableReason(sql), null));
});
