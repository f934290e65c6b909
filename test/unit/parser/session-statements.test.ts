import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import {
  classifySessionStatement,
  quoteIdentifier,
  splitStatements,
  type SessionCommand,
  type SetArg,
  type TransactionModes,
} from '../../../src/parser/index.ts';

const str = (value: string): SetArg => ({ kind: 'string', value });
const word = (value: string, quoted = false): SetArg => ({ kind: 'word', value, quoted });
const int = (value: string): SetArg => ({ kind: 'number', value, integer: true });
const num = (value: string): SetArg => ({ kind: 'number', value, integer: false });
const set = (name: string, value: string | null, args: SetArg[], local = false): SessionCommand => ({ kind: 'set', tag: 'SET', name, local, value, args });
const show = (name: string): SessionCommand => ({ kind: 'show', tag: 'SHOW', name, all: name === 'all' });
const reset = (name: string): SessionCommand => ({ kind: 'reset', tag: 'RESET', name, all: name === 'all' });
const modes = (m: Partial<TransactionModes> = {}): TransactionModes => ({ isolation: null, readOnly: null, deferrable: null, ...m });
const begin = (m: Partial<TransactionModes> = {}): SessionCommand => ({ kind: 'begin', tag: 'BEGIN', modes: modes(m) });
const fetch = (direction: 'forward' | 'backward' | 'absolute' | 'relative', count: number | 'all', cursor: string, move = false): SessionCommand => ({
  kind: 'fetch',
  tag: move ? 'MOVE' : 'FETCH',
  move,
  direction,
  count,
  cursor,
});

function expectCases(cases: Array<[string, SessionCommand | null]>): void {
  for (const [sql, expected] of cases) {
    it(JSON.stringify(sql), () => assert.deepEqual(classifySessionStatement(sql), expected));
  }
}

/** [sql, sqlstate, message, position]: each checked against PostgreSQL 15. */
function expectErrors(cases: Array<[string, string, string, number | undefined]>): void {
  for (const [sql, sqlstate, message, position] of cases) {
    it(JSON.stringify(sql), () => {
      assert.throws(
        () => classifySessionStatement(sql),
        (e: unknown) => {
          assert.ok(e instanceof GatewayError, String(e));
          assert.deepEqual([e.sqlstate, e.message, e.position], [sqlstate, message, position]);
          return true;
        },
      );
    });
  }
}

describe('statements real clients send', () => {
  expectCases([
    // pgjdbc
    ['SET extra_float_digits = 3', set('extra_float_digits', '3', [int('3')])],
    ["SET application_name = 'PostgreSQL JDBC Driver'", set('application_name', 'PostgreSQL JDBC Driver', [str('PostgreSQL JDBC Driver')])],
    ['BEGIN', begin()],
    [
      'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED',
      { kind: 'set-session-characteristics', tag: 'SET', modes: modes({ isolation: 'read committed' }) },
    ],
    ['SHOW TRANSACTION ISOLATION LEVEL', show('transaction_isolation')],
    ['COMMIT', { kind: 'commit', tag: 'COMMIT', chain: false }],
    ['ROLLBACK', { kind: 'rollback', tag: 'ROLLBACK', chain: false }],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', { kind: 'set-session-characteristics', tag: 'SET', modes: modes({ readOnly: true }) }],
    ['SAVEPOINT PGJDBC_AUTOSAVE', { kind: 'savepoint', tag: 'SAVEPOINT', name: 'pgjdbc_autosave' }],
    ['RELEASE SAVEPOINT PGJDBC_AUTOSAVE', { kind: 'release-savepoint', tag: 'RELEASE', name: 'pgjdbc_autosave' }],
    ['ROLLBACK TO SAVEPOINT PGJDBC_AUTOSAVE', { kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: 'pgjdbc_autosave' }],
    // psycopg2 / psycopg3 / libpq
    ["SET datestyle TO 'ISO'", set('datestyle', 'ISO', [str('ISO')])],
    ['SHOW server_version', show('server_version')],
    ['SHOW client_encoding', show('client_encoding')],
    ["SET TIME ZONE 'UTC'", set('timezone', 'UTC', [str('UTC')])],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE', begin({ isolation: 'serializable', readOnly: true, deferrable: true })],
    ['SET search_path TO public', set('search_path', 'public', [word('public')])],
    ['SHOW standard_conforming_strings', show('standard_conforming_strings')],
    // psqlODBC
    ["SET DateStyle = 'ISO'", set('datestyle', 'ISO', [str('ISO')])],
    ['SET extra_float_digits = 2', set('extra_float_digits', '2', [int('2')])],
    ['show transaction_isolation', show('transaction_isolation')],
    ['DEALLOCATE "_PLAN0x55d4c0e8a8c0"', { kind: 'deallocate', tag: 'DEALLOCATE', name: '_PLAN0x55d4c0e8a8c0' }],
    // psql
    ['SHOW ALL', show('all')],
    ['\\set', null],
    // Metabase
    ["SET SESSION TIMEZONE TO 'UTC'", set('timezone', 'UTC', [str('UTC')])],
    ["SET TIME ZONE 'America/New_York'", set('timezone', 'America/New_York', [str('America/New_York')])],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', { kind: 'set-session-characteristics', tag: 'SET', modes: modes({ readOnly: false }) }],
    // DBeaver
    ["SET application_name = 'DBeaver 24.0.0 - Main'", set('application_name', 'DBeaver 24.0.0 - Main', [str('DBeaver 24.0.0 - Main')])],
    ["SET application_name = 'DBeaver 24.0.0 - Metadata'", set('application_name', 'DBeaver 24.0.0 - Metadata', [str('DBeaver 24.0.0 - Metadata')])],
    ['SHOW search_path', show('search_path')],
    // SQLAlchemy (the queries go to the executor; SHOW is ours)
    ['select pg_catalog.version()', null],
    ['select current_schema()', null],
    ['show standard_conforming_strings', show('standard_conforming_strings')],
    ["select current_setting('standard_conforming_strings')", null],
    // Npgsql / Tableau / Power BI style
    ['DISCARD ALL', { kind: 'discard', tag: 'DISCARD ALL', target: 'all' }],
    ['SET statement_timeout = 0', set('statement_timeout', '0', [int('0')])],
    ["SET lock_timeout = '10s'", set('lock_timeout', '10s', [str('10s')])],
    ['SET client_min_messages TO warning', set('client_min_messages', 'warning', [word('warning')])],
    ['SET bytea_output = escape', set('bytea_output', 'escape', [word('escape')])],
    ['set tollgate.engine = duckdb', set('tollgate.engine', 'duckdb', [word('duckdb')])],
  ]);
});

