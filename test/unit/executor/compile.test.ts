/**
 * What each engine receives for each construct (Kysely-style tables): the client's PostgreSQL-flavoured
 * text, with session functions answered by tollgate for every engine, and DuckDB's targeted rewrites for
 * DuckDB only. Anything not listed reaches both engines exactly as written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFor } from '../../../src/executor/compile.ts';
import { SessionSettings } from '../../../src/executor/session-settings.ts';
import { parameterSpecs } from '../../../src/executor/settings.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import { VERSION_STRING } from '../../../src/version.ts';

const settings = new SessionSettings(parameterSpecs('15.0'), { search_path: 'lake, public', application_name: 'dbeaver' });
const facts = { settings, user: { name: 'alice' }, database: 'tollgate', processId: 4242, servedSchemas: new Set(['lake', 'crm']) };
const nz = (x: string): string => `tollgate_nonzero(${x})`;

interface Case {
  construct: string;
  input: string;
  duckdb: string;
  /** Default: the input unchanged apart from session functions, i.e. same as `input`. */
  postgres?: string;
  declared?: number[];
}

const CASES: Case[] = [
  { construct: 'plain select', input: 'SELECT hotel_id, city FROM lake.hotels WHERE stars >= 4 ORDER BY 1 LIMIT 10', duckdb: 'SELECT hotel_id, city FROM lake.hotels WHERE stars >= 4 ORDER BY 1 LIMIT 10' },
  { construct: 'division (22012 on zero in DuckDB)', input: 'SELECT price_usd / nights FROM lake.bookings', duckdb: `SELECT price_usd / ${nz('nights')} FROM lake.bookings` },
  { construct: 'modulo', input: 'SELECT hotel_id % 7 FROM lake.hotels', duckdb: `SELECT hotel_id % ${nz('7')} FROM lake.hotels` },
  { construct: 'current_user', input: 'SELECT current_user, session_user', duckdb: "SELECT 'alice', 'alice'", postgres: "SELECT 'alice', 'alice'" },
  { construct: 'version()', input: 'SELECT version()', duckdb: `SELECT '${VERSION_STRING}'`, postgres: `SELECT '${VERSION_STRING}'` },
  { construct: 'current_database()', input: 'SELECT current_database()', duckdb: "SELECT 'tollgate'", postgres: "SELECT 'tollgate'" },
  { construct: 'current_schema (first existing on search_path)', input: 'SELECT current_schema()', duckdb: "SELECT 'lake'", postgres: "SELECT 'lake'" },
  { construct: 'current_setting', input: "SELECT current_setting('application_name')", duckdb: "SELECT 'dbeaver'", postgres: "SELECT 'dbeaver'" },
  { construct: 'pg_backend_pid()', input: 'SELECT pg_backend_pid()', duckdb: 'SELECT CAST(4242 AS INTEGER)', postgres: 'SELECT CAST(4242 AS INTEGER)' },
  { construct: 'session function inside a string is text', input: "SELECT 'current_user'", duckdb: "SELECT 'current_user'" },
  { construct: 'declared numeric parameter', input: 'SELECT $1 * 2', duckdb: 'SELECT CAST($1 AS DECIMAL(38, 0)) * 2', declared: [OID.numeric] },
  { construct: 'declared int4 parameter', input: 'SELECT hotel_id FROM lake.hotels WHERE hotel_id = $1', duckdb: 'SELECT hotel_id FROM lake.hotels WHERE hotel_id = CAST($1 AS INTEGER)', declared: [OID.int4] },
  { construct: 'bytea hex literal', input: "SELECT '\\xdeadbeef'::bytea", duckdb: "SELECT '\\xDE\\xAD\\xBE\\xEF'::bytea" },
  { construct: 'casts, ILIKE, date_trunc, intervals, FILTER: as written', input: "SELECT date_trunc('month', booked_at)::date, count(*) FILTER (WHERE city ILIKE 'par%') FROM lake.bookings WHERE booked_at > now() - interval '7 days' GROUP BY 1", duckdb: "SELECT date_trunc('month', booked_at)::date, count(*) FILTER (WHERE city ILIKE 'par%') FROM lake.bookings WHERE booked_at > now() - interval '7 days' GROUP BY 1" },
  { construct: 'quoted identifiers and comments untouched', input: 'SELECT "Hotel Id" / 2 -- a / b\nFROM "Lake"."Odd"', duckdb: `SELECT "Hotel Id" / ${nz('2')} -- a / b\nFROM "Lake"."Odd"` },
];

describe('what each engine receives', () => {
  for (const c of CASES) {
    it(c.construct, () => {
      const declared = c.declared ?? [];
      assert.equal(compileFor('duckdb', c.input, facts, declared), c.duckdb, 'duckdb');
      assert.equal(compileFor('postgres', c.input, facts, declared), c.postgres ?? c.input, 'postgres');
    });
  }
});
