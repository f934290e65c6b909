import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint, normalizeStatement } from '../../../src/ledger/fingerprint.ts';
import { metabaseTags, statementTags } from '../../../src/ledger/tags.ts';

describe('statement fingerprints', () => {
  const cases: Array<[string, string]> = [
    ["SELECT city, count(*) FROM lake.hotels WHERE stars >= 4 AND city = 'Paris' GROUP BY 1", 'select city, count(*) from lake.hotels where stars >= ? and city = ? group by ?'],
    ['select  CITY\n from   LAKE.Hotels -- why\n where id in (1, 2, 3);', 'select city from lake.hotels where id in (?)'],
    ['SELECT "City" FROM lake.hotels WHERE id = $1', 'select "City" from lake.hotels where id = ?'],
    ['select x from t where a = -5 and b between 1 and 2', 'select x from t where a = ? and b between ? and ?'],
    ["select E'a\\'b', $$x$$, 1.5e3, x'1F'", 'select ?, ?, ?, ?'],
    ['select a.b, f(x)[1] from t a', 'select a.b, f(x)[?] from t a'],
  ];
  for (const [sql, normalized] of cases) it(sql.split('\n')[0]!, () => assert.equal(normalizeStatement(sql), normalized));

  it('the same shape with other values has the same fingerprint; another shape does not', () => {
    assert.equal(fingerprint("select * from t where id in (1,2) and c = 'x'"), fingerprint("SELECT * FROM t WHERE id IN (7, 8, 9) AND c = 'y'"));
    assert.notEqual(fingerprint('select a from t'), fingerprint('select b from t'));
    assert.match(fingerprint('select 1'), /^[0-9a-f]{16}$/);
  });

  it('an unreadable statement still gets one', () => {
    assert.equal(normalizeStatement("select 'unterminated"), "select 'unterminated");
  });
});

describe('statement tags', () => {
  it("reads Metabase's query comment", () => {
    assert.deepEqual(metabaseTags('-- Metabase:: userID: 12 queryType: MBQL queryHash: 3fa9c2\nSELECT 1'), { userId: 12, queryType: 'MBQL', queryHash: '3fa9c2' });
    assert.deepEqual(metabaseTags('-- Metabase:: userID: 3 queryType: native queryHash: ab dashboardID: 7 cardID: 41\nSELECT 1'), {
      userId: 3,
      queryType: 'native',
      queryHash: 'ab',
      dashboardId: 7,
      cardId: 41,
    });
    assert.equal(metabaseTags('SELECT 1 -- Metabase:: userID: 1'), undefined);
  });

  it('combines the session tag, application_name and Metabase', () => {
    assert.deepEqual(statementTags('select 1', { tag: '', application: '' }), {});
    assert.deepEqual(statementTags('-- Metabase:: userID: 1\nselect 1', { tag: 'q3-report', application: 'Metabase v0.50' }), {
      tag: 'q3-report',
      application: 'Metabase v0.50',
      metabase: { userId: 1 },
    });
  });
});
