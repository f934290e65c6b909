import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { shadowCatalogDdl } from '../../src/catalog/index.ts';
import type { TableInfo } from '../../src/connectors/contract.ts';
import { OID, formatType } from '../../src/pgtypes/index.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';

const numeric = (p: number, s: number): number => ((p << 16) | s) + 4;

const TABLES: TableInfo[] = [
  {
    schema: 'lake',
    name: 'bookings',
    comment: "One row per booking; it's partitioned by month.",
    columns: [
      { name: 'booking_id', typeOid: OID.int8, typeModifier: -1, nullable: false, comment: 'Booking identifier.' },
      { name: 'price_usd', typeOid: OID.numeric, typeModifier: numeric(10, 2), comment: 'Price of the stay, in US dollars.' },
      { name: 'booked_at', typeOid: OID.timestamp, typeModifier: -1 },
      { name: 'status', typeOid: OID.text, typeModifier: -1, comment: "'confirmed' or 'cancelled'" },
      { name: 'Mixed Case', typeOid: OID.varchar, typeModifier: 24 },
      { name: 'tags', typeOid: OID._text, typeModifier: -1 },
    ],
  },
  { schema: 'Sales Data', name: 'select', columns: [{ name: 'x', typeOid: OID.timestamptz, typeModifier: 3 }] },
];

describe('formatType', () => {
  const cases: Array<[number, number, string]> = [
    [OID.int4, -1, 'integer'],
    [OID.numeric, -1, 'numeric'],
    [OID.numeric, numeric(10, 2), 'numeric(10,2)'],
    [OID.varchar, 24, 'character varying(20)'],
    [OID.bpchar, 7, 'character(3)'],
    [OID.timestamp, -1, 'timestamp without time zone'],
    [OID.timestamptz, 3, 'timestamp(3) with time zone'],
    [OID.time, 0, 'time(0) without time zone'],
    [OID._int4, -1, 'integer[]'],
    [OID.float8, -1, 'double precision'],
  ];
  for (const [oid, typmod, expected] of cases) it(`${oid}/${typmod} is ${expected}`, () => assert.equal(formatType(oid, typmod), expected));
});

describe('shadow catalog DDL', () => {
  it('quotes identifiers that need it and comments as literals', () => {
    const ddl = shadowCatalogDdl(TABLES);
    assert.ok(ddl.includes('CREATE SCHEMA IF NOT EXISTS "Sales Data"'));
    assert.ok(ddl.includes(`COMMENT ON TABLE lake.bookings IS 'One row per booking; it''s partitioned by month.'`));
    assert.ok(ddl.some((s) => s.startsWith('CREATE TABLE "Sales Data"."select" (')));
  });

  // PostgreSQL itself checks the DDL: the catalog it builds is what BI tools will read.
  describe('applied to a real PostgreSQL 15', () => {
    let target: Target;
    let client: pg.Client;
    before(async () => {
      target = await startPostgres();
      client = new pg.Client(target.clientConfig('admin'));
      await client.connect();
      await client.query('BEGIN');
      for (const statement of shadowCatalogDdl(TABLES)) await client.query(statement);
    });
    after(async () => {
      await client?.query('ROLLBACK').catch(() => {});
      await client?.end();
      await target?.stop();
    });

    it('has the columns with their PostgreSQL types, nullability and comments', async () => {
      const r = await client.query(
        `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, col_description(a.attrelid, a.attnum) AS comment
           FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum`,
        ['lake.bookings'],
      );
      assert.deepEqual(
        r.rows.map((x) => [x.attname, x.type, x.attnotnull, x.comment]),
        TABLES[0]!.columns.map((c) => [c.name, formatType(c.typeOid, c.typeModifier), c.nullable === false, c.comment ?? null]),
      );
      const t = await client.query('SELECT obj_description($1::regclass, $2) AS comment', ['lake.bookings', 'pg_class']);
      assert.equal(t.rows[0].comment, TABLES[0]!.comment);
    });

    it('answers information_schema for the odd names too', async () => {
      const r = await client.query('SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1', ['Sales Data']);
      assert.deepEqual(r.rows, [{ table_schema: 'Sales Data', table_name: 'select', column_name: 'x', data_type: 'timestamp with time zone' }]);
    });
  });
});
