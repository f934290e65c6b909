/**
 * The one table of coded errors. Every error a client can see is listed here with its SQLSTATE
 * (never invented: see PostgreSQL's errcodes.txt) and its kind. The wire maps `sqlstate` to an
 * ErrorResponse; the HTTP layer maps `kind` to a status code. Add a row here before throwing a new code.
 */
export type ErrorKind = 'user' | 'auth' | 'resources' | 'external' | 'internal' | 'cancelled';

export interface ErrorSpec {
  readonly sqlstate: string;
  readonly kind: ErrorKind;
  /** Severity sent on the wire. FATAL closes the connection, as in PostgreSQL. */
  readonly severity?: 'ERROR' | 'FATAL';
}

export const ERROR_CODES = {
  // Protocol and connection
  PROTOCOL_VIOLATION: { sqlstate: '08P01', kind: 'user', severity: 'FATAL' },
  /** A well-framed message with a malformed body: PostgreSQL reports it as ERROR and keeps the connection. */
  MALFORMED_MESSAGE: { sqlstate: '08P01', kind: 'user' },
  FEATURE_NOT_SUPPORTED: { sqlstate: '0A000', kind: 'user' },
  UNSUPPORTED_PROTOCOL_VERSION: { sqlstate: '0A000', kind: 'user', severity: 'FATAL' },
  INVALID_DATABASE: { sqlstate: '3D000', kind: 'user', severity: 'FATAL' },
  TOO_MANY_CONNECTIONS: { sqlstate: '53300', kind: 'resources', severity: 'FATAL' },
  ADMIN_SHUTDOWN: { sqlstate: '57P01', kind: 'external', severity: 'FATAL' },
  CHARACTER_NOT_IN_REPERTOIRE: { sqlstate: '22021', kind: 'user' },
  // Authentication
  INVALID_PASSWORD: { sqlstate: '28P01', kind: 'auth', severity: 'FATAL' },
  INVALID_AUTHORIZATION: { sqlstate: '28000', kind: 'auth', severity: 'FATAL' },
  // SQL
  SYNTAX_ERROR: { sqlstate: '42601', kind: 'user' },
  UNDEFINED_TABLE: { sqlstate: '42P01', kind: 'user' },
  UNDEFINED_COLUMN: { sqlstate: '42703', kind: 'user' },
  UNDEFINED_FUNCTION: { sqlstate: '42883', kind: 'user' },
  UNDEFINED_OBJECT: { sqlstate: '42704', kind: 'user' },
  UNDEFINED_PARAMETER: { sqlstate: '42P02', kind: 'user' },
  DATATYPE_MISMATCH: { sqlstate: '42804', kind: 'user' },
  AMBIGUOUS_COLUMN: { sqlstate: '42702', kind: 'user' },
  GROUPING_ERROR: { sqlstate: '42803', kind: 'user' },
  INVALID_PARAMETER_VALUE: { sqlstate: '22023', kind: 'user' },
  INVALID_TEXT_REPRESENTATION: { sqlstate: '22P02', kind: 'user' },
  INVALID_BINARY_REPRESENTATION: { sqlstate: '22P03', kind: 'user' },
  NUMERIC_VALUE_OUT_OF_RANGE: { sqlstate: '22003', kind: 'user' },
  DIVISION_BY_ZERO: { sqlstate: '22012', kind: 'user' },
  DATA_EXCEPTION: { sqlstate: '22000', kind: 'user' },
  INVALID_ESCAPE_SEQUENCE: { sqlstate: '22025', kind: 'user' },
  UNTRANSLATABLE_CHARACTER: { sqlstate: '22P05', kind: 'user' },
  INVALID_DATETIME_FORMAT: { sqlstate: '22007', kind: 'user' },
  DATETIME_FIELD_OVERFLOW: { sqlstate: '22008', kind: 'user' },
  INVALID_TIME_ZONE_DISPLACEMENT_VALUE: { sqlstate: '22009', kind: 'user' },
  INTERVAL_FIELD_OVERFLOW: { sqlstate: '22015', kind: 'user' },
  UNRECOGNIZED_PARAMETER: { sqlstate: '42704', kind: 'user' },
  CANT_CHANGE_RUNTIME_PARAM: { sqlstate: '55P02', kind: 'user' },
  READ_ONLY_TRANSACTION: { sqlstate: '25006', kind: 'user' },
  IN_FAILED_TRANSACTION: { sqlstate: '25P02', kind: 'user' },
  NO_ACTIVE_TRANSACTION: { sqlstate: '25P01', kind: 'user' },
  ACTIVE_TRANSACTION: { sqlstate: '25001', kind: 'user' },
  INVALID_CURSOR_NAME: { sqlstate: '34000', kind: 'user' },
  INVALID_CURSOR_STATE: { sqlstate: '24000', kind: 'user' },
  OBJECT_NOT_IN_PREREQUISITE_STATE: { sqlstate: '55000', kind: 'user' },
  INVALID_SAVEPOINT: { sqlstate: '3B001', kind: 'user' },
  INVALID_STATEMENT_NAME: { sqlstate: '26000', kind: 'user' },
  DUPLICATE_STATEMENT: { sqlstate: '42P05', kind: 'user' },
  DUPLICATE_CURSOR: { sqlstate: '42P03', kind: 'user' },
  QUERY_CANCELED: { sqlstate: '57014', kind: 'cancelled' },
  OUT_OF_MEMORY: { sqlstate: '53200', kind: 'resources' },
  /** A federated plan would pull more from an engine than the configured cap. */
  CONFIGURATION_LIMIT_EXCEEDED: { sqlstate: '53400', kind: 'resources' },
  /** The estimate is over the session's tollgate.max_bytes_billed. */
  MAX_BYTES_BILLED_EXCEEDED: { sqlstate: '53400', kind: 'resources' },
  /** The query's estimated cost does not fit in what is left of its team's (or user's) budget. */
  BUDGET_EXCEEDED: { sqlstate: '53400', kind: 'resources' },
  /** An engine cannot estimate a scan and the billing policy refuses such queries. */
  ESTIMATE_UNAVAILABLE: { sqlstate: '53000', kind: 'resources' },
  /**
   * A team with a budget cannot be checked (the ledger is unreachable): refused rather than run unguarded.
   * Class 53 like the other refusals, not 08: drivers treat 08 as a lost connection.
   */
  BUDGET_UNAVAILABLE: { sqlstate: '53000', kind: 'external' },
  // Engines
  ENGINE_UNAVAILABLE: { sqlstate: '08006', kind: 'external' },
  ENGINE_ERROR: { sqlstate: '58000', kind: 'external' },
  // Configuration and internals
  CONFIG_INVALID: { sqlstate: 'F0000', kind: 'internal' },
  INTERNAL: { sqlstate: 'XX000', kind: 'internal' },
  // HTTP API. Listed last, so the connectors' SQLSTATE → code lookups (first listed wins) keep their codes.
  /** No credentials were sent (401 with a Basic challenge). FATAL, as PostgreSQL's own auth refusals are. */
  AUTHENTICATION_REQUIRED: { sqlstate: '28000', kind: 'auth', severity: 'FATAL' },
  /** Credentials offered over plain HTTP from another host, where they could be read on the way (403). */
  INSECURE_TRANSPORT: { sqlstate: '28000', kind: 'auth', severity: 'FATAL' },
  /** Authenticated, but the role may not do this (403; PostgreSQL's insufficient_privilege). */
  INSUFFICIENT_PRIVILEGE: { sqlstate: '42501', kind: 'auth' },
  /** No such resource, or one the caller may not know of (404; PostgreSQL's undefined_object). */
  NOT_FOUND: { sqlstate: '42704', kind: 'user' },
  /** A feature needs the ledger's PostgreSQL and this gateway runs without one (503). */
  LEDGER_UNAVAILABLE: { sqlstate: '55000', kind: 'external' },
  /** A team or user of that name exists already, in the config or the ledger (409; PostgreSQL's duplicate_object). */
  DUPLICATE_OBJECT: { sqlstate: '42710', kind: 'user' },
  /** Declared in the config file, hence read-only through the API (409; object_not_in_prerequisite_state). */
  MANAGED_BY_CONFIG: { sqlstate: '55000', kind: 'user' },
  /** A team still has users, so it cannot be deleted (409; PostgreSQL's dependent_objects_still_exist). */
  DEPENDENT_OBJECTS_STILL_EXIST: { sqlstate: '2BP01', kind: 'user' },
  /** Nesting deeper than tollgate analyses (PostgreSQL's stack depth limit, 54001). */
  STATEMENT_TOO_COMPLEX: { sqlstate: '54001', kind: 'user' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;
