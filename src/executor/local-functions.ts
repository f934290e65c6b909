import { GatewayError } from '../errors/index.ts';
import { byStatementText } from './by-statement-text.ts';
import { constantValue, findFunctionCalls, quoteLiteral, replaceRanges, type FunctionCall, type Replacement } from '../parser/index.ts';
import { VERSION_STRING } from '../version.ts';
import { currentSchema } from './search-path.ts';
import type { SessionSettings } from './session-settings.ts';

/** What session functions answer from. */
export interface SessionFacts {
  readonly settings: SessionSettings;
  readonly user: { name: string };
  readonly database: string;
  readonly processId: number;
  /** Schemas of the served tables (current_schema() returns the first of the search path that exists). */
  readonly servedSchemas: ReadonlySet<string>;
}

const SESSION_FUNCTIONS = new Set([
  'version',
  'current_setting',
  'current_user',
  'session_user',
  'current_role',
  'user',
  'current_database',
  'current_catalog',
  'current_schema',
  'pg_backend_pid',
  'inet_server_addr',
  'inet_server_port',
  'inet_client_addr',
  'inet_client_port',
]);

function literalFor(call: FunctionCall, facts: SessionFacts): string | null {
  switch (call.name) {
    case 'version':
      return call.parens && call.args.length === 0 ? quoteLiteral(VERSION_STRING) : null;
    case 'current_user':
    case 'session_user':
    case 'current_role':
    case 'user':
      return quoteLiteral(facts.user.name);
    case 'current_database':
    case 'current_catalog':
      return call.parens && call.args.length > 0 ? null : quoteLiteral(facts.database);
    case 'current_schema':
      if (call.parens && call.args.length > 0) return null;
      {
        const schema = currentSchema(facts.settings.get('search_path') ?? '', facts.user.name, facts.servedSchemas);
        return schema === null ? 'CAST(NULL AS VARCHAR)' : quoteLiteral(schema);
      }
    case 'pg_backend_pid':
      return call.args.length === 0 ? `CAST(${facts.processId} AS INTEGER)` : null;
    case 'inet_server_addr':
    case 'inet_server_port':
    case 'inet_client_addr':
    case 'inet_client_port':
      return call.args.length === 0 ? 'CAST(NULL AS VARCHAR)' : null;
    case 'current_setting': {
      const name = call.args[0] !== undefined ? constantValue(call.args[0]) : null;
      if (!name || name.kind !== 'string' || call.args.length > 2) return null;
      const missingOk = call.args[1] !== undefined ? constantValue(call.args[1]) : { kind: 'boolean' as const, value: false };
      if (!missingOk || missingOk.kind !== 'boolean') return null;
      const value = facts.settings.get(name.value);
      if (value === undefined) {
        if (missingOk.value) return 'CAST(NULL AS VARCHAR)';
        throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name.value}"`);
      }
      return quoteLiteral(value);
    }
    default:
      return null;
  }
}

/**
 * Replaces calls of PostgreSQL session functions (version(), current_setting('x'), current_user, ...)
 * with the literal values this session has, so any engine can evaluate the rest of the statement.
 * Calls whose arguments are not constants are left alone (the engine then reports them).
 */
/** Where a statement calls session functions (kept per text: every statement that reaches an engine asks). */
const sessionFunctionCalls = byStatementText((sql) => findFunctionCalls(sql, SESSION_FUNCTIONS));

export function substituteSessionFunctions(sql: string, facts: SessionFacts): string {
  const calls = sessionFunctionCalls(sql);
  if (calls.length === 0) return sql;
  const replacements: Replacement[] = [];
  for (const call of calls) {
    const text = literalFor(call, facts);
    if (text !== null) replacements.push({ start: call.start, end: call.end, text });
  }
  return replaceRanges(sql, replacements);
}
