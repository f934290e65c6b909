/**
 * Vertica and vertica-nodejs errors → GatewayError, at the connector edge.
 *
 * A statement's error is Vertica's own: its SQLSTATE is relayed (Vertica's standard codes, and its
 * own 'V' codes such as 22V02 or 42V13, which PostgreSQL clients treat by class), with its message,
 * DETAIL, HINT and POSITION (mapped back to the statement tollgate was given). One exception: 42V01,
 * Vertica's "relation does not exist", is 42P01 (undefined_table) as every other engine reports it.
 *
 * The rest is not relayed as is:
 * - a lost connection (socket error, the server closing it, FATAL other than a login failure, a
 *   connect timeout, a refused TLS upgrade) is 08006 naming the engine;
 * - a refused login (FATAL 28000 or 28P01) keeps that SQLSTATE but with severity ERROR: the engine's
 *   credentials are tollgate's, not the client's, and a FATAL would close the client's own session;
 * - a fault inside vertica-nodejs (driver.ts DriverFault) is XX000 naming the engine, except the
 *   driver's known gap, Vertica's complex types, which is 0A000 with a hint;
 * - 57014 is the connector's cancellation error.
 */
import { ERROR_CODES, GatewayError, type ErrorCode } from '../../errors/index.ts';
import { DRIVER_VERSION, DriverFault, type DatabaseErrorFields } from './driver.ts';

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

/** The ErrorCode for a SQLSTATE Vertica reported (the SQLSTATE itself is relayed). */
export function codeForSqlstate(sqlstate: string): ErrorCode {
  const exact = CODE_BY_SQLSTATE.get(sqlstate);
  if (exact !== undefined) return exact;
  switch (sqlstate.slice(0, 2)) {
    case '22':
      return 'DATA_EXCEPTION';
    case '0A':
      return 'FEATURE_NOT_SUPPORTED';
    case '42':
      return 'SYNTAX_ERROR';
    case '25':
      return 'READ_ONLY_TRANSACTION';
    case '53':
      return 'OUT_OF_MEMORY';
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

/** An ErrorResponse from Vertica (v-protocol's DatabaseError carries the SQLSTATE in `code`). */
function isServerError(e: unknown): e is DatabaseErrorFields {
  return e instanceof Error && !(e instanceof DriverFault) && typeof (e as DatabaseErrorFields).code === 'string' && SQLSTATE.test((e as DatabaseErrorFields).code!);
}

const LOGIN_REFUSED = new Set(['28000', '28P01']);

/** True when the error means the session is gone or unusable, not that one statement failed. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof GatewayError) return e.code === 'ENGINE_UNAVAILABLE' || e.code === 'INTERNAL';
  if (!isServerError(e)) return true;
  return e.severity === 'FATAL' || e.severity === 'PANIC';
}

/** The engine cannot be reached, refused tollgate's login, or the connection broke. */
export function unavailableError(engine: string, e: unknown, phase: 'connecting' | 'running' = 'running'): GatewayError {
  if (e instanceof GatewayError && (e.code === 'ENGINE_UNAVAILABLE' || e.code === 'INTERNAL')) return e;
  if (e instanceof DriverFault) return driverFaultError(engine, e);
  if (isServerError(e) && LOGIN_REFUSED.has(e.code!)) {
    return new GatewayError('ENGINE_UNAVAILABLE', `vertica engine "${engine}" refused tollgate's login: ${text(e.message) ?? e.code}`, {
      cause: e,
      relayedSqlstate: e.code!,
      hint: "check the engine's user and password (connection.password names the environment variable)",
    });
  }
  const why = text((e as { message?: unknown } | undefined)?.message) ?? String(e);
  const message =
    phase === 'connecting' ? `vertica engine "${engine}" is unavailable: ${why}` : `lost the connection to vertica engine "${engine}": ${why}`;
  return new GatewayError('ENGINE_UNAVAILABLE', message, {
    cause: e,
    hint:
      phase === 'connecting'
        ? "check that Vertica is up and the engine's connection settings (host, port, database, user, password, tls)"
        : 'try again: tollgate opens a new connection',
  });
}

/** What vertica-nodejs threw while reading the server's messages. */
export function driverFaultError(engine: string, fault: DriverFault): GatewayError {
  const why = fault.cause instanceof Error ? fault.cause.message : String(fault.cause);
  if (/non native types/i.test(why)) {
    return new GatewayError('FEATURE_NOT_SUPPORTED', `vertica engine "${engine}" returned a complex type (ARRAY, SET, ROW or MAP), which vertica-nodejs ${DRIVER_VERSION} cannot read`, {
      cause: fault,
      hint: 'cast the column to VARCHAR, e.g. TO_JSON(col) or col::VARCHAR(65000)',
    });
  }
  return new GatewayError('INTERNAL', `the Vertica driver (vertica-nodejs) failed on what vertica engine "${engine}" sent: ${why}`, {
    cause: fault,
    hint: 'the connection was closed; try again',
  });
}

/** Maps a position in the SQL sent to Vertica back to the statement tollgate was given. */
export type PositionMap = (sentPosition: number) => number | undefined;

/** Turns anything vertica-nodejs or Vertica threw into a GatewayError. GatewayErrors pass through. */
export function mapVerticaError(e: unknown, engine: string, positions?: PositionMap): GatewayError {
  if (e instanceof GatewayError) return e;
  if (e instanceof DriverFault) return driverFaultError(engine, e);
  if (isConnectionError(e)) return unavailableError(engine, e);
  const f = e as DatabaseErrorFields;
  let sqlstate = f.code!;
  if (sqlstate === '57014') return canceledError(e);
  if (sqlstate === '42V01') sqlstate = '42P01';
  const message = text(f.message) ?? `Vertica error ${sqlstate}`;
  const opts: ConstructorParameters<typeof GatewayError>[2] = { cause: e, relayedSqlstate: sqlstate };
  const detail = text(f.detail);
  const hint = text(f.hint);
  if (detail !== undefined) opts.detail = detail;
  if (hint !== undefined) opts.hint = hint;
  const sent = Number(f.position);
  if (Number.isInteger(sent) && sent > 0) {
    const position = positions ? positions(sent) : sent;
    if (position !== undefined && position > 0) opts.position = position;
  }
  return new GatewayError(codeForSqlstate(sqlstate), message, opts);
}