describe('SET', () => {
  expectCases([
    // values as SHOW prints them
    ['SET search_path = a, "B"', set('search_path', 'a, "B"', [word('a'), word('B', true)])],
    [
      `set search_path = a, "B", '', "$user", "select", Foo, 'Bar'`,
      set('search_path', 'a, "B", "", "$user", "select", foo, "Bar"', [word('a'), word('B', true), str(''), word('$user', true), word('select', true), word('foo'), str('Bar')]),
    ],
    ['SET search_path = "$user", public', set('search_path', '"$user", public', [word('$user', true), word('public')])],
    ["SET search_path TO ''", set('search_path', '""', [str('')])],
    ["SET x.y TO 'foo'", set('x.y', 'foo', [str('foo')])],
    ['SET x.y = "Foo"', set('x.y', 'Foo', [word('Foo', true)])],
    ['SET x.y = ABC', set('x.y', 'abc', [word('abc')])],
    ['SET x.y = ON', set('x.y', 'on', [word('on')])],
    ['SET x.y = off', set('x.y', 'off', [word('off')])],
    ['SET x.y = true', set('x.y', 'true', [word('true')])],
    ['SET x.y = FALSE', set('x.y', 'false', [word('false')])],
    ['SET x.y = between', set('x.y', 'between', [word('between')])],
    ['SET x.y = current_schema', set('x.y', 'current_schema', [word('current_schema')])],
    ["set x.y = 'a'\n  'b'", set('x.y', 'ab', [str('ab')])],
    ["SET x.y = E'a\\nb'", set('x.y', 'a\nb', [str('a\nb')])],
    ['SET x.y = $$abc$$', set('x.y', 'abc', [str('abc')])],
    ["SET x.y = U&'\\0041'", set('x.y', 'A', [str('A')])],
    // numbers: integers via %d, others as written, signs folded in
    ['SET x.y = -1.50', set('x.y', '-1.50', [num('-1.50')])],
    ['set x.y = 007', set('x.y', '7', [int('7')])],
    ['set x.y=-3', set('x.y', '-3', [int('-3')])],
    ['SET x.y =- 3', set('x.y', '-3', [int('-3')])],
    ['set x.y = +1.5', set('x.y', '1.5', [num('1.5')])],
    ['set x.y = 3000000000', set('x.y', '3000000000', [num('3000000000')])],
    ['set x.y = -2147483648', set('x.y', '-2147483648', [num('-2147483648')])],
    ['set x.y = 2147483647', set('x.y', '2147483647', [int('2147483647')])],
    ['SET x.y = 1e3', set('x.y', '1e3', [num('1e3')])],
    ['SET x.y = .5', set('x.y', '.5', [num('.5')])],
    ['SET x.y = -0', set('x.y', '0', [int('0')])],
    ['SET x.y = --3\n4', set('x.y', '4', [int('4')])],
    // scope, names, DEFAULT
    ['SET SESSION x.y = 1', set('x.y', '1', [int('1')])],
    ['SET LOCAL x.y = 1', set('x.y', '1', [int('1')], true)],
    ['SET "TimeZone" = \'UTC\'', set('timezone', 'UTC', [str('UTC')])],
    ['set"x.y"= 1', set('x.y', '1', [int('1')])],
    ["SET\"x.y\"TO'a'", set('x.y', 'a', [str('a')])],
    ['SET a.b.c = 1', set('a.b.c', '1', [int('1')])],
    ['SET x."Sel" = 1', set('x.sel', '1', [int('1')])],
    ['SET x.y TO DEFAULT', set('x.y', null, [])],
    ['SET work_mem = DEFAULT', set('work_mem', null, [])],
    ['SET DateStyle = ISO, MDY', set('datestyle', 'iso, mdy', [word('iso'), word('mdy')])],
    // special words are parameter names when followed by = or TO
    ['SET session = 1', set('session', '1', [int('1')])],
    ['SET local = 1', set('local', '1', [int('1')])],
    ['SET time = 1', set('time', '1', [int('1')])],
    ['SET transaction = 1', set('transaction', '1', [int('1')])],
    ['SET names = 1', set('names', '1', [int('1')])],
    ['SET schema = 1', set('schema', '1', [int('1')])],
    ['SET role = 1', set('role', '1', [int('1')])],
    ['SET constraints = 1', set('constraints', '1', [int('1')])],
    ['SET session characteristics = 1', set('characteristics', '1', [int('1')])],
    // trailing semicolons and comments
    ['SET x.y = on;', set('x.y', 'on', [word('on')])],
    ['SET x.y = 1;  ;', set('x.y', '1', [int('1')])],
    ['SET x.y = 1 -- comment', set('x.y', '1', [int('1')])],
    ['/* lead */ SET x.y = 1 /* c */ ;', set('x.y', '1', [int('1')])],
    ["-- lead\nSET x.y = 'a'", set('x.y', 'a', [str('a')])],
    // TIME ZONE
    ['SET TIME ZONE utc', set('timezone', 'utc', [word('utc')])],
    ['SET TIME ZONE "Europe/Paris"', set('timezone', 'Europe/Paris', [word('Europe/Paris', true)])],
    ['SET TIME ZONE -8', set('timezone', '-8', [int('-8')])],
    ['SET TIME ZONE 5.5', set('timezone', '5.5', [num('5.5')])],
    ['SET TIME ZONE LOCAL', set('timezone', null, [])],
    ['SET TIME ZONE DEFAULT', set('timezone', null, [])],
    ['SET LOCAL TIME ZONE \'UTC\'', set('timezone', 'UTC', [str('UTC')], true)],
    ['SET timezone = \'UTC\'', set('timezone', 'UTC', [str('UTC')])],
    [
      "SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE",
      set('timezone', "INTERVAL '-08:00'", [{ kind: 'interval', value: '-08:00', qualifier: 'hour to minute', precision: null }]),
    ],
    ["SET TIME ZONE INTERVAL '1' HOUR", set('timezone', "INTERVAL '1'", [{ kind: 'interval', value: '1', qualifier: 'hour', precision: null }])],
    ["SET TIME ZONE INTERVAL(2) '-08:00'", set('timezone', "INTERVAL '-08:00'", [{ kind: 'interval', value: '-08:00', qualifier: null, precision: 2 }])],
    // SCHEMA, NAMES, XML OPTION
    ["SET SCHEMA 'Foo'", set('search_path', '"Foo"', [str('Foo')])],
    ["SET SCHEMA 'public'", set('search_path', 'public', [str('public')])],
    ["SET NAMES 'utf8'", set('client_encoding', 'utf8', [str('utf8')])],
    ['SET NAMES', set('client_encoding', null, [])],
    ['SET NAMES DEFAULT', set('client_encoding', null, [])],
    ['SET XML OPTION DOCUMENT', set('xmloption', 'document', [word('document')])],
    // ROLE, SESSION AUTHORIZATION, TRANSACTION
    ['SET ROLE NONE', { kind: 'set-role', tag: 'SET', local: false, role: 'none' }],
    ["SET ROLE 'Admin'", { kind: 'set-role', tag: 'SET', local: false, role: 'Admin' }],
    ['SET LOCAL ROLE analyst', { kind: 'set-role', tag: 'SET', local: true, role: 'analyst' }],
    ['SET SESSION AUTHORIZATION DEFAULT', { kind: 'set-session-authorization', tag: 'SET', local: false, user: null }],
    ['SET SESSION AUTHORIZATION postgres', { kind: 'set-session-authorization', tag: 'SET', local: false, user: 'postgres' }],
    ['SET SESSION SESSION AUTHORIZATION DEFAULT', { kind: 'set-session-authorization', tag: 'SET', local: false, user: null }],
    ['SET TRANSACTION READ ONLY', { kind: 'set-transaction', tag: 'SET', modes: modes({ readOnly: true }) }],
    [
      'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, ISOLATION LEVEL READ COMMITTED',
      { kind: 'set-transaction', tag: 'SET', modes: modes({ isolation: 'read committed' }) },
    ],
    ["SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", { kind: 'set-transaction-snapshot', tag: 'SET', snapshot: '00000003-0000001B-1' }],
    [
      'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, NOT DEFERRABLE',
      { kind: 'set-session-characteristics', tag: 'SET', modes: modes({ readOnly: true, deferrable: false }) },
    ],
    // not a parameter: SET CONSTRAINTS goes to the executor's query path
    ['SET CONSTRAINTS ALL DEFERRED', null],
  ]);
});

