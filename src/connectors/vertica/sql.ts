/**
 * The statement as Vertica receives it: checked, labelled, with its parameters as `?` markers.
 *
 * - **One statement.** Vertica's simple query protocol runs every statement of a message; the
 *   connector sends exactly one (a trailing `;` is dropped), so `SELECT 1; DELETE ...` is refused
 *   (42601) before anything is sent. Tokens come from tollgate's PostgreSQL lexer: Vertica's lexical
 *   rules are PostgreSQL's (standard conforming strings, which the sessions pin on).
 * - **Reads only.** The leading keyword must not be a write, DDL, or a statement that would change
 *   the session (0A000, as every tollgate engine answers them); the sessions are READ ONLY besides.
 *   Misspellings go to Vertica, which answers with its own syntax error.
 * - **The label.** `/*+LABEL('tollgate:<query id>')*\/` goes right after the statement's first keyword,
 *   where Vertica reads statement hints (`SELECT /*+LABEL(...)*\/ ...`, `WITH /*+LABEL(...)*\/ ...`;
 *   after EXPLAIN, PROFILE or AT EPOCH/TIME it goes after the SELECT or WITH that follows). Vertica
 *   records it in v_monitor.query_requests.request_label and query_profiles.identifier, so its logs
 *   join tollgate's ledger. Statements without a SELECT or WITH (SHOW) are not labelled.
 * - **Positions.** Vertica's error POSITION counts in the text sent; it is mapped back through every
 *   edit (label, markers) to the statement given.
 */
import { GatewayError } from '../../errors/index.ts';
import { lex, positionAt, splitStatements, type Token } from '../../parser/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import type { PositionMap } from './errors.ts';
import { encodeParam } from './params.ts';

const NOT_A_READ = new Set([
  'ABORT', 'ACTIVATE', 'ALTER', 'ANALYSE', 'ANALYZE', 'BEGIN', 'CALL', 'CHECKPOINT', 'CLOSE', 'CLUSTER', 'COMMENT',
  'COMMIT', 'CONNECT', 'COPY', 'CREATE', 'DEACTIVATE', 'DEALLOCATE', 'DECLARE', 'DELETE', 'DISCARD', 'DISCONNECT',
  'DO', 'DROP', 'END', 'EXECUTE', 'EXPORT', 'FETCH', 'GRANT', 'IMPORT', 'INSERT', 'LISTEN', 'LOAD', 'LOCK', 'MERGE',
  'MOVE', 'NOTIFY', 'PREPARE', 'REASSIGN', 'REFRESH', 'REINDEX', 'RELEASE', 'RESET', 'REVOKE', 'ROLLBACK', 'SAVE',
  'SAVEPOINT', 'SECURITY', 'SET', 'START', 'TRUNCATE', 'UNDO', 'UNLISTEN', 'UPDATE', 'UPSERT', 'VACUUM',
]);

/** Statement kinds whose hint goes after a following SELECT or WITH. */
const PREFIXES = new Set(['EXPLAIN', 'PROFILE', 'AT']);
const LABELLED = new Set(['SELECT', 'WITH']);

/** Longest label Vertica keeps (128 octets). */
const MAX_LABEL = 128;

/** `tollgate:<query id>`, reduced to characters safe inside the hint; `tollgate` alone without an id. */
export function labelFor(queryId: string | undefined): string {
  const id = (queryId ?? '').replace(/[^A-Za-z0-9_.:-]/g, '');
  return id === '' ? 'tollgate' : `tollgate:${id}`.slice(0, MAX_LABEL);
}

