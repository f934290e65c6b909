import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey, cacheText, type KeyParts } from '../../../src/cache/index.ts';

const base: KeyParts = {
  text: cacheText("SELECT city, count(*) FROM lake.hotels WHERE city = 'Paris' GROUP BY 1")!,
  params: [],
  engines: 'lake',
  versions: new Map([['lake:lake.hotels', 'v1']]),
  scope: 'growth',
  settings: ['lake', 'UTC'],
};
const keyOf = (over: Partial<KeyParts>) => cacheKey({ ...base, ...over });
const keyOfSql = (sql: string) => keyOf({ text: cacheText(sql)! });

describe('result cache keys: what makes two statements one result', () => {
  it('whitespace, comments, keyword case, a trailing semicolon and quoting style of strings do not', () => {
    const k = keyOf({});
    for (const sql of [
      "select city,count(*) from lake.hotels where city='Paris' group by 1",
      "SELECT  city , COUNT(*)\n  FROM LAKE.HOTELS -- dashboard\n WHERE city = 'Paris' /* tile 3 */ GROUP BY 1;",
      "SELECT city, count(*) FROM lake.hotels WHERE city = E'Paris' GROUP BY 1",
      'SELECT city, count(*) FROM lake.hotels WHERE city = $$Paris$$ GROUP BY 1',
    ])
      assert.equal(keyOfSql(sql), k, sql);
    assert.equal(cacheText('select 1E3, 1e3'), 'select 1e3 , 1e3');
  });

  it('other literals, literal formatting that shows in the result, quoted names, parameters differ', () => {
    const k = keyOf({});
    assert.notEqual(keyOfSql("SELECT city, count(*) FROM lake.hotels WHERE city = 'paris' GROUP BY 1"), k);
    assert.notEqual(keyOfSql("SELECT city, count(*) FROM lake.hotels WHERE city = 'Paris' GROUP BY 2"), k);
    assert.notEqual(cacheText('select 1.5'), cacheText('select 1.50'));
    assert.notEqual(cacheText('select "City" from t'), cacheText('select city from t'));
    assert.notEqual(keyOf({ params: [1] }), keyOf({ params: [2] }));
    assert.notEqual(keyOf({ params: [1n] }), keyOf({ params: ['1'] }));
    assert.notEqual(keyOf({ params: [null] }), keyOf({ params: [] }));
  });

  it('another team, engine, data version, table set or setting differs', () => {
    const k = keyOf({});
    assert.notEqual(keyOf({ scope: 'finance' }), k);
    assert.notEqual(keyOf({ engines: 'lake_replica' }), k);
    assert.notEqual(keyOf({ versions: new Map([['lake:lake.hotels', 'v2']]) }), k);
    assert.notEqual(keyOf({ versions: new Map([['lake:lake.hotels', 'v1'], ['lake:lake.bookings', 'v1']]) }), k);
    assert.notEqual(keyOf({ settings: ['lake', 'Europe/Berlin'] }), k);
    // Parts cannot run into one another.
    assert.notEqual(keyOf({ scope: 'ab', settings: ['c'] }), keyOf({ scope: 'a', settings: ['bc'] }));
  });

  it('the order tables were versioned in does not matter', () => {
    const a = new Map([['lake:lake.a', '1'], ['lake:lake.b', '2']]);
    const b = new Map([['lake:lake.b', '2'], ['lake:lake.a', '1']]);
    assert.equal(keyOf({ versions: a }), keyOf({ versions: b }));
  });
});