describe('SET errors', () => {
  expectErrors([
    ['SET', '42601', 'syntax error at end of input', 4],
    ['SET x', '42601', 'syntax error at end of input', 6],
    ['SET x   ', '42601', 'syntax error at end of input', 9],
    ['SET x -- c', '42601', 'syntax error at end of input', 11],
    ['SET x;', '42601', 'syntax error at or near ";"', 6],
    ['SET = 1', '42601', 'syntax error at or near "="', 5],
    ['SET select = 1', '42601', 'syntax error at or near "select"', 5],
    ['SET x.y =', '42601', 'syntax error at end of input', 10],
    ['SET x.y = 1,', '42601', 'syntax error at end of input', 13],
    ['SET .x = 1', '42601', 'syntax error at or near "."', 5],
    ['SET x. = 1', '42601', 'syntax error at or near "="', 8],
    ['SET x.select = 1', '42601', 'syntax error at or near "select"', 7],
    ['SET x.y = 1 2', '42601', 'syntax error at or near "2"', 13],
    ["SET x.y = 'a' 'b'", '42601', 'syntax error at or near "\'b\'"', 15],
    ['SET x.y = null', '42601', 'syntax error at or near "null"', 11],
    ["set x.y = - 'a'", '42601', 'syntax error at or near "\'a\'"', 13],
    ["set x.y = b'01'", '42601', 'syntax error at or near "b\'01\'"', 11],
    ["SET x.y = N'abc'", '42601', 'syntax error at or near "\'abc\'"', 12],
    ['SET x.y = $1', '42601', 'syntax error at or near "$1"', 11],
    ['SET x.y = default, 1', '42601', 'syntax error at or near ","', 18],
    ['SET x.y = 1, default', '42601', 'syntax error at or near "default"', 14],
    ['SET x.y TO DEFAULT x', '42601', 'syntax error at or near "x"', 20],
    ['SET TIME ZONE', '42601', 'syntax error at end of input', 14],
    ['SET TIME ZONE zone', '42601', 'syntax error at or near "zone"', 15],
    ["SET TIME ZONE 'UTC', 'x'", '42601', 'syntax error at or near ","', 20],
    ["SET TIME ZONE INTERVAL '-08:00' DAY TO HOUR", '42601', 'time zone interval must be HOUR or HOUR TO MINUTE', 33],
    ["SET TIME ZONE INTERVAL '-08:00' HOUR TO SECOND", '42601', 'time zone interval must be HOUR or HOUR TO MINUTE', 33],
    ['SET SCHEMA foo', '42601', 'syntax error at or near "foo"', 12],
    ['SET NAMES utf8', '42601', 'syntax error at or near "utf8"', 11],
    ['SET ROLE', '42601', 'syntax error at end of input', 9],
    ['SET SESSION AUTHORIZATION = 1', '42601', 'syntax error at or near "="', 27],
    ['SET XML OPTION x', '42601', 'syntax error at or near "x"', 16],
    ['SET SESSION', '42601', 'syntax error at end of input', 12],
    ['SET LOCAL', '42601', 'syntax error at end of input', 10],
    ['SET TRANSACTION', '42601', 'syntax error at end of input', 16],
    ['SET TRANSACTION ISOLATION LEVEL', '42601', 'syntax error at end of input', 32],
    ['SET TRANSACTION ISOLATION LEVEL READ', '42601', 'syntax error at end of input', 37],
    ['SET TRANSACTION READ', '42601', 'syntax error at end of input', 21],
    ['SET TRANSACTION NOT', '42601', 'syntax error at end of input', 20],
    ['SET TRANSACTION SNAPSHOT', '42601', 'syntax error at end of input', 25],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION', '42601', 'syntax error at end of input', 43],
    ['SET SESSION CHARACTERISTICS AS', '42601', 'syntax error at end of input', 31],
    ['SET SESSION CHARACTERISTICS TRANSACTION READ ONLY', '42601', 'syntax error at or near "TRANSACTION"', 29],
    ['SET search_path = public, ', '42601', 'syntax error at end of input', 27],
    // lexer errors come through
    ["SET x.y = 'abc", '42601', 'unterminated quoted string at or near "\'abc"', 11],
    ['SET x.y = $$abc', '42601', 'unterminated dollar-quoted string at or near "$$abc"', 11],
    ['SET /* x', '42601', 'unterminated /* comment at or near "/* x"', 5],
    ['SET x.y = 1e', '42601', 'trailing junk after numeric literal at or near "1e"', 11],
    // semantic errors PostgreSQL raises while executing SET
    ['set x.y = a, b', '22023', 'SET x.y takes only one argument', undefined],
    ['SET a.b.c = ON, 1', '22023', 'SET a.b.c takes only one argument', undefined],
    ["SET application_name = 'a', 'b'", '22023', 'SET application_name takes only one argument', undefined],
    ["SET CATALOG 'x'", '0A000', 'current database cannot be changed', 13],
    ['SET x.y FROM CURRENT', '0A000', 'SET ... FROM CURRENT is not supported', undefined],
    // one statement only
    ['SET x.y = 1; SELECT 1', '42601', 'cannot insert multiple commands into a prepared statement', undefined],
  ]);
});