export function labelHint(label: string): string {
  return `/*+LABEL('${label.replace(/[^A-Za-z0-9_.:-]/g, '')}')*/`;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const isWord = (t: Token | undefined): boolean => t !== undefined && t.kind === 'ident' && !t.quoted;

/** The first keyword token, skipping opening parentheses. */
function firstKeyword(tokens: readonly Token[]): Token | undefined {
  let i = 0;
  while (tokens[i]?.kind === 'punct' && tokens[i]!.text === '(') i++;
  return isWord(tokens[i]) ? tokens[i] : undefined;
}

/** The leading keyword of a statement, upper-cased ('' when none). Throws 42601 on a lexical error. */
export function leadingKeyword(sql: string): string {
  return firstKeyword(lex(sql))?.value.toUpperCase() ?? '';
}

/** Where the label hint goes: just after this token. */
function labelAnchor(tokens: readonly Token[]): Token | undefined {
  const first = firstKeyword(tokens);
  if (first === undefined) return undefined;
  const kw = first.value.toUpperCase();
  if (LABELLED.has(kw)) return first;
  if (!PREFIXES.has(kw)) return undefined;
  return tokens.find((t) => t.start > first.start && isWord(t) && LABELLED.has(t.value.toUpperCase()));
}

export interface StatementText {
  /** The text sent to Vertica. */
  text: string;
  /** Bound values for the `?` markers, in order of appearance (empty without parameters). */
  values: Array<string | null>;
  /** For each `?` marker, the 0-based index of the `$n` it stands for. */
  markers: number[];
  /** Number of parameters the statement takes ($1..$n). */
  paramCount: number;
  positions: PositionMap;
}

export interface StatementOptions {
  /** Bound values by position, or undefined when describing (markers only). */
  params?: readonly PgValue[];
  /** Declared parameter types (0 = undeclared). */
  paramTypes: readonly number[];
  /** The label, or null for no hint (describe). */
  label: string | null;
}

/**
 * Checks a statement and builds the text Vertica receives. Throws GatewayError: 42601 (empty, several
 * statements, lexical error), 0A000 (not a read, array parameters), 22023 (wrong parameter count or value).
 */
export function statementText(sql: string, opts: StatementOptions): StatementText {
  const tokens = lex(sql);
  const statements = splitStatements(sql).statements;
  if (statements.length === 0) {
    throw new GatewayError('SYNTAX_ERROR', 'empty statement: there is nothing to run', { hint: 'send one SELECT statement' });
  }
  const keyword = firstKeyword(tokens)?.value.toUpperCase() ?? '';
  if (NOT_A_READ.has(keyword)) {
    throw new GatewayError('FEATURE_NOT_SUPPORTED', `${keyword} is not supported: tollgate is read-only`, {
      hint: 'send SELECT, WITH, EXPLAIN, PROFILE or SHOW statements',
    });
  }
  if (statements.length > 1) {
    throw new GatewayError('SYNTAX_ERROR', 'cannot insert multiple commands into a prepared statement', {
      hint: 'the vertica connector runs one statement at a time; send them one by one',
      position: statements[1]!.startPosition,
    });
  }
  const stmt = statements[0]!;
  const edits: Edit[] = [];
  // Drop what follows the statement (its ';' and anything after).
  if (stmt.end < sql.length) edits.push({ start: stmt.end, end: sql.length, text: '' });

  const values: Array<string | null> = [];
  const markers: number[] = [];
  let paramCount = opts.paramTypes.length;
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    const n = Number(t.value);
    if (!Number.isSafeInteger(n) || n < 1) throw new GatewayError('UNDEFINED_PARAMETER', `there is no parameter $${t.value}`);
    paramCount = Math.max(paramCount, n);
  }
  if (opts.params !== undefined && opts.params.length !== paramCount) {
    throw new GatewayError(
      'INVALID_PARAMETER_VALUE',
      `bind message supplies ${opts.params.length} parameters, but the statement requires ${paramCount}`,
    );
  }
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    const index = Number(t.value) - 1;
    const encoded = encodeParam(index, opts.paramTypes[index] ?? 0, opts.params === undefined ? undefined : opts.params[index]!);
    markers.push(index);
    if (encoded.text !== undefined) values.push(encoded.text);
    edits.push({ start: t.start, end: t.end, text: encoded.marker });
  }

  if (opts.label !== null) {
    const anchor = labelAnchor(tokens);
    if (anchor !== undefined) edits.push({ start: anchor.end, end: anchor.end, text: ` ${labelHint(opts.label)}` });
  }
  return { ...applyEdits(sql, edits), values, markers, paramCount };
}

/** Applies non-overlapping edits and returns the text with a map from its positions back to `sql`'s. */
export function applyEdits(sql: string, edits: readonly Edit[]): { text: string; positions: PositionMap } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let text = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at || e.end < e.start) throw new GatewayError('INTERNAL', `vertica statement edits overlap at ${e.start}`);
    text += sql.slice(at, e.start) + e.text;
    at = e.end;
  }
  text += sql.slice(at);
  const positions: PositionMap = (sentPosition) => {
    // 1-based code points in `text` → UTF-16 offset in `text`.
    let offset = 0;
    for (let p = 1; p < sentPosition && offset < text.length; p++) offset += (text.codePointAt(offset)! > 0xffff ? 2 : 1);
    // → UTF-16 offset in `sql`.
    let delta = 0;
    let original = -1;
    for (const e of sorted) {
      const newStart = e.start + delta;
      if (offset < newStart) break;
      if (offset < newStart + e.text.length) {
        original = e.start;
        break;
      }
      delta += e.text.length - (e.end - e.start);
    }
    if (original < 0) original = offset - delta;
    original = Math.min(Math.max(original, 0), sql.length);
    return positionAt(sql, original);
  };
  return { text, positions };
}
