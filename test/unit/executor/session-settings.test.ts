import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import { SessionSettings } from '../../../src/executor/session-settings.ts';
import { parameterSpecs } from '../../../src/executor/settings.ts';

type Expected = string | { sqlstate: string; message: string; detail?: string; hint?: string };

/**
 * SET <name> = '<value>' (each value in turn, after RESET ALL) then SHOW <name>, as PostgreSQL 15.18 answered
 * it. The INTERVAL values are what the statement parser makes of SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE.
 */
const PG15: Array<[string, string[], Expected]> = [
  ['datestyle', ['iso, dmy'], 'ISO, DMY'],
  ['datestyle', ['dmy'], 'ISO, DMY'],
  ['datestyle', ['ymd'], 'ISO, YMD'],
  ['datestyle', ['ymd', 'ISO'], 'ISO, YMD'],
  ['datestyle', ['euro'], 'ISO, DMY'],
  ['datestyle', ['European'], 'ISO, DMY'],
  ['datestyle', ['dmy', 'US'], 'ISO, MDY'],
  ['datestyle', ['dmy', 'NonEuropean'], 'ISO, MDY'],
  ['datestyle', ['ISO,DMY'], 'ISO, DMY'],
  ['datestyle', [' iso , dmy '], 'ISO, DMY'],
  ['datestyle', ['"iso", "dmy"'], 'ISO, DMY'],
  ['datestyle', ['dmy', 'default'], 'ISO, MDY'],
  ['datestyle', ['ymd', 'dmy, default'], 'ISO, DMY'],
  ['datestyle', ['iso, iso'], 'ISO, MDY'],
  ['datestyle', ['dmy, dmy'], 'ISO, DMY'],
  ['datestyle', ['dmy', ''], 'ISO, DMY'],
  ['datestyle', ['mdy, dmy'], { sqlstate: '22023', message: 'invalid value for parameter "DateStyle": "mdy, dmy"', detail: 'Conflicting "datestyle" specifications.' }],
  ['datestyle', ['iso, sql'], { sqlstate: '22023', message: 'invalid value for parameter "DateStyle": "iso, sql"', detail: 'Conflicting "datestyle" specifications.' }],
  ['datestyle', ['foo'], { sqlstate: '22023', message: 'invalid value for parameter "DateStyle": "foo"', detail: 'Unrecognized key word: "foo".' }],
  ['datestyle', ['iso dmy'], { sqlstate: '22023', message: 'invalid value for parameter "DateStyle": "iso dmy"', detail: 'List syntax is invalid.' }],
  ['datestyle', ['iso,'], { sqlstate: '22023', message: 'invalid value for parameter "DateStyle": "iso,"', detail: 'List syntax is invalid.' }],
  ['datestyle', ['YMD, ISO'], 'ISO, YMD'],
  ['timezone', ['utc'], 'UTC'],
  ['timezone', ['UTC'], 'UTC'],
  ['timezone', ['europe/paris'], 'Europe/Paris'],
  ['timezone', ['America/New_York'], 'America/New_York'],
  ['timezone', ['+02'], '<+02>-02'],
  ['timezone', ['-5'], '<-05>+05'],
  ['timezone', ['2'], '<+02>-02'],
  ['timezone', ['2.5'], '<+02:30>-02:30'],
  ['timezone', ['-3.5'], '<-03:30>+03:30'],
  ['timezone', ['1e1'], '<+10>-10'],
  ['timezone', ['0'], '<+00>-00'],
  ['timezone', ['-15.25'], '<-15:15>+15:15'],
  ['timezone', ['167'], '<+167>-167'],
  ['timezone', ['168'], { sqlstate: '22023', message: 'invalid value for parameter "TimeZone": "168"', detail: 'UTC timezone offset is out of range.' }],
  ['timezone', ['UTC+3'], 'UTC+3'],
  ['timezone', ['utc+3'], 'UTC+3'],
  ['timezone', ['EST5EDT'], 'EST5EDT'],
  ['timezone', ['est5edt'], 'EST5EDT'],
  ['timezone', ['gmt'], 'GMT'],
  ['timezone', ['Z'], { sqlstate: '22023', message: 'invalid value for parameter "TimeZone": "Z"' }],
  ['timezone', ['Mars/Olympus'], { sqlstate: '22023', message: 'invalid value for parameter "TimeZone": "Mars/Olympus"' }],
  ['timezone', ['+02:30'], '+02:30'],
  ['timezone', ['zulu'], 'Zulu'],
  ['timezone', ['us/eastern'], 'US/Eastern'],
  ['timezone', ['asia/calcutta'], 'Asia/Calcutta'],
  ['timezone', ['Etc/GMT+5'], 'Etc/GMT+5'],
  ['timezone', ['etc/gmt-14'], 'Etc/GMT-14'],
  ['timezone', ['EST'], 'EST'],
  ['timezone', ['cet'], 'CET'],
  ['timezone', ['abc3'], 'ABC3'],
  ['timezone', ['<abc>3'], '<ABC>3'],
  ['timezone', [''], { sqlstate: '22023', message: 'invalid value for parameter "TimeZone": ""' }],
  ['timezone', [' UTC'], { sqlstate: '22023', message: 'invalid value for parameter "TimeZone": " UTC"' }],
  ['timezone', ['asia/kolkata'], 'Asia/Kolkata'],
  ['timezone', ['australia/sydney'], 'Australia/Sydney'],
  ['timezone', ["INTERVAL '+02:00'"], '<+02>-02'],
  ['timezone', ["INTERVAL '-05:30'"], '<-05:30>+05:30'],
  ['extra_float_digits', ['3'], '3'],
  ['extra_float_digits', ['2.5'], '2'],
  ['extra_float_digits', ['-2.5'], '-2'],
  ['extra_float_digits', ['3.4'], '3'],
  ['extra_float_digits', ['3.6'], { sqlstate: '22023', message: '4 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)' }],
  ['extra_float_digits', ['0x2'], '2'],
  ['extra_float_digits', ['010'], { sqlstate: '22023', message: '8 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)' }],
  ['extra_float_digits', [' 3'], '3'],
  ['extra_float_digits', ['2 '], '2'],
  ['extra_float_digits', ['+1'], '1'],
  ['extra_float_digits', ['1e0'], '1'],
  ['extra_float_digits', ['.5'], '0'],
  ['extra_float_digits', [''], { sqlstate: '22023', message: 'invalid value for parameter "extra_float_digits": ""' }],
  ['extra_float_digits', ['abc'], { sqlstate: '22023', message: 'invalid value for parameter "extra_float_digits": "abc"' }],
  ['extra_float_digits', ['4'], { sqlstate: '22023', message: '4 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)' }],
  ['extra_float_digits', ['-16'], { sqlstate: '22023', message: '-16 is outside the valid range for parameter "extra_float_digits" (-15 .. 3)' }],
  ['extra_float_digits', ['-15'], '-15'],
  ['extra_float_digits', ['08'], { sqlstate: '22023', message: 'invalid value for parameter "extra_float_digits": "08"' }],
  ['extra_float_digits', ['1kB'], { sqlstate: '22023', message: 'invalid value for parameter "extra_float_digits": "1kB"' }],
  ['jit', ['tr'], 'on'],
  ['jit', ['on', 'of'], 'off'],
  ['jit', ['o'], { sqlstate: '22023', message: 'parameter "jit" requires a Boolean value' }],
  ['jit', ['on', 'OFF'], 'off'],
  ['jit', ['yes'], 'on'],
  ['jit', ['1'], 'on'],
  ['jit', ['2'], { sqlstate: '22023', message: 'parameter "jit" requires a Boolean value' }],
  ['jit', [' on'], { sqlstate: '22023', message: 'parameter "jit" requires a Boolean value' }],
  ['jit', ['truex'], { sqlstate: '22023', message: 'parameter "jit" requires a Boolean value' }],
  ['jit', ['n'], 'off'],
  ['statement_timeout', ['5000'], '5s'],
  ['statement_timeout', ['1500'], '1500ms'],
  ['statement_timeout', ['60s'], '1min'],
  ['statement_timeout', ['1.5min'], '90s'],
  ['statement_timeout', ['90 s'], '90s'],
  ['statement_timeout', ['1d'], '1d'],
  ['statement_timeout', ['100us'], '0'],
  ['statement_timeout', ['1500us'], '2ms'],
  ['statement_timeout', ['abc'], { sqlstate: '22023', message: 'invalid value for parameter "statement_timeout": "abc"' }],
  ['statement_timeout', ['5 sec'], { sqlstate: '22023', message: 'invalid value for parameter "statement_timeout": "5 sec"', hint: 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".' }],
  ['statement_timeout', ['-1'], { sqlstate: '22023', message: '-1 ms is outside the valid range for parameter "statement_timeout" (0 .. 2147483647)' }],
  ['statement_timeout', ['0.5s'], '500ms'],
  ['statement_timeout', ['3000000000'], { sqlstate: '22023', message: 'invalid value for parameter "statement_timeout": "3000000000"', hint: 'Value exceeds integer range.' }],
  ['statement_timeout', ['7200000'], '2h'],
  ['statement_timeout', ['0'], '0'],
  ['lock_timeout', ['1h'], '1h'],
  ['idle_in_transaction_session_timeout', ['10min'], '10min'],
  ['work_mem', ['64MB'], '64MB'],
  ['work_mem', ['1024'], '1MB'],
  ['work_mem', ['4096kB'], '4MB'],
  ['work_mem', ['1GB'], '1GB'],
  ['work_mem', ['63kB'], { sqlstate: '22023', message: '63 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)' }],
  ['work_mem', ['1.5MB'], '1536kB'],
  ['work_mem', ['64mb'], { sqlstate: '22023', message: 'invalid value for parameter "work_mem": "64mb"', hint: 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".' }],
  ['work_mem', ['65537B'], '64kB'],
  ['intervalstyle', ['SQL_STANDARD'], 'sql_standard'],
  ['client_min_messages', ['info'], 'info'],
  ['client_min_messages', ['DEBUG'], 'debug2'],
  ['client_min_messages', ['fatal'], { sqlstate: '22023', message: 'invalid value for parameter "client_min_messages": "fatal"', hint: 'Available values: debug5, debug4, debug3, debug2, debug1, log, notice, warning, error.' }],
  ['bytea_output', ['ESCAPE'], 'escape'],
  ['default_transaction_isolation', ['SERIALIZABLE'], 'serializable'],
  ['default_transaction_isolation', ['bogus'], { sqlstate: '22023', message: 'invalid value for parameter "default_transaction_isolation": "bogus"', hint: 'Available values: serializable, repeatable read, read committed, read uncommitted.' }],
  ['row_security', ['of'], 'off'],
  ['application_name', ['café'], 'caf??'],
  ['application_name', ['tab\there'], 'tab?here'],
  ['application_name', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'], 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ['client_encoding', ['utf-8'], 'UTF8'],
  ['client_encoding', ['unicode'], 'UTF8'],
  ['client_encoding', ['UTF8'], 'UTF8'],
  ['server_version', ['1'], { sqlstate: '55P02', message: 'parameter "server_version" cannot be changed' }],
  ['integer_datetimes', ['off'], { sqlstate: '55P02', message: 'parameter "integer_datetimes" cannot be changed' }],
  ['no_such_parameter', ['1'], { sqlstate: '42704', message: 'unrecognized configuration parameter "no_such_parameter"' }],
  ['custom.option', ['x'], 'x'],
];

function settings(startup: Record<string, string> = {}, reports?: Array<[string, string]>): SessionSettings {
  return new SessionSettings(parameterSpecs('15.0 (tollgate test)'), startup, (name, value) => reports?.push([name, value]));
}

/** The GatewayError `fn` throws, as { sqlstate, message, detail?, hint? }. */
function errorOf(fn: () => unknown): Expected {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    return { sqlstate: e.sqlstate, message: e.message, ...(e.detail !== undefined && { detail: e.detail }), ...(e.hint !== undefined && { hint: e.hint }) };
  }
  assert.fail('expected an error');
}

describe('SessionSettings: values as PostgreSQL 15 shows them', () => {
  it(`agrees with PostgreSQL on ${PG15.length} SETs`, () => {
    const wrong: string[] = [];
    for (const [name, values, expected] of PG15) {
      const s = settings();
      let got: Expected;
      try {
        for (const v of values) s.set(name, v);
        got = s.show(name);
      } catch (e) {
        got = errorOf(() => {
          throw e;
        });
      }
      if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`SET ${name} = ${JSON.stringify(values)}: got ${JSON.stringify(got)}, PostgreSQL ${JSON.stringify(expected)}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('accepts client_encoding SQL_ASCII (no conversion), as psqlODBC asks in the C locale', () => {
    const s = settings();
    s.set('client_encoding', 'sql_ascii');
    assert.equal(s.show('client_encoding'), 'SQL_ASCII');
  });

  it('refuses, with 0A000, what tollgate cannot do (PostgreSQL accepts these)', () => {
    const s = settings();
    assert.deepEqual(errorOf(() => s.set('datestyle', 'German')), {
      sqlstate: '0A000',
      message: 'DateStyle "German" is not supported: tollgate prints dates in ISO style',
      hint: "Use SET DateStyle = 'ISO'.",
    });
    assert.equal((errorOf(() => s.set('datestyle', 'sql, dmy')) as { sqlstate: string }).sqlstate, '0A000');
    assert.deepEqual(errorOf(() => s.set('client_encoding', 'latin1')), {
      sqlstate: '0A000',
      message: 'encoding "latin1" is not supported: tollgate speaks UTF8 only',
      hint: 'Set client_encoding to UTF8.',
    });
    assert.equal((errorOf(() => s.set('standard_conforming_strings', 'off')) as { sqlstate: string }).sqlstate, '0A000');
    // Zones with a seconds offset: PostgreSQL takes '0.001' as <+00:00:03>-00:00:03; tollgate cannot print in it.
    assert.equal((errorOf(() => s.set('timezone', '0.001')) as { sqlstate: string }).sqlstate, '22023');
    // An INTERVAL zone other than '+hh:mm' (the HOUR/MINUTE qualifier does not reach the settings).
    assert.equal((errorOf(() => s.set('timezone', "INTERVAL '2'")) as { sqlstate: string }).sqlstate, '22023');
    assert.equal(s.show('DateStyle'), 'ISO, MDY');
    assert.equal(s.show('client_encoding'), 'UTF8');
  });

  it('names the parameter as the statement did in enum, bool and int errors, canonically in DateStyle/TimeZone ones', () => {
    const s = settings();
    assert.match((errorOf(() => s.set('intervalstyle', 'foo')) as { message: string }).message, /parameter "intervalstyle"/);
    assert.match((errorOf(() => s.set('JIT', 'x')) as { message: string }).message, /parameter "JIT" requires a Boolean value/);
    assert.match((errorOf(() => s.set('datestyle', 'foo')) as { message: string }).message, /parameter "DateStyle"/);
    assert.match((errorOf(() => s.set('timezone', 'nowhere')) as { message: string }).message, /parameter "TimeZone"/);
  });
});

describe('SessionSettings: SET, SHOW, RESET', () => {
  it('looks names up case-insensitively and shows canonical names', () => {
    const s = settings();
    s.set('TIMEZONE', 'Europe/Paris');
    assert.equal(s.show('timezone'), 'Europe/Paris');
    assert.equal(s.show('TimeZone'), 'Europe/Paris');
    assert.equal(s.get('TiMeZoNe'), 'Europe/Paris');
    assert.equal(s.spec('datestyle')?.name, 'DateStyle');
    assert.equal(s.spec('DATESTYLE')?.name, 'DateStyle');
    assert.equal(s.spec('nope'), undefined);
    const all = s.all();
    assert.deepEqual(all.map((p) => p.name), [...all.map((p) => p.name)].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    assert.equal(all.find((p) => p.name === 'TimeZone')?.setting, 'Europe/Paris');
  });

  it('shows the defaults', () => {
    const s = settings();
    const expected: Record<string, string> = {
      DateStyle: 'ISO, MDY',
      TimeZone: 'UTC',
      IntervalStyle: 'postgres',
      extra_float_digits: '1',
      client_encoding: 'UTF8',
      server_encoding: 'UTF8',
      server_version: '15.0 (tollgate test)',
      standard_conforming_strings: 'on',
      integer_datetimes: 'on',
      search_path: '"$user", public',
      statement_timeout: '0',
      work_mem: '4MB',
      transaction_isolation: 'read committed',
      transaction_read_only: 'on',
      max_identifier_length: '63',
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(s.show(k), v, k);
  });

  it('says 42704 for an unknown parameter and accepts custom dotted ones', () => {
    const s = settings();
    assert.deepEqual(errorOf(() => s.show('no_such_thing')), { sqlstate: '42704', message: 'unrecognized configuration parameter "no_such_thing"' });
    assert.deepEqual(errorOf(() => s.set('no_such_thing', '1')), { sqlstate: '42704', message: 'unrecognized configuration parameter "no_such_thing"' });
    assert.deepEqual(errorOf(() => s.reset('no_such_thing')), { sqlstate: '42704', message: 'unrecognized configuration parameter "no_such_thing"' });
    assert.deepEqual(errorOf(() => s.show('myapp.tenant')), { sqlstate: '42704', message: 'unrecognized configuration parameter "myapp.tenant"' });
    s.set('myapp.tenant', 'Acme');
    assert.equal(s.show('MyApp.Tenant'), 'Acme');
    s.reset('myapp.tenant');
    s.reset('myapp.never_set');
    assert.equal(s.get('myapp.tenant'), undefined);
    // tollgate's own options are declared, with defaults and validation
    assert.equal(s.show('tollgate.cache'), 'on');
    s.set('tollgate.cache', 'false');
    assert.equal(s.show('tollgate.cache'), 'off');
    assert.equal((errorOf(() => s.set('tollgate.cache', 'maybe')) as { sqlstate: string }).sqlstate, '22023');
  });

  it('says 55P02 for read-only parameters, on SET and on RESET', () => {
    const s = settings();
    for (const name of ['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'is_superuser', 'lc_collate', 'max_identifier_length']) {
      assert.deepEqual(errorOf(() => s.set(name, '1')), { sqlstate: '55P02', message: `parameter "${name}" cannot be changed` });
      assert.deepEqual(errorOf(() => s.reset(name)), { sqlstate: '55P02', message: `parameter "${name}" cannot be changed` });
    }
    assert.equal(s.show('server_version'), '15.0 (tollgate test)');
  });

  it('keeps the old value when a SET fails', () => {
    const s = settings();
    s.set('extra_float_digits', '3');
    assert.throws(() => s.set('extra_float_digits', '4'), GatewayError);
    assert.equal(s.show('extra_float_digits'), '3');
  });

  it('RESET and SET TO DEFAULT go back to the startup value, then to the default', () => {
    const s = settings({ TimeZone: 'Asia/Tokyo' });
    s.set('timezone', 'UTC');
    s.reset('TimeZone');
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
    s.set('datestyle', 'dmy');
    s.set('extra_float_digits', '3');
    s.resetAll();
    assert.equal(s.show('DateStyle'), 'ISO, MDY');
    assert.equal(s.show('extra_float_digits'), '1');
    assert.equal(s.show('TimeZone'), 'Asia/Tokyo');
  });

  it('reads DateStyle DEFAULT as the reset value', () => {
    const s = settings({ DateStyle: 'ISO, DMY' });
    s.set('datestyle', 'ymd');
    s.set('datestyle', 'default');
    assert.equal(s.show('DateStyle'), 'ISO, DMY');
    s.set('datestyle', 'mdy, default');
    assert.equal(s.show('DateStyle'), 'ISO, MDY');
  });

  it('feeds the output settings of the wire encoders', () => {
    const s = settings();
    s.set('datestyle', 'iso, ymd');
    s.set('timezone', '-5');
    s.set('extra_float_digits', '0');
    s.set('intervalstyle', 'ISO_8601');
    s.set('bytea_output', 'escape');
    assert.deepEqual(s.output(), { dateStyle: 'ISO, YMD', timeZone: '<-05>+05', extraFloatDigits: 0, intervalStyle: 'iso_8601', byteaOutput: 'escape' });
  });
});

describe('SessionSettings: transactions', () => {
  it('scopes SET LOCAL to the transaction', () => {
    const s = settings();
    s.set('timezone', 'UTC');
    s.beginTransaction();
    assert.equal(s.inTransaction(), true);
    s.set('timezone', 'Europe/Paris', 'local');
    assert.equal(s.show('timezone'), 'Europe/Paris');
    s.endTransaction();
    assert.equal(s.inTransaction(), false);
    assert.equal(s.show('timezone'), 'UTC');
  });

  it('ignores SET LOCAL outside a transaction (the caller warns)', () => {
    const s = settings();
    s.set('timezone', 'Europe/Paris', 'local');
    assert.equal(s.show('timezone'), 'UTC');
    // ...but still validates it
    assert.throws(() => s.set('timezone', 'Nowhere/Town', 'local'), GatewayError);
  });

  it('lets a SET after SET LOCAL win, and keeps it after COMMIT', () => {
    const s = settings();
    s.beginTransaction();
    s.set('timezone', 'Europe/Paris', 'local');
    s.set('timezone', 'Asia/Tokyo');
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
    s.endTransaction(true);
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
  });

  it('shows SET LOCAL over an earlier SET, and the SET after COMMIT', () => {
    const s = settings();
    s.beginTransaction();
    s.set('timezone', 'Asia/Tokyo');
    s.set('timezone', 'Europe/Paris', 'local');
    assert.equal(s.show('timezone'), 'Europe/Paris');
    s.endTransaction(true);
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
  });

  it('undoes SET and RESET when the transaction rolls back', () => {
    const s = settings();
    s.set('timezone', 'UTC');
    s.beginTransaction();
    s.set('timezone', 'Asia/Tokyo');
    s.set('extra_float_digits', '3');
    s.endTransaction(false);
    assert.equal(s.show('timezone'), 'UTC');
    assert.equal(s.show('extra_float_digits'), '1');

    s.set('timezone', 'Asia/Tokyo');
    s.beginTransaction();
    s.reset('timezone');
    assert.equal(s.show('timezone'), 'UTC');
    s.endTransaction(false);
    assert.equal(s.show('timezone'), 'Asia/Tokyo');

    s.beginTransaction();
    s.resetAll();
    s.endTransaction(false);
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
  });

  it('keeps RESET after SET LOCAL when the transaction commits', () => {
    const s = settings();
    s.set('timezone', 'Asia/Tokyo');
    s.beginTransaction();
    s.set('timezone', 'Europe/Paris', 'local');
    s.reset('timezone');
    assert.equal(s.show('timezone'), 'UTC');
    s.endTransaction(true);
    assert.equal(s.show('timezone'), 'UTC');
  });

  it('takes transaction_isolation and transaction_read_only from their defaults outside a transaction', () => {
    const s = settings();
    s.set('transaction_isolation', 'serializable');
    assert.equal(s.show('transaction_isolation'), 'read committed');
    s.set('default_transaction_isolation', 'repeatable read');
    s.set('default_transaction_read_only', 'off');
    assert.equal(s.show('transaction_isolation'), 'repeatable read');
    assert.equal(s.show('transaction_read_only'), 'off');
    s.beginTransaction();
    assert.equal(s.show('transaction_isolation'), 'repeatable read');
    s.set('transaction_isolation', 'SERIALIZABLE');
    s.set('transaction_read_only', 'on', 'local');
    assert.equal(s.show('transaction_isolation'), 'serializable');
    assert.equal(s.show('transaction_read_only'), 'on');
    // RESET ALL leaves the transaction's own modes alone
    s.resetAll();
    assert.equal(s.show('transaction_isolation'), 'serializable');
    assert.equal(s.show('default_transaction_isolation'), 'read committed');
    s.endTransaction(true);
    assert.equal(s.show('transaction_isolation'), 'read committed');
    assert.equal(s.show('transaction_read_only'), 'on');
  });

  it('does nothing on endTransaction outside a transaction', () => {
    const reports: Array<[string, string]> = [];
    const s = settings({}, reports);
    s.set('timezone', 'Asia/Tokyo');
    s.endTransaction(false);
    assert.equal(s.show('timezone'), 'Asia/Tokyo');
    assert.deepEqual(reports, [['TimeZone', 'Asia/Tokyo']]);
  });
});

describe('SessionSettings: ParameterStatus for GUC_REPORT parameters', () => {
  it('reports exactly the changes of reported parameters', () => {
    const reports: Array<[string, string]> = [];
    const s = settings({}, reports);
    s.set('timezone', 'europe/paris');
    s.set('TimeZone', 'Europe/Paris'); // same value: nothing
    s.set('extra_float_digits', '3'); // not GUC_REPORT
    s.set('statement_timeout', '5s');
    s.set('datestyle', 'ISO'); // unchanged 'ISO, MDY'
    s.set('datestyle', 'dmy');
    s.set('application_name', 'psql');
    assert.throws(() => s.set('intervalstyle', 'bogus'));
    s.set('IntervalStyle', 'postgres'); // the default already
    assert.deepEqual(reports, [
      ['TimeZone', 'Europe/Paris'],
      ['DateStyle', 'ISO, DMY'],
      ['application_name', 'psql'],
    ]);
  });

  it('reports SET LOCAL and its end, a rollback, RESET and RESET ALL', () => {
    const reports: Array<[string, string]> = [];
    const s = settings({ application_name: 'app' }, reports);
    s.beginTransaction();
    s.set('timezone', 'Asia/Tokyo', 'local');
    s.endTransaction(true);
    s.beginTransaction();
    s.set('intervalstyle', 'iso_8601');
    s.endTransaction(false);
    s.set('application_name', 'other');
    s.reset('application_name');
    s.reset('application_name'); // already back
    s.set('timezone', '2');
    s.set('datestyle', 'ymd');
    s.resetAll();
    assert.deepEqual(reports, [
      ['TimeZone', 'Asia/Tokyo'],
      ['TimeZone', 'UTC'],
      ['IntervalStyle', 'iso_8601'],
      ['IntervalStyle', 'postgres'],
      ['application_name', 'other'],
      ['application_name', 'app'],
      ['TimeZone', '<+02>-02'],
      ['DateStyle', 'ISO, YMD'],
      ['DateStyle', 'ISO, MDY'],
      ['TimeZone', 'UTC'],
    ]);
  });

  it('does not report a SET LOCAL that commits back to the same value', () => {
    const reports: Array<[string, string]> = [];
    const s = settings({}, reports);
    s.beginTransaction();
    s.set('timezone', 'UTC', 'local');
    s.endTransaction(true);
    assert.deepEqual(reports, []);
  });

  it('reports internal changes of reported read-only parameters', () => {
    const reports: Array<[string, string]> = [];
    const s = settings({}, reports);
    s.setInternal('session_authorization', 'alice');
    s.setInternal('session_authorization', 'alice');
    s.setInternal('is_superuser', 'off');
    assert.deepEqual(reports, [['session_authorization', 'alice']]);
    assert.equal(s.show('session_authorization'), 'alice');
  });

  it('lists the reported parameters PostgreSQL 15 sends at startup', () => {
    const s = settings({ application_name: 'psql', TimeZone: 'Europe/Paris' });
    assert.deepEqual(new Map(s.reported()), new Map([
      ['server_version', '15.0 (tollgate test)'],
      ['server_encoding', 'UTF8'],
      ['client_encoding', 'UTF8'],
      ['application_name', 'psql'],
      ['DateStyle', 'ISO, MDY'],
      ['IntervalStyle', 'postgres'],
      ['TimeZone', 'Europe/Paris'],
      ['integer_datetimes', 'on'],
      ['standard_conforming_strings', 'on'],
      ['is_superuser', 'off'],
      ['session_authorization', ''],
      ['default_transaction_read_only', 'on'],
      ['in_hot_standby', 'off'],
    ]));
  });
});

describe('SessionSettings: startup parameters', () => {
  it('applies and canonicalises them', () => {
    const reports: Array<[string, string]> = [];
    const s = settings(
      { user: 'alice', database: 'tollgate', DateStyle: 'ISO', TimeZone: 'europe/paris', extra_float_digits: '3', client_encoding: 'utf-8', application_name: 'PostgreSQL JDBC Driver', statement_timeout: '60000' },
      reports,
    );
    assert.equal(s.show('DateStyle'), 'ISO, MDY');
    assert.equal(s.show('TimeZone'), 'Europe/Paris');
    assert.equal(s.show('extra_float_digits'), '3');
    assert.equal(s.show('client_encoding'), 'UTF8');
    assert.equal(s.show('application_name'), 'PostgreSQL JDBC Driver');
    assert.equal(s.show('statement_timeout'), '1min');
    assert.deepEqual(reports, [], 'startup values are reported with the initial ParameterStatus, not as changes');
  });

  it('ignores unknown and read-only ones, and keeps custom dotted ones', () => {
    const s = settings({ user: 'alice', replication: 'false', server_version: '9.6', 'myapp.tenant': 'acme' });
    assert.equal(s.get('user'), undefined);
    assert.equal(s.get('replication'), undefined);
    assert.equal(s.show('server_version'), '15.0 (tollgate test)');
    assert.equal(s.show('myapp.tenant'), 'acme');
  });

  it('refuses a bad value like PostgreSQL does (22023)', () => {
    assert.equal((errorOf(() => settings({ DateStyle: 'Ancient' })) as { sqlstate: string }).sqlstate, '22023');
    assert.equal((errorOf(() => settings({ TimeZone: 'Nowhere/Town' })) as { sqlstate: string }).sqlstate, '22023');
    assert.equal((errorOf(() => settings({ extra_float_digits: '9' })) as { sqlstate: string }).sqlstate, '22023');
  });
});