describe('SHOW and RESET', () => {
  expectCases([
    ['SHOW TIME ZONE', show('timezone')],
    ['SHOW TIMEZONE', show('timezone')],
    ['SHOW "TimeZone"', show('timezone')],
    ['SHOW SESSION AUTHORIZATION', show('session_authorization')],
    ['show all', show('all')],
    ['SHOW "ALL"', show('all')],
    ['SHOW x.y.z', show('x.y.z')],
    ['SHOW x.y;;', show('x.y')],
    ['SHOW x.y -- trailing', show('x.y')],
    ['SHOW time', show('time')],
    ['SHOW session', show('session')],
    ['SHOW transaction', show('transaction')],
    ['SHOW DateStyle', show('datestyle')],
    ['RESET time zone', reset('timezone')],
    ['RESET ALL', reset('all')],
    ['RESET "all"', { kind: 'reset', tag: 'RESET', name: 'all', all: false }],
    ['RESET x.y', reset('x.y')],
    ['RESET time', reset('time')],
    ['RESET TRANSACTION ISOLATION LEVEL', reset('transaction_isolation')],
    ['RESET SESSION AUTHORIZATION', reset('session_authorization')],
    ['RESET search_path;', reset('search_path')],
    ['RESET TIME', reset('time')],
  ]);
  expectErrors([
    ['SHOW', '42601', 'syntax error at end of input', 5],
    ['SHOW  \n', '42601', 'syntax error at end of input', 8],
    ['SHOW;', '42601', 'syntax error at or near ";"', 5],
    ['SHOW transaction isolation', '42601', 'syntax error at end of input', 27],
    ['SHOW ALL x', '42601', 'syntax error at or near "x"', 10],
    ['SHOW x.', '42601', 'syntax error at end of input', 8],
    ['SHOW select', '42601', 'syntax error at or near "select"', 6],
    ['SHOW 1', '42601', 'syntax error at or near "1"', 6],
    ['RESET', '42601', 'syntax error at end of input', 6],
  ]);
});

