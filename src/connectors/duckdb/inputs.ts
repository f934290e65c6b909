/**
 * Input relations: rows produced elsewhere (another engine's part of a federated query) loaded into
 * temporary tables of one DuckDB connection, where the statement that joins them runs next.
 *
 * Rows are appended with DuckDB's appender, typed per column (a generic appendValue costs about seven
 * times more per value, measured), and counted against the caller's cap while they arrive, so a runaway
 * part fails early instead of filling memory.
 */
import {
  DuckDBDateValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api';
import type { ColumnInfo, RowBatch } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { DEFAULT_OUTPUT_SETTINGS, textEncoder } from '../../pgtypes/index.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgInterval, type PgValue } from '../../pgtypes/values.ts';
import { quoteIdent } from './sql.ts';

export interface InputRelation {
  /** Name of the temporary table; chosen by tollgate (never from user input). */
  name: string;
  columns: readonly ColumnInfo[];
  batches: AsyncIterable<RowBatch>;
  /** Names the source in errors ("crm.customers on engine pg"). */
  source: string;
}

export interface InputLimits {
  /** Most rows one input may bring; past it the statement fails with 53400. */
  maxRows: number;
}

/** The DuckDB column type that holds a PostgreSQL type's canonical values exactly. */
export function duckColumnType(c: ColumnInfo): string {
  switch (c.typeOid) {
    case OID.bool:
      return 'BOOLEAN';
    case OID.int2:
      return 'SMALLINT';
    case OID.int4:
      return 'INTEGER';
    case OID.int8:
    case OID.oid:
      return 'BIGINT';
    case OID.float4:
      return 'FLOAT';
    case OID.float8:
      return 'DOUBLE';
    case OID.numeric: {
      if (c.typeModifier >= 4) {
        const precision = ((c.typeModifier - 4) >> 16) & 0xffff;
        const scale = (c.typeModifier - 4) & 0xffff;
        if (precision <= 38) return `DECIMAL(${precision}, ${scale})`;
      }
      // Unconstrained numeric has no DuckDB equivalent; DOUBLE keeps joins and sums working but not
      // exactness beyond 15 digits (documented in the connector README).
      return 'DOUBLE';
    }
    case OID.date:
      return 'DATE';
    case OID.time:
      return 'TIME';
    case OID.timestamp:
      return 'TIMESTAMP';
    case OID.timestamptz:
      return 'TIMESTAMPTZ';
    case OID.interval:
      return 'INTERVAL';
    case OID.bytea:
      return 'BLOB';
    case OID.uuid:
      return 'UUID';
    default:
      return 'VARCHAR';
  }
}

const TEXT_TYPES = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.name]);

type Append = (a: DuckDBAppender, v: Exclude<PgValue, null>) => void;

const DUCK_DATE_POS_INFINITY = 2147483647;
const DUCK_DATE_NEG_INFINITY = -2147483647;
const DUCK_TIMESTAMP_NEG_INFINITY = -(2n ** 63n - 1n);
const DUCK_TIMESTAMP_POS_INFINITY = 2n ** 63n - 1n;

function micros(v: bigint): bigint {
  return v === TIMESTAMP_NEG_INFINITY ? DUCK_TIMESTAMP_NEG_INFINITY : v === TIMESTAMP_POS_INFINITY ? DUCK_TIMESTAMP_POS_INFINITY : v;
}

/** How one canonical value of a column is appended; text through DuckDB's cast for the rest. */
function appenderFor(c: ColumnInfo): Append {
  const asText = textEncoder(c.typeOid, DEFAULT_OUTPUT_SETTINGS);
  const viaText: Append = (a, v) => a.appendValue(asText(v), VARCHAR);
  switch (duckColumnType(c)) {
    case 'BOOLEAN':
      return (a, v) => a.appendBoolean(v as boolean);
    case 'SMALLINT':
      return (a, v) => a.appendSmallInt(Number(v));
    case 'INTEGER':
      return (a, v) => a.appendInteger(Number(v));
    case 'BIGINT':
      return (a, v) => a.appendBigInt(BigInt(v as number | bigint));
    case 'FLOAT':
      return (a, v) => a.appendFloat(Number(v));
    case 'DOUBLE':
      return (a, v) => a.appendDouble(Number(v));
    case 'DATE':
      return (a, v) => {
        const d = v as number;
        a.appendDate(new DuckDBDateValue(d === Infinity ? DUCK_DATE_POS_INFINITY : d === -Infinity ? DUCK_DATE_NEG_INFINITY : d));
      };
    case 'TIME':
      return (a, v) => a.appendTime(new DuckDBTimeValue(v as bigint));
    case 'TIMESTAMP':
      return (a, v) => a.appendTimestamp(new DuckDBTimestampValue(micros(v as bigint)));
    case 'TIMESTAMPTZ':
      return (a, v) => a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(v as bigint)));
    case 'INTERVAL':
      return (a, v) => {
        const i = v as PgInterval;
        a.appendInterval(new DuckDBIntervalValue(i.months, i.days, i.micros));
      };
    case 'BLOB':
      return (a, v) => a.appendBlob(v as Uint8Array);
    case 'VARCHAR':
      // Text types are strings already; every other type is kept in its PostgreSQL text form.
      return TEXT_TYPES.has(c.typeOid) ? (a, v) => a.appendVarchar(v as string) : (a, v) => a.appendVarchar(asText(v));
    default:
      // DECIMAL and UUID: their canonical form is text, which DuckDB casts exactly.
      return viaText;
  }
}

/** Creates the temporary table of one input and fills it; returns the rows loaded. */
export async function loadInput(conn: DuckDBConnection, input: InputRelation, limits: InputLimits, signal: AbortSignal): Promise<number> {
  const columns = input.columns.length > 0 ? input.columns : [];
  // A part that needs no column (count(*) over it) still brings its rows: one constant column.
  const ddlColumns = columns.length > 0 ? columns.map((c) => `${quoteIdent(c.name)} ${duckColumnType(c)}`) : ['"__tollgate_row" BOOLEAN'];
  await conn.run(`CREATE TEMPORARY TABLE ${quoteIdent(input.name)} (${ddlColumns.join(', ')})`);
  const appender = await conn.createAppender(input.name);
  const appenders = columns.map(appenderFor);
  let rows = 0;
  try {
    for await (const batch of input.batches) {
      if (signal.aborted) throw new GatewayError('QUERY_CANCELED', 'canceling statement due to user request');
      rows += batch.rowCount;
      if (rows > limits.maxRows)
        throw new GatewayError('CONFIGURATION_LIMIT_EXCEEDED', `the federated query would read more than ${limits.maxRows} rows from ${input.source}`, {
          hint: 'Add filters on that table, or raise federation.maxRowsPerPart in the config.',
        });
      for (let r = 0; r < batch.rowCount; r++) {
        if (columns.length === 0) appender.appendBoolean(true);
        for (let c = 0; c < columns.length; c++) {
          const v = batch.columns[c]![r]!;
          if (v === null) appender.appendNull();
          else appenders[c]!(appender, v);
        }
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return rows;
}

export async function dropInputs(conn: DuckDBConnection, inputs: readonly InputRelation[]): Promise<void> {
  for (const input of inputs) await conn.run(`DROP TABLE IF EXISTS temp.${quoteIdent(input.name)}`);
}
