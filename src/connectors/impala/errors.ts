/**
 * HiveServer2 / Impala failures → GatewayError, at the connector edge.
 *
 * Impala reports a statement's error as a TStatus (or an operation in ERROR_STATE) carrying its own
 * message and, mostly, the ODBC SQLSTATE HY000 (general error) or 42000 (syntax error or access rule
 * violation, for everything ExecuteStatement rejects). The SQLSTATE is therefore chosen from the
 * message, which is stable across Impala versions for the cases clients act on:
 *
 *   Could not resolve table reference: 'x'         → 42P01  relation "x" does not exist
 *   Database does not exist: d / Table does not…   → 3F000 / 42P01
 *   Could not resolve column/field reference: 'c'  → 42703  column "c" does not exist
 *   Column/field reference is ambiguous: 'c'       → 42702
 *   f() unknown for database d / No matching function with signature → 42883
 *   operands of type A and B are not comparable    → 42883  (PostgreSQL: operator does not exist)
 *   not produced by aggregation output / GROUP BY  → 42803
 *   Syntax error in line L: … (ParseException)     → 42601  syntax error at or near "…"
 *   AuthorizationException                         → 42501
 *   any other AnalysisException                    → 42000
 *   Memory limit exceeded                          → 53200;  Rejected query from pool → 53000
 *   Cancelled / expired due to execution time limit → 57014
 *   session expired / invalid session or query handle → 08006 (the engine dropped our state)
 *
 * A standard SQLSTATE Impala does send (class 22, 42, 53, 57, 0A) is kept when no rule matched;
 * anything else is 58000 (ENGINE_ERROR) with Impala's message. The exception class prefix
 * ("AnalysisException: ") is stripped from messages; everything after the first line goes to DETAIL.
 *
 * Losing the engine is different: a refused or dropped connection, a socket or protocol fault, a
 * timeout while connecting is 08006 naming the engine. Rejected credentials are 28P01 (28000 when the
 * server does not offer the mechanism), with ERROR severity: it is tollgate's own login to the engine
 * that failed, not the client's, so the client's session with tollgate stays open.
 */
import { GatewayError, type ErrorCode } from '../../errors/index.ts';
import type { TStatus } from './thrift.ts';

/** A TStatus that was not SUCCESS, or an operation that ended in ERROR_STATE. */
export class Hs2StatusError extends Error {
  readonly sqlState: string | undefined;
  readonly errorCode: number | undefined;
  readonly statusCode: number | undefined;

  constructor(
    readonly rpc: string,
    status: Pick<TStatus, 'sqlState' | 'errorCode' | 'errorMessage'> & { statusCode?: number },
  ) {
    super(status.errorMessage || `${rpc} failed without a message`);
    this.name = 'Hs2StatusError';
    this.sqlState = status.sqlState ?? undefined;
    this.errorCode = status.errorCode ?? undefined;
    this.statusCode = status.statusCode;
  }
}

/** The connection to the engine is gone (socket closed or failed, protocol fault). */
export class ConnectionLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionLostError';
  }
}

export function canceledError(cause?: unknown): GatewayError {
  return new GatewayError('QUERY_CANCELED', 'canceling statement due to user request', cause === undefined ? {} : { cause });
}

