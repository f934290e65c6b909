import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import { constantValue, findFunctionCalls, lex, quoteLiteral, replaceRanges } from '../../../src/parser/index.ts';

const NAMES = new Set([
  'version',
  'current_setting',
  'current_user',
  'session_user',
  'current_role',
  'user',
  'current_catalog',
  'current_database',
  'current_schema',
  'current_schemas',
  'pg_backend_pid',
  'inet_server_addr',
  'inet_server_port',
]);

/** Matches as [name, matched text, args], plus 'q' when pg_catalog-qualified and 'bare' without parentheses. */
function found(sql: string): Array<Array<string | string[]>> {
  return findFunctionCalls(sql, NAMES).map((c) => {
    const row: Array<string | string[]> = [c.name, sql.slice(c.start, c.end), c.args];
    if (c.qualified) row.push('q');
    if (!c.parens) row.push('bare');
    return row;
  });
}

describe('findFunctionCalls', () => {
  const cases: Array<[string, Array<Array<string | string[]>>]> = [
    ['select version()', [['version', 'version()', []]]],
    ['SELECT VERSION ( )', [['version', 'VERSION ( )', []]]],
    ['select pg_catalog.version()', [['version', 'pg_catalog.version()', [], 'q']]],
    ['select PG_CATALOG . version()', [['version', 'PG_CATALOG . version()', [], 'q']]],
    ['select "pg_catalog".version()', [['version', '"pg_catalog".version()', [], 'q']]],
    ['select "version"()', [['version', '"version"()', []]]],
    ["select current_setting('x')", [['current_setting', "current_setting('x')", ["'x'"]]]],
    ["select current_setting('x', true)", [['current_setting', "current_setting('x', true)", ["'x'", 'true']]]],
    ["select current_setting( 'a,b' , /* c */ false ) as s", [['current_setting', "current_setting( 'a,b' , /* c */ false )", ["'a,b'", 'false']]]],
    ['select current_schemas(true)[1]', [['current_schemas', 'current_schemas(true)', ['true']]]],
    ["select f(a, (b, c), d[1:2]), current_setting(concat('a', 'b'), x)", [['current_setting', "current_setting(concat('a', 'b'), x)", ["concat('a', 'b')", 'x']]]],
    // nested matches are reported once, as the outer call
    ["select current_setting(current_setting('a'))", [['current_setting', "current_setting(current_setting('a'))", ["current_setting('a')"]]]],
    // SQL keyword functions without parentheses
    ['select current_user', [['current_user', 'current_user', [], 'bare']]],
    [
      'select current_user, session_user, current_role, user, current_catalog',
      [
        ['current_user', 'current_user', [], 'bare'],
        ['session_user', 'session_user', [], 'bare'],
        ['current_role', 'current_role', [], 'bare'],
        ['user', 'user', [], 'bare'],
        ['current_catalog', 'current_catalog', [], 'bare'],
      ],
    ],
    ['select current_schema, current_schema()', [['current_schema', 'current_schema', [], 'bare'], ['current_schema', 'current_schema()', []]]],
    ['select pg_catalog.current_schema()', [['current_schema', 'pg_catalog.current_schema()', [], 'q']]],
    ['SELECT CURRENT_USER', [['current_user', 'CURRENT_USER', [], 'bare']]],
    ['select current_database(), pg_backend_pid(), inet_server_addr(), inet_server_port()', [
      ['current_database', 'current_database()', []],
      ['pg_backend_pid', 'pg_backend_pid()', []],
      ['inet_server_addr', 'inet_server_addr()', []],
      ['inet_server_port', 'inet_server_port()', []],
    ]],
    ['select version();select version()', [['version', 'version()', []], ['version', 'version()', []]]],
    // not matches
    ['select version from t', []],
    ['select t.version from t', []],
    ['select t.version() from t', []],
    ['select a.pg_catalog.version()', []],
    ['select myschema.current_setting(\'x\')', []],
    ["select 'version()', 'current_user'", []],
    ['select "version()", "current_user", "Version"()', []],
    ['select $$ version() $$, E\'current_user\'', []],
    ['select 1 /* version() current_user */ -- version()\n', []],
    ['select 1 as current_user, 2 as current_schema', []],
    ['select t.current_user, t.current_schema from t', []],
    ['select pg_catalog.current_user', []],
    ['select current_user()', []],
    ['select x::version', []],
    ['select version(', []],
    ['select versions(), my_version(), version_num()', []],
  ];
  for (const [sql, expected] of cases) {
    it(JSON.stringify(sql), () => assert.deepEqual(found(sql), expected));
  }

  it('accepts tokens already lexed', () => {
    const sql = 'select version()';
    assert.deepEqual(findFunctionCalls(sql, NAMES, lex(sql)).map((c) => c.name), ['version']);
  });

  it('only looks for the names given', () => {
    assert.deepEqual(findFunctionCalls('select version(), current_user', new Set(['current_user'])).map((c) => c.name), ['current_user']);
  });

  it('gives UTF-16 offsets usable with replaceRanges', () => {
    const sql = "select '😀', version() as v, current_user";
    const calls = findFunctionCalls(sql, NAMES);
    const out = replaceRanges(sql, calls.map((c) => ({ start: c.start, end: c.end, text: quoteLiteral(`<${c.name}>`) })));
    assert.equal(out, "select '😀', '<version>' as v, '<current_user>'");
  });
});