describe('transactions', () => {
  expectCases([
    ['BEGIN;', begin()],
    ['BEGIN WORK', begin()],
    ['begin transaction', begin()],
    ['BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED READ ONLY', begin({ isolation: 'read committed', readOnly: true })],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY, DEFERRABLE', begin({ isolation: 'serializable', readOnly: true, deferrable: true })],
    ['BEGIN READ WRITE, NOT DEFERRABLE ISOLATION LEVEL REPEATABLE READ', begin({ isolation: 'repeatable read', readOnly: false, deferrable: false })],
    ['BEGIN ISOLATION LEVEL READ UNCOMMITTED', begin({ isolation: 'read uncommitted' })],
    ['START TRANSACTION', { kind: 'begin', tag: 'START TRANSACTION', modes: modes() }],
    ['START TRANSACTION READ ONLY', { kind: 'begin', tag: 'START TRANSACTION', modes: modes({ readOnly: true }) }],
    ['COMMIT WORK', { kind: 'commit', tag: 'COMMIT', chain: false }],
    ['COMMIT TRANSACTION AND CHAIN', { kind: 'commit', tag: 'COMMIT', chain: true }],
    ['COMMIT AND NO CHAIN', { kind: 'commit', tag: 'COMMIT', chain: false }],
    ['END', { kind: 'commit', tag: 'COMMIT', chain: false }],
    ['END WORK', { kind: 'commit', tag: 'COMMIT', chain: false }],
    ['END AND CHAIN', { kind: 'commit', tag: 'COMMIT', chain: true }],
    ['ROLLBACK WORK', { kind: 'rollback', tag: 'ROLLBACK', chain: false }],
    ['ROLLBACK AND CHAIN', { kind: 'rollback', tag: 'ROLLBACK', chain: true }],
    ['ABORT', { kind: 'rollback', tag: 'ROLLBACK', chain: false }],
    ['ABORT WORK AND NO CHAIN', { kind: 'rollback', tag: 'ROLLBACK', chain: false }],
    ['ROLLBACK TO sp', { kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: 'sp' }],
    ['ROLLBACK WORK TO SAVEPOINT sp', { kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: 'sp' }],
    ['ROLLBACK TO savepoint', { kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: 'savepoint' }],
    ['ROLLBACK TO SAVEPOINT', { kind: 'rollback-to-savepoint', tag: 'ROLLBACK', name: 'savepoint' }],
    ['SAVEPOINT sp', { kind: 'savepoint', tag: 'SAVEPOINT', name: 'sp' }],
    ['SAVEPOINT "Sp"', { kind: 'savepoint', tag: 'SAVEPOINT', name: 'Sp' }],
    ['RELEASE sp', { kind: 'release-savepoint', tag: 'RELEASE', name: 'sp' }],
    ['RELEASE savepoint', { kind: 'release-savepoint', tag: 'RELEASE', name: 'savepoint' }],
    ["PREPARE TRANSACTION 'x'", { kind: 'two-phase', tag: 'PREPARE TRANSACTION', action: 'prepare', gid: 'x' }],
    ["COMMIT PREPARED 'x'", { kind: 'two-phase', tag: 'COMMIT PREPARED', action: 'commit', gid: 'x' }],
    ["ROLLBACK PREPARED 'x'", { kind: 'two-phase', tag: 'ROLLBACK PREPARED', action: 'rollback', gid: 'x' }],
    // PREPARE of a statement is not a session statement
    ['PREPARE foo AS SELECT 1', null],
    ['PREPARE transaction AS SELECT 1', null],
  ]);
  expectErrors([
    ['BEGIN READ ONLY ISOLATION', '42601', 'syntax error at end of input', 26],
    ['BEGIN ,', '42601', 'syntax error at or near ","', 7],
    ['BEGIN READ ONLY,', '42601', 'syntax error at end of input', 17],
    ['BEGIN READ ONLY,,', '42601', 'syntax error at or near ","', 17],
    ['BEGIN WORK TRANSACTION', '42601', 'syntax error at or near "TRANSACTION"', 12],
    ['BEGIN NOT', '42601', 'syntax error at end of input', 10],
    ['BEGIN x', '42601', 'syntax error at or near "x"', 7],
    ['START', '42601', 'syntax error at end of input', 6],
    ['START WORK', '42601', 'syntax error at or near "WORK"', 7],
    ['COMMIT AND', '42601', 'syntax error at end of input', 11],
    ['COMMIT AND NO', '42601', 'syntax error at end of input', 14],
    ['COMMIT WORK TRANSACTION', '42601', 'syntax error at or near "TRANSACTION"', 13],
    ['COMMIT PREPARED', '42601', 'syntax error at end of input', 16],
    ['COMMIT PREPARED x', '42601', 'syntax error at or near "x"', 17],
    ["END PREPARED 'x'", '42601', 'syntax error at or near "PREPARED"', 5],
    ['ROLLBACK TO', '42601', 'syntax error at end of input', 12],
    ['ABORT TO sp', '42601', 'syntax error at or near "TO"', 7],
    ['SAVEPOINT', '42601', 'syntax error at end of input', 10],
    ['SAVEPOINT select', '42601', 'syntax error at or near "select"', 11],
    ['SAVEPOINT sp x', '42601', 'syntax error at or near "x"', 14],
    ['RELEASE', '42601', 'syntax error at end of input', 8],
    ['BEGIN; SELECT 1', '42601', 'cannot insert multiple commands into a prepared statement', undefined],
  ]);
});