export function shutdownError(engine: string): GatewayError {
  return new GatewayError('ENGINE_UNAVAILABLE', `the impala connector "${engine}" was shut down while the statement ran`);
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** The engine cannot be reached or the connection broke. */
export function unavailableError(engine: string, e: unknown, phase: 'connecting' | 'running' = 'running'): GatewayError {
  if (e instanceof GatewayError && e.code === 'ENGINE_UNAVAILABLE') return e;
  const why = messageOf(e);
  const message = phase === 'connecting' ? `impala engine "${engine}" is unavailable: ${why}` : `lost the connection to impala engine "${engine}": ${why}`;
  return new GatewayError('ENGINE_UNAVAILABLE', message, {
    cause: e,
    hint:
      phase === 'connecting'
        ? "check that the Impala daemon is up and the engine's connection settings (host, port 21050, auth, tls)"
        : 'try again: tollgate opens a new connection',
  });
}

export type AuthFailure = 'rejected' | 'closed' | 'mechanism';

/** The engine refused tollgate's credentials (28P01) or the mechanism (28000). */
export function authError(engine: string, user: string, how: AuthFailure, serverMessage?: string): GatewayError {
  if (how === 'mechanism') {
    return new GatewayError('ENGINE_UNAVAILABLE', `impala engine "${engine}" does not accept SASL PLAIN authentication${serverMessage ? `: ${serverMessage}` : ''}`, {
      relayedSqlstate: '28000',
      hint: "check the engine's auth setting: 'plain' needs Impala started with LDAP (or a custom PLAIN) authentication, 'nosasl' none",
    });
  }
  const why = how === 'rejected' ? (serverMessage ? `: ${serverMessage}` : '') : ' (Impala closes the connection without a reason when the user name or password is wrong; its log has the cause)';
  return new GatewayError('ENGINE_UNAVAILABLE', `impala engine "${engine}" rejected the credentials of user "${user}"${why}`, {
    relayedSqlstate: '28P01',
    hint: "check the engine's user and the password in the environment variable its config names",
  });
}

/** True for errors after which the connection must not be reused. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof GatewayError) return e.code === 'ENGINE_UNAVAILABLE';
  return e instanceof ConnectionLostError;
}

/** Impala's message without the exception class prefix, split into its first line and the rest. */
export function cleanMessage(raw: string): { message: string; detail?: string } {
  let text = raw.replace(/\r\n/g, '\n').trim();
  // "Query 1234:5678 failed:\n..." (runtime errors) and exception class prefixes.
  text = text.replace(/^Query [0-9a-f]+:[0-9a-f]+ failed:\s*/i, '');
  text = text.replace(/^(?:[A-Za-z]+\.)*[A-Z][A-Za-z]*(?:Exception|Error):\s*/, '');
  const caused = text.indexOf('\n\nCAUSED BY:');
  const main = caused >= 0 ? text.slice(0, caused) : text;
  const nl = main.indexOf('\n');
  const message = (nl >= 0 ? main.slice(0, nl) : main).trim() || 'Impala reported an error without a message';
  const rest = [nl >= 0 ? main.slice(nl + 1).trim() : '', caused >= 0 ? text.slice(caused + 2).trim() : ''].filter((s) => s !== '').join('\n');
  return rest === '' ? { message } : { message, detail: rest };
}

/** Impala's "Syntax error in line L:\n<line>\n<caret>\nEncountered: …\nExpected: …" → PostgreSQL's form. */
function syntaxError(text: string, cause: unknown): GatewayError {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const at = lines.findIndex((l) => /^Syntax error in line \d+/.test(l.replace(/^.*?Exception:\s*/, '')));
  let near: string | undefined;
  if (at >= 0 && lines[at + 2] !== undefined) {
    const source = lines[at + 1] ?? '';
    const caret = lines[at + 2]!.indexOf('^');
    if (caret >= 0) {
      const m = /^\S+/.exec(source.slice(caret));
      near = m?.[0];
    }
  }
  const info = lines.filter((l) => /^(Encountered|Expected|Hint):/.test(l)).join('\n');
  const message = near !== undefined ? `syntax error at or near "${near}"` : 'syntax error at end of input';
  return new GatewayError('SYNTAX_ERROR', message, { cause, ...(info !== '' && { detail: `Impala: ${info}` }) });
}

interface Rule {
  test: RegExp;
  build(m: RegExpExecArray, clean: { message: string; detail?: string }, raw: string): { code: ErrorCode; message?: string; sqlstate?: string; hint?: string };
}

const RULES: Rule[] = [
  { test: /Could not resolve table reference: '([^']*)'/, build: (m) => ({ code: 'UNDEFINED_TABLE', message: `relation "${m[1]}" does not exist` }) },
  { test: /Table does not exist: (\S+)/, build: (m) => ({ code: 'UNDEFINED_TABLE', message: `relation "${m[1]}" does not exist` }) },
  { test: /Database does not exist: (\S+)/, build: (m) => ({ code: 'UNDEFINED_OBJECT', sqlstate: '3F000', message: `schema "${m[1]}" does not exist` }) },
  { test: /Could not resolve column\/field reference: '([^']*)'/, build: (m) => ({ code: 'UNDEFINED_COLUMN', message: `column "${m[1]}" does not exist` }) },
  { test: /Column\/field reference is ambiguous: '([^']*)'/, build: (m) => ({ code: 'AMBIGUOUS_COLUMN', message: `column reference "${m[1]}" is ambiguous` }) },
  { test: /(\S+)\(\) unknown for database/, build: (m) => ({ code: 'UNDEFINED_FUNCTION', message: `function ${m[1]!.replace(/^default\./, '')}() does not exist` }) },
  {
    test: /No matching function with signature: ([^\n]+?)\.?$/m,
    build: (m) => ({ code: 'UNDEFINED_FUNCTION', message: `function ${m[1]} does not exist`, hint: 'No function matches the given name and argument types; Impala does not cast implicitly between strings and numbers.' }),
  },
  { test: /operands of type (\S+) and (\S+) are not comparable/, build: (m) => ({ code: 'UNDEFINED_FUNCTION', message: `operator does not exist: ${m[1]} = ${m[2]}`, hint: 'Impala does not compare strings with numbers; cast one side.' }) },
  { test: /not produced by aggregation output|must appear in the GROUP BY clause|missing from GROUP BY/i, build: () => ({ code: 'GROUPING_ERROR' }) },
  { test: /Incompatible return types|incompatible types|Cannot cast/i, build: () => ({ code: 'DATATYPE_MISMATCH' }) },
  { test: /^AuthorizationException:/m, build: () => ({ code: 'SYNTAX_ERROR', sqlstate: '42501' }) },
  { test: /Memory limit exceeded/i, build: () => ({ code: 'OUT_OF_MEMORY' }) },
  { test: /Rejected query from pool|Admission for query exceeded timeout/i, build: () => ({ code: 'OUT_OF_MEMORY', sqlstate: '53000' }) },
  { test: /^Cancelled\b|expired due to (?:execution time|client inactivity)|query timed out/im, build: () => ({ code: 'QUERY_CANCELED' }) },
  { test: /Client session expired|Invalid session id|Invalid query handle|Session closed/i, build: () => ({ code: 'ENGINE_UNAVAILABLE' }) },
  { test: /^(?:AnalysisException|ParseException):/m, build: () => ({ code: 'SYNTAX_ERROR', sqlstate: '42000' }) },
];

