import { ERROR_CODES, type ErrorCode, type ErrorKind } from './codes.ts';

export interface GatewayErrorOptions {
  /** Extra line shown to the user (PostgreSQL's DETAIL). */
  detail?: string;
  /** What the user can do about it (PostgreSQL's HINT). */
  hint?: string;
  /** 1-based character position in the statement text (PostgreSQL's POSITION). */
  position?: number;
  cause?: unknown;
  /**
   * The SQLSTATE of an error relayed from a PostgreSQL server (the shadow catalog, a PostgreSQL engine),
   * which is already PostgreSQL's own; every other error takes its SQLSTATE from the code table.
   */
  relayedSqlstate?: string;
  /** tollgate declined to run the statement by policy (read-only, a byte limit, a budget): the ledger says 'refused'. */
  refused?: boolean;
}

/** The one error type of tollgate: a code from ERROR_CODES, its SQLSTATE and kind, and a human message. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly sqlstate: string;
  readonly kind: ErrorKind;
  readonly severity: 'ERROR' | 'FATAL';
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: number;
  readonly refused: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ERROR_CODES[code];
    this.name = 'GatewayError';
    this.code = code;
    this.sqlstate = options.relayedSqlstate && /^[0-9A-Z]{5}$/.test(options.relayedSqlstate) ? options.relayedSqlstate : spec.sqlstate;
    this.kind = spec.kind;
    this.severity = 'severity' in spec ? spec.severity : 'ERROR';
    if (options.detail !== undefined) this.detail = options.detail;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.position !== undefined) this.position = options.position;
    this.refused = options.refused ?? false;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError; unknown errors become INTERNAL without leaking internals. */
export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  return new GatewayError('INTERNAL', 'internal error in tollgate; the details are in the server log', { cause: e });
}