describe('DISCARD, DEALLOCATE, LISTEN, NOTIFY', () => {
  expectCases([
    ['DISCARD PLANS', { kind: 'discard', tag: 'DISCARD PLANS', target: 'plans' }],
    ['DISCARD SEQUENCES', { kind: 'discard', tag: 'DISCARD SEQUENCES', target: 'sequences' }],
    ['DISCARD TEMP', { kind: 'discard', tag: 'DISCARD TEMP', target: 'temp' }],
    ['DISCARD TEMPORARY', { kind: 'discard', tag: 'DISCARD TEMP', target: 'temp' }],
    ['DEALLOCATE x', { kind: 'deallocate', tag: 'DEALLOCATE', name: 'x' }],
    ['DEALLOCATE S_1', { kind: 'deallocate', tag: 'DEALLOCATE', name: 's_1' }],
    ['DEALLOCATE PREPARE x', { kind: 'deallocate', tag: 'DEALLOCATE', name: 'x' }],
    ['DEALLOCATE PREPARE ALL', { kind: 'deallocate', tag: 'DEALLOCATE ALL', name: null }],
    ['DEALLOCATE ALL', { kind: 'deallocate', tag: 'DEALLOCATE ALL', name: null }],
    ['DEALLOCATE prepare', { kind: 'deallocate', tag: 'DEALLOCATE', name: 'prepare' }],
    ['LISTEN Foo', { kind: 'listen', tag: 'LISTEN', channel: 'foo' }],
    ['UNLISTEN *', { kind: 'unlisten', tag: 'UNLISTEN', channel: null }],
    ['UNLISTEN foo', { kind: 'unlisten', tag: 'UNLISTEN', channel: 'foo' }],
    ["NOTIFY foo, 'p'", { kind: 'notify', tag: 'NOTIFY', channel: 'foo', payload: 'p' }],
    ['NOTIFY foo', { kind: 'notify', tag: 'NOTIFY', channel: 'foo', payload: null }],
  ]);
  expectErrors([
    ['DISCARD', '42601', 'syntax error at end of input', 8],
    ['DISCARD x', '42601', 'syntax error at or near "x"', 9],
    ['DEALLOCATE', '42601', 'syntax error at end of input', 11],
    ['DEALLOCATE select', '42601', 'syntax error at or near "select"', 12],
    ['LISTEN', '42601', 'syntax error at end of input', 7],
    ["LISTEN 'x'", '42601', 'syntax error at or near "\'x\'"', 8],
    ['UNLISTEN', '42601', 'syntax error at end of input', 9],
    ['NOTIFY foo,', '42601', 'syntax error at end of input', 12],
    ['NOTIFY foo, p', '42601', 'syntax error at or near "p"', 13],
  ]);
});