/** Standard SQLSTATE classes Impala (or Hive) may send that mean the same in PostgreSQL. */
function codeForClass(sqlstate: string): ErrorCode | undefined {
  switch (sqlstate.slice(0, 2)) {
    case '22':
      return 'DATA_EXCEPTION';
    case '42':
      return 'SYNTAX_ERROR';
    case '0A':
      return 'FEATURE_NOT_SUPPORTED';
    case '53':
      return 'OUT_OF_MEMORY';
    case '57':
      return sqlstate === '57014' ? 'QUERY_CANCELED' : undefined;
    default:
      return undefined;
  }
}

/** An Impala error message (and the SQLSTATE it came with) → GatewayError. */
export function impalaStatementError(raw: string, sqlState: string | undefined, engine: string, cause?: unknown): GatewayError {
  const text = raw.replace(/^\s*(?:ERROR:\s*)?/, '');
  if (/Syntax error in line \d+/.test(text)) return syntaxError(text, cause);
  const clean = cleanMessage(text);
  for (const rule of RULES) {
    const m = rule.test.exec(text);
    if (m === null) continue;
    const r = rule.build(m, clean, text);
    const message = r.message ?? clean.message;
    const detail = r.message !== undefined ? [clean.message, clean.detail].filter(Boolean).join('\n') : clean.detail;
    if (r.code === 'ENGINE_UNAVAILABLE') {
      return new GatewayError('ENGINE_UNAVAILABLE', `impala engine "${engine}" dropped the session: ${clean.message}`, { cause, hint: 'try again: tollgate opens a new session' });
    }
    return new GatewayError(r.code, message, {
      cause,
      ...(detail && { detail: `Impala: ${detail}` }),
      ...(r.hint !== undefined && { hint: r.hint }),
      ...(r.sqlstate !== undefined && { relayedSqlstate: r.sqlstate }),
    });
  }
  const state = sqlState?.trim().toUpperCase();
  if (state !== undefined && /^[0-9A-Z]{5}$/.test(state) && state !== '42000') {
    const code = codeForClass(state);
    if (code !== undefined) return new GatewayError(code, clean.message, { cause, relayedSqlstate: state, ...(clean.detail && { detail: clean.detail }) });
  }
  return new GatewayError('ENGINE_ERROR', clean.message, { cause, ...(clean.detail && { detail: clean.detail }) });
}

/** Turns anything the HS2 layer threw into a GatewayError. GatewayErrors pass through unchanged. */
export function mapImpalaError(e: unknown, engine: string): GatewayError {
  if (e instanceof GatewayError) return e;
  if (e instanceof Hs2StatusError) return impalaStatementError(e.message, e.sqlState, engine, e);
  if (e instanceof ConnectionLostError) return unavailableError(engine, e);
  // A TApplicationException: the server could not handle the call at all.
  if (e instanceof Error && e.name === 'TApplicationException') {
    return new GatewayError('ENGINE_ERROR', `impala engine "${engine}" could not handle the request: ${e.message}`, { cause: e });
  }
  return unavailableError(engine, e);
}
