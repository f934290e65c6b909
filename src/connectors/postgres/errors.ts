/**
 * PostgreSQL errors → GatewayError, at the connector edge.
 *
 * A statement's error is PostgreSQL's own: its SQLSTATE is relayed exactly (relayedSqlstate), with
 * its message, DETAIL, HINT and POSITION (the connector sends the statement text unchanged, so the
 * position is the user's). The ErrorCode only chooses the error's kind and severity: the code with the
 * same SQLSTATE when tollgate has one, else the SQLSTATE's class.
 *
 * Losing the connection is different: a socket error, or a FATAL/PANIC error (the backend was
 * terminated, the server shuts down, authentication failed) is ENGINE_UNAVAILABLE (08006) naming the
 * engine, never relayed as FATAL (that would close the client's own session with tollgate).
 */
import { ERROR_CODES, GatewayError, type ErrorCode } from '../../errors/index.ts';

/** The fields of pg's DatabaseError that matter here (pg-protocol's message fields). */
interface PgErrorFields {
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Non-FATAL codes by SQLSTATE (the first one listed wins: 0A000 is FEATURE_NOT_SUPPORTED). */
const CODE_BY_SQLSTATE: ReadonlyMap<string, ErrorCode> = (() => {
  const m = new Map<string, ErrorCode>();
  for (const [code, spec] of Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>) {
    if ('severity' in spec && spec.severity === 'FATAL') continue;
    if (!m.has(spec.sqlstate)) m.set(spec.sqlstate, code);
  }
  return m;
})();

/** The ErrorCode for a SQLSTATE PostgreSQL reported (the SQLSTATE itself is relayed unchanged). */
export function codeForSqlstate(sqlstate: string): ErrorCode {
  const exact = CODE_BY_SQLSTATE.get(sqlstate);
  if (exact !== undefined) return exact;
  switch (sqlstate.slice(0, 2)) {
    case '22':
      return 'DATA_EXCEPTION';
    case '0A':
      return 'FEATURE_NOT_SUPPORTED';
    case '42': // "syntax error or access rule violation"
      return 'SYNTAX_ERROR';
    case '25':
      return 'READ_ONLY_TRANSACTION';
    case '53':
      return 'OUT_OF_MEMORY';
    case '57':
      return sqlstate === '57014' ? 'QUERY_CANCELED' : 'ENGINE_ERROR';
    default:
      return 'ENGINE_ERROR';
  }
}

export function canceledError(cause?: unknown): GatewayError {
  return new GatewayError('QUERY_CANCELED', 'canceling statement due to user request', cause === undefined ? {} : { cause });
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** True for errors that mean the connection is gone or unusable, not that one statement failed. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof GatewayError) return e.code === 'ENGINE_UNAVAILABLE';
  const f = (e ?? {}) as PgErrorFields;
  // A server error always carries a severity; a Node socket error (EPIPE, ECONNRESET: five capitals
  // too) carries none and must not be relayed as if it were a SQLSTATE.
  if (typeof f.code !== 'string' || !SQLSTATE.test(f.code) || typeof f.severity !== 'string') return true;
  return f.severity === 'FATAL' || f.severity === 'PANIC';
}

/** The engine cannot be reached or the connection broke. */
export function unavailableError(engine: string, e: unknown, phase: 'connecting' | 'running' = 'running'): GatewayError {
  if (e instanceof GatewayError && e.code === 'ENGINE_UNAVAILABLE') return e;
  const why = text((e as PgErrorFields | undefined)?.message) ?? String(e);
  const message =
    phase === 'connecting'
      ? `postgres engine "${engine}" is unavailable: ${why}`
      : `lost the connection to postgres engine "${engine}": ${why}`;
  return new GatewayError('ENGINE_UNAVAILABLE', message, {
    cause: e,
    hint:
      phase === 'connecting'
        ? "check that the PostgreSQL server is up and the engine's connection settings (host, port, user, password, ssl)"
        : 'try again: tollgate opens a new connection',
  });
}

/** Turns anything pg or PostgreSQL threw into a GatewayError. GatewayErrors pass through unchanged. */
export function mapPgError(e: unknown, engine: string): GatewayError {
  if (e instanceof GatewayError) return e;
  if (isConnectionError(e)) return unavailableError(engine, e);
  const f = e as PgErrorFields;
  const sqlstate = f.code as string;
  const message = text(f.message) ?? `PostgreSQL error ${sqlstate}`;
  const opts: ConstructorParameters<typeof GatewayError>[2] = { cause: e, relayedSqlstate: sqlstate };
  const detail = text(f.detail);
  const hint = text(f.hint);
  if (detail !== undefined) opts.detail = detail;
  if (hint !== undefined) opts.hint = hint;
  const position = Number(f.position);
  if (Number.isInteger(position) && position > 0) opts.position = position;
  // Bind with the wrong number of values is 08P01 (protocol violation) from PostgreSQL's point of view;
  // here it is a statement given the wrong parameters, as the other engines report it.
  if (sqlstate === '08P01' && /^bind message supplies \d+ parameters?/.test(message)) {
    return new GatewayError('INVALID_PARAMETER_VALUE', message, { cause: e });
  }
  return new GatewayError(codeForSqlstate(sqlstate), message, opts);
}
