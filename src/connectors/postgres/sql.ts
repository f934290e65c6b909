/**
 * The statement guard: which statements the connector sends to PostgreSQL at all.
 *
 * PostgreSQL itself is the authority on writes: every statement runs inside BEGIN TRANSACTION READ
 * ONLY, so an INSERT hidden in a CTE, SELECT ... INTO, nextval() or SELECT ... FOR UPDATE fail there
 * with 25006. This guard only turns away, before anything is sent, the statements that are not reads
 * by their first keyword: plain writes and DDL (0A000, as every tollgate engine answers them), and the
 * statements a read-only transaction would let through but that would break the connector's own
 * session handling (BEGIN/COMMIT/ROLLBACK, SET, PREPARE, DECLARE, LISTEN, COPY, DO, ...).
 *
 * Anything else, misspellings included, goes to PostgreSQL, which answers syntax errors with its own
 * SQLSTATE and position.
 */
import { GatewayError } from '../../errors/index.ts';

const NOT_A_READ = new Set([
  'ABORT', 'ALTER', 'ANALYSE', 'ANALYZE', 'BEGIN', 'CALL', 'CHECKPOINT', 'CLOSE', 'CLUSTER', 'COMMENT', 'COMMIT',
  'COPY', 'CREATE', 'DEALLOCATE', 'DECLARE', 'DELETE', 'DISCARD', 'DO', 'DROP', 'END', 'EXECUTE', 'FETCH',
  'GRANT', 'IMPORT', 'INSERT', 'LISTEN', 'LOAD', 'LOCK', 'MERGE', 'MOVE', 'NOTIFY', 'PREPARE', 'REASSIGN',
  'REFRESH', 'REINDEX', 'RELEASE', 'RESET', 'REVOKE', 'ROLLBACK', 'SAVEPOINT', 'SECURITY', 'SET', 'START',
  'TRUNCATE', 'UNLISTEN', 'UPDATE', 'VACUUM',
]);

/** Position of the first token: whitespace, `--` and (nested) block comments and opening parentheses skipped. */
function firstTokenAt(sql: string): number {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === '(' || /\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // PostgreSQL's block comments nest.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else {
      break;
    }
  }
  return i;
}

/** The first keyword of a statement, upper-cased; '' when it does not start with a word. */
export function leadingKeyword(sql: string): string {
  const i = firstTokenAt(sql);
  const m = /^[A-Za-z_]+/.exec(sql.slice(i, i + 64));
  return m ? m[0].toUpperCase() : '';
}

/** Refuses what is not a read (see above); returns normally for everything PostgreSQL should judge. */
export function guardStatement(sql: string): void {
  if (/^[\s;]*$/.test(sql.slice(firstTokenAt(sql)))) {
    throw new GatewayError('SYNTAX_ERROR', 'empty statement: there is nothing to run', { hint: 'send one SELECT statement' });
  }
  const keyword = leadingKeyword(sql);
  if (NOT_A_READ.has(keyword)) {
    throw new GatewayError('FEATURE_NOT_SUPPORTED', `${keyword} is not supported: tollgate is read-only`, {
      hint: 'send SELECT, VALUES, TABLE, SHOW or EXPLAIN statements',
    });
  }
}