describe('cursors', () => {
  const opts = { binary: false, insensitive: false, asensitive: false, scroll: false, noScroll: false, hold: false };
  expectCases([
    ['DECLARE c CURSOR FOR SELECT 1', { kind: 'declare', tag: 'DECLARE CURSOR', name: 'c', options: opts, query: 'SELECT 1', queryStart: 21 }],
    [
      'DECLARE c BINARY INSENSITIVE NO SCROLL CURSOR WITH HOLD FOR SELECT * FROM t; ',
      { kind: 'declare', tag: 'DECLARE CURSOR', name: 'c', options: { ...opts, binary: true, insensitive: true, noScroll: true, hold: true }, query: 'SELECT * FROM t', queryStart: 60 },
    ],
    [
      'DECLARE "C" SCROLL CURSOR WITHOUT HOLD FOR VALUES (1) -- x',
      { kind: 'declare', tag: 'DECLARE CURSOR', name: 'C', options: { ...opts, scroll: true }, query: 'VALUES (1)', queryStart: 43 },
    ],
    ['DECLARE c CURSOR FOR (SELECT 1)', { kind: 'declare', tag: 'DECLARE CURSOR', name: 'c', options: opts, query: '(SELECT 1)', queryStart: 21 }],
    ['DECLARE c CURSOR FOR TABLE t', { kind: 'declare', tag: 'DECLARE CURSOR', name: 'c', options: opts, query: 'TABLE t', queryStart: 21 }],
    [
      'DECLARE c ASENSITIVE CURSOR FOR WITH x AS (select 1) select * from x',
      { kind: 'declare', tag: 'DECLARE CURSOR', name: 'c', options: { ...opts, asensitive: true }, query: 'WITH x AS (select 1) select * from x', queryStart: 32 },
    ],
    ['FETCH c', fetch('forward', 1, 'c')],
    ['FETCH next', fetch('forward', 1, 'next')],
    ['FETCH FORWARD', fetch('forward', 1, 'forward')],
    ['FETCH NEXT c', fetch('forward', 1, 'c')],
    ['FETCH NEXT FROM c', fetch('forward', 1, 'c')],
    ['FETCH FROM c', fetch('forward', 1, 'c')],
    ['FETCH IN c', fetch('forward', 1, 'c')],
    ['FETCH PRIOR c', fetch('backward', 1, 'c')],
    ['FETCH FIRST c', fetch('absolute', 1, 'c')],
    ['FETCH LAST FROM c', fetch('absolute', -1, 'c')],
    ['FETCH ABSOLUTE 3 c', fetch('absolute', 3, 'c')],
    ['FETCH ABSOLUTE +3 c', fetch('absolute', 3, 'c')],
    ['FETCH RELATIVE -1 c', fetch('relative', -1, 'c')],
    ['FETCH -2 c', fetch('forward', -2, 'c')],
    ['FETCH +2 IN c', fetch('forward', 2, 'c')],
    ['FETCH 100 FROM "C_2"', fetch('forward', 100, 'C_2')],
    ['FETCH ALL c', fetch('forward', 'all', 'c')],
    ['FETCH FORWARD c', fetch('forward', 1, 'c')],
    ['FETCH FORWARD 5 FROM c', fetch('forward', 5, 'c')],
    ['FETCH FORWARD ALL c', fetch('forward', 'all', 'c')],
    ['FETCH BACKWARD c', fetch('backward', 1, 'c')],
    ['FETCH BACKWARD -1 c', fetch('backward', -1, 'c')],
    ['FETCH BACKWARD ALL IN c', fetch('backward', 'all', 'c')],
    ['MOVE LAST IN c', fetch('absolute', -1, 'c', true)],
    ['MOVE c', fetch('forward', 1, 'c', true)],
    ['CLOSE c', { kind: 'close', tag: 'CLOSE CURSOR', cursor: 'c' }],
    ['CLOSE ALL', { kind: 'close', tag: 'CLOSE CURSOR ALL', cursor: null }],
  ]);
  expectErrors([
    ['DECLARE', '42601', 'syntax error at end of input', 8],
    ['DECLARE c CURSOR', '42601', 'syntax error at end of input', 17],
    ['DECLARE c CURSOR FOR', '42601', 'syntax error at end of input', 21],
    ['DECLARE c CURSOR FOR SHOW all', '42601', 'syntax error at or near "SHOW"', 22],
    ['DECLARE all CURSOR FOR SELECT 1', '42601', 'syntax error at or near "all"', 9],
    ['DECLARE c NO CURSOR FOR SELECT 1', '42601', 'syntax error at or near "CURSOR"', 14],
    ['DECLARE c CURSOR WITH FOR SELECT 1', '42601', 'syntax error at or near "FOR"', 23],
    ['FETCH', '42601', 'syntax error at end of input', 6],
    ['FETCH 1', '42601', 'syntax error at end of input', 8],
    ['FETCH all', '42601', 'syntax error at end of input', 10],
    ['FETCH NEXT FROM', '42601', 'syntax error at end of input', 16],
    ['FETCH ABSOLUTE c', '42601', 'syntax error at or near "c"', 16],
    ['FETCH 3000000000 c', '42601', 'syntax error at or near "3000000000"', 7],
    ['FETCH 1.5 c', '42601', 'syntax error at or near "1.5"', 7],
    ['CLOSE', '42601', 'syntax error at end of input', 6],
  ]);
});