describe('replaceRanges', () => {
  const cases: Array<[string, Array<{ start: number; end: number; text: string }>, string]> = [
    ['abcdef', [], 'abcdef'],
    ['abcdef', [{ start: 0, end: 0, text: 'X' }], 'Xabcdef'],
    ['abcdef', [{ start: 6, end: 6, text: 'X' }], 'abcdefX'],
    ['abcdef', [{ start: 1, end: 3, text: 'XY' }], 'aXYdef'],
    ['abcdef', [{ start: 4, end: 5, text: '' }, { start: 0, end: 1, text: '_' }], '_bcdf'],
    ['abcdef', [{ start: 0, end: 2, text: '1' }, { start: 2, end: 4, text: '2' }, { start: 4, end: 6, text: '3' }], '123'],
  ];
  for (const [sql, reps, expected] of cases) {
    it(`${sql} ${JSON.stringify(reps)}`, () => assert.equal(replaceRanges(sql, reps), expected));
  }

  it('rejects overlapping or out-of-range replacements', () => {
    assert.throws(() => replaceRanges('abcdef', [{ start: 0, end: 3, text: '' }, { start: 2, end: 4, text: '' }]), GatewayError);
    assert.throws(() => replaceRanges('abc', [{ start: 2, end: 9, text: '' }]), GatewayError);
    assert.throws(() => replaceRanges('abc', [{ start: 2, end: 1, text: '' }]), GatewayError);
  });
});

describe('constantValue', () => {
  const cases: Array<[string, ReturnType<typeof constantValue>]> = [
    ["'x'", { kind: 'string', value: 'x' }],
    ["'it''s'", { kind: 'string', value: "it's" }],
    ["E'a\\n'", { kind: 'string', value: 'a\n' }],
    ['$$x$$', { kind: 'string', value: 'x' }],
    ["'x'::text", { kind: 'string', value: 'x' }],
    ["'search_path'::pg_catalog.text", { kind: 'string', value: 'search_path' }],
    [' /* c */ \'x\' ', { kind: 'string', value: 'x' }],
    ['42', { kind: 'number', value: '42' }],
    ['-1.5', { kind: 'number', value: '-1.5' }],
    ['+3', { kind: 'number', value: '3' }],
    ['true', { kind: 'boolean', value: true }],
    ['FALSE', { kind: 'boolean', value: false }],
    ['null', { kind: 'null' }],
    ['a', null],
    ['"true"', null],
    ['$1', null],
    ["'a' || 'b'", null],
    ["concat('a')", null],
    ["'unterminated", null],
    ['', null],
  ];
  for (const [text, expected] of cases) it(JSON.stringify(text), () => assert.deepEqual(constantValue(text), expected));
});

describe('quoteLiteral', () => {
  for (const [input, expected] of [
    ['abc', "'abc'"],
    ["it's", "'it''s'"],
    ['', "''"],
    ['a\\b', "'a\\b'"],
  ] as const) {
    it(JSON.stringify(input), () => assert.equal(quoteLiteral(input), expected));
  }
});
