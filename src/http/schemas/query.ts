import { Type, type Static } from '@sinclair/typebox';

/** The default and the largest `maxRows` of POST /v1/query (a JSON answer is meant for a person or a script). */
export const DEFAULT_MAX_ROWS = 100_000;
export const MAX_ROWS_LIMIT = 10_000_000;

const Sql = Type.String({ minLength: 1, maxLength: 1_000_000, description: 'One SQL statement; $1, $2, ... for parameters.' });
const Params = Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
  maxItems: 65_535,
  description: 'Values of $1, $2, ...: sent as text (a number or boolean as its text) and read by the type of each parameter, as Bind does.',
});

export const QueryBody = Type.Object(
  {
    sql: Sql,
    params: Type.Optional(Params),
    maxRows: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_ROWS_LIMIT, description: `Most rows returned (default ${DEFAULT_MAX_ROWS}); more: truncated = true and the statement is closed early.` }),
    ),
  },
  { additionalProperties: false },
);
export type QueryBody = Static<typeof QueryBody>;

export const EstimateBody = Type.Object({ sql: Sql, params: Type.Optional(Params) }, { additionalProperties: false });
export type EstimateBody = Static<typeof EstimateBody>;

const Column = Type.Object({ name: Type.String(), type: Type.String({ description: 'pg_type.typname' }), typeOid: Type.Integer() });
const ErrorMember = Type.Object({ code: Type.String(), sqlstate: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) });

/**
 * The JSON answer (documentation: it is streamed, not serialized through this schema). Values: bool →
 * boolean; int2, int4 → number; float4, float8 → number, or 'NaN' / 'Infinity' / '-Infinity'; int8, numeric →
 * string (exact); bytea → '\\x' hex string; arrays → arrays; date, timestamp, timestamptz and every other
 * type → PostgreSQL's text output (DateStyle ISO). `error` replaces `commandTag` when the statement failed
 * after rows were sent (the status is already 200 then).
 */
export const QueryResponse = Type.Object({
  columns: Type.Array(Column),
  rows: Type.Array(Type.Array(Type.Unknown())),
  rowCount: Type.Integer(),
  truncated: Type.Boolean(),
  notices: Type.Array(Type.String()),
  commandTag: Type.Optional(Type.String()),
  error: Type.Optional(ErrorMember),
});

export const EstimateResponse = Type.Object({
  route: Type.Object({
    engines: Type.Array(Type.String()),
    explain: Type.Array(Type.String(), { description: 'The lines of EXPLAIN over the wire: route, reads, SQL sent to each engine.' }),
  }),
  estimate: Type.Object({
    bytes: Type.Number({ description: 'Estimated bytes scanned.' }),
    billedBytes: Type.Number(),
    cost: Type.Number(),
    currency: Type.String(),
    tables: Type.Array(
      Type.Object({
        table: Type.String(),
        engine: Type.String(),
        bytes: Type.Number(),
        billedBytes: Type.Number(),
        cost: Type.Number(),
        pruned: Type.String({ description: 'What was pruned (partitions, files) and notes, as EXPLAIN (COST) details them.' }),
      }),
    ),
  }),
});
export type EstimateResponse = Static<typeof EstimateResponse>;

export const QUERY_DESCRIPTION = [
  'Runs one statement as the authenticated user, through the same session path as the PostgreSQL side: routed, priced, held against the budget, cached and recorded in the ledger (application_name tollgate-http).',
  'JSON (default): streamed as rows arrive. bool → boolean; int2/int4 → number; float4/float8 → number, or "NaN"/"Infinity"/"-Infinity"; int8 and numeric → string (exact); bytea → "\\x…" hex string; arrays → arrays; date, timestamp, timestamptz and other types → PostgreSQL text output (DateStyle ISO).',
  'Over maxRows: truncated = true, and the statement is closed early (recorded with the rows sent). An error after rows were sent cannot change the 200: the document ends with an "error" member instead of "commandTag".',
  'Accept: application/vnd.apache.arrow.stream → an Arrow IPC stream, one record batch per engine batch: int2/int4/int8 → Int16/Int32/Int64, float4/float8 → Float32/Float64, bool → Bool, date → Date32[day], timestamp → Timestamp[µs], timestamptz → Timestamp[µs, UTC], bytea → Binary, numeric and other types → Utf8 (field metadata tollgate.pg_type). Notices: X-Tollgate-Notice headers (percent-encoded outside printable ASCII) and schema metadata tollgate.notices. An error after the schema was sent aborts the response: the stream has no end-of-stream marker.',
  'Errors before the first row answer with their status (budget refusal 429 with SQLSTATE 53400). A client that disconnects cancels the statement.',
].join('\n\n');

export const ESTIMATE_DESCRIPTION =
  'The route and priced estimate of one statement, from EXPLAIN and EXPLAIN (COST) run through a session of the user, exactly as a PostgreSQL client sees them. Nothing runs; nothing is billed or held against the budget.';