describe('not session statements', () => {
  expectCases([
    ['', null],
    ['-- nothing', null],
    ['SELECT 1', null],
    ['select version()', null],
    ['WITH x AS (SELECT 1) SELECT * FROM x', null],
    ['EXPLAIN SELECT 1', null],
    ['"SET" x = 1', null],
    ['"begin"', null],
    ['VALUES (1)', null],
    ['(SELECT 1)', null],
    ['INSERT INTO t VALUES (1)', null],
    ['CREATE TABLE settings (set int)', null],
    ['select "show" from t', null],
    ['EXECUTE foo(1)', null],
  ]);
});

describe('quoteIdentifier', () => {
  const cases: Array<[string, string]> = [
    ['public', 'public'],
    ['_x1', '_x1'],
    ['B', '"B"'],
    ['', '""'],
    ['$user', '"$user"'],
    ['1a', '"1a"'],
    ['a b', '"a b"'],
    ['a"b', '"a""b"'],
    ['select', '"select"'],
    ['between', '"between"'],
    ['abort', 'abort'],
    ['été', '"été"'],
  ];
  for (const [input, expected] of cases) it(JSON.stringify(input), () => assert.equal(quoteIdentifier(input), expected));
});

describe('fixture: pg-client-catalog-queries.sql', () => {
  const sql = readFileSync(new URL('./fixtures/pg-client-catalog-queries.sql', import.meta.url), 'utf8');
  const statements = splitStatements(sql).statements;
  const classified = statements.map((s) => classifySessionStatement(s.text));

  it('splits into the captured statements', () => {
    assert.equal(statements.length, 27);
  });

  it('classifies its session statements', () => {
    const sessions = classified.filter((c): c is SessionCommand => c !== null);
    assert.deepEqual(sessions, [
      set('application_name', 'jdbc-extended', [str('jdbc-extended')]),
      set('datestyle', 'ISO', [str('ISO')]),
      set('extra_float_digits', '2', [int('2')]),
      show('transaction_isolation'),
      show('search_path'),
      set('extra_float_digits', '3', [int('3')]),
    ]);
  });

  it('returns null for every query', () => {
    const queries = statements.filter((_, i) => classified[i] === null);
    assert.equal(queries.length, 21);
    for (const q of queries) assert.match(q.text.replace(/^(\s*--[^\n]*\n)*\s*/, ''), /^(select|SELECT)\b/);
  });
});
