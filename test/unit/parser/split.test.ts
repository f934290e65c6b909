import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import { splitStatements } from '../../../src/parser/index.ts';

const texts = (sql: string): string[] => splitStatements(sql).statements.map((s) => s.text);

describe('splitStatements', () => {
  const cases: Array<[string, string[]]> = [
    // empty messages: the wire sends EmptyQueryResponse
    ['', []],
    ['   ', []],
    [';', []],
    [';;  ;', []],
    ['-- only a comment', []],
    ['/* only */ -- comments\n ; /* and ; */', []],
    // one statement, with and without ';'
    ['select 1', ['select 1']],
    ['select 1;', ['select 1']],
    ['  select 1 ;  ', ['select 1']],
    ['select 1; select 2;;', ['select 1', 'select 2']],
    [';select 1;;;select 2', ['select 1', 'select 2']],
    // semicolons that do not end a statement
    ["select ';' ; select 2", ["select ';'", 'select 2']],
    ["select E'\\';' ; select 2", ["select E'\\';'", 'select 2']],
    ['select ";" from t; select 2', ['select ";" from t', 'select 2']],
    ['select $$;$$; select $x$ $$; $x$', ['select $$;$$', 'select $x$ $$; $x$']],
    ['select 1 /* ; /* ; */ ; */; select 2', ['select 1', 'select 2']],
    ['select /* ; */ 1; select 2', ['select /* ; */ 1', 'select 2']],
    ['select 1 -- ;\n; select 2', ['select 1', 'select 2']],
    ['select (1; 2); select 3', ['select (1; 2)', 'select 3']],
    // leading comments belong to the statement; trailing ones after the last token do not
    ['-- Metabase:: userID: 1\nSELECT 1; /* next */ SELECT 2 -- tail', ['-- Metabase:: userID: 1\nSELECT 1', '/* next */ SELECT 2']],
    // the original text is kept, including case, spacing and newlines inside
    ["SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation;", ["SET DateStyle = 'ISO'", 'SET extra_float_digits = 2', 'show transaction_isolation']],
    ['SELECT\n  a,\n  b\nFROM t\n;\n\nSELECT 2', ['SELECT\n  a,\n  b\nFROM t', 'SELECT 2']],
    // SQL-standard function bodies (psql's rule)
    [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT f()',
      ['CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END', 'SELECT f()'],
    ],
    [
      'create or replace procedure p() begin atomic insert into t values (1); end; call p()',
      ['create or replace procedure p() begin atomic insert into t values (1); end', 'call p()'],
    ],
    // BEGIN as a transaction statement still splits
    ['BEGIN; SELECT 1; COMMIT', ['BEGIN', 'SELECT 1', 'COMMIT']],
    ['begin; end; begin', ['begin', 'end', 'begin']],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(texts(input), expected));
  }

  it('reports offsets and 1-based character positions in the message', () => {
    const sql = "select '😀';\n  -- c\n  select 2 ;";
    const { statements } = splitStatements(sql);
    assert.equal(statements.length, 2);
    const [a, b] = statements;
    assert.deepEqual([a!.start, a!.end, a!.startPosition], [0, 11, 1]);
    assert.equal(sql.slice(b!.start, b!.end), b!.text);
    assert.equal(b!.text, '-- c\n  select 2');
    // '😀' is one character but two UTF-16 units
    assert.equal(b!.startPosition, b!.start);
  });

  it('rejects the whole message on an unterminated literal, with a message-relative position', () => {
    assert.throws(
      () => splitStatements("select 1; select 'oops"),
      (e: unknown) => e instanceof GatewayError && e.message === 'unterminated quoted string at or near "\'oops"' && e.position === 18,
    );
    assert.throws(() => splitStatements('select 1; /* open'), /unterminated \/\* comment/);
  });

  it('handles many statements in linear time', () => {
    const sql = 'insert into t values (1, \'a\');\n'.repeat(20_000);
    const t0 = performance.now();
    const { statements } = splitStatements(sql);
    assert.equal(statements.length, 20_000);
    assert.equal(statements[19_999]!.startPosition, 19_999 * 31 + 1);
    assert.ok(performance.now() - t0 < 2000);
  });
});
