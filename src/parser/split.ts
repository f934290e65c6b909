/**
 * Splits a simple-query message into its statements, the way PostgreSQL (and psql) see them:
 * on top-level semicolons, never inside strings, quoted identifiers, comments, dollar quotes,
 * parentheses, or a `CREATE FUNCTION … BEGIN ATOMIC … END` body.
 */
import { lex, positionAt } from './lexer.ts';

export interface SplitStatement {
  /**
   * The statement's original text, unchanged: from its first non-blank character (leading
   * comments included) to the end of its last token (the `;` and anything after the last token,
   * such as a trailing `-- comment`, excluded, so the text can be embedded in a larger query).
   */
  readonly text: string;
  /** UTF-16 offset of `text` in the message: add it to offsets within `text` to get message offsets. */
  readonly start: number;
  /** UTF-16 offset just past `text` in the message. */
  readonly end: number;
  /**
   * 1-based character position of `text` in the message. PostgreSQL reports error positions
   * relative to the whole message: for an error at position p within `text`, report
   * `p + startPosition - 1`.
   */
  readonly startPosition: number;
}

export interface SplitResult {
  /** Non-empty statements in order. Empty when the message was empty, blank, comments only or `;`s only
   * (the wire then answers EmptyQueryResponse). */
  readonly statements: SplitStatement[];
}

/**
 * Splits `sql` on top-level `;`, dropping empty statements. Throws the lexer's GatewayError
 * (SYNTAX_ERROR with a position in the whole message) on an unterminated string, comment, etc.,
 * before any statement is returned: PostgreSQL rejects the whole message in that case too.
 */
export function splitStatements(sql: string): SplitResult {
  const tokens = lex(sql);
  const statements: SplitStatement[] = [];
  let segmentStart = 0; // offset where the current statement's segment begins (after the previous ';')
  let first = -1; // index of the current statement's first token
  let parenDepth = 0;
  let beginDepth = 0;
  // First four unquoted words of the statement, to recognise CREATE [OR REPLACE] FUNCTION|PROCEDURE.
  let words: string[] = [];
  let routine = false;
  // Running character position, so positions cost O(n) over the whole message.
  let posOffset = 0;
  let pos = 1;

  const flush = (endIndex: number): void => {
    if (first >= 0) {
      let start = segmentStart;
      while (start < sql.length && isBlank(sql.charCodeAt(start))) start++;
      const last = tokens[endIndex - 1]!;
      pos += positionAt(sql.slice(posOffset, start), start - posOffset) - 1;
      posOffset = start;
      statements.push({ text: sql.slice(start, last.end), start, end: last.end, startPosition: pos });
    }
    first = -1;
    parenDepth = 0;
    beginDepth = 0;
    words = [];
    routine = false;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct') {
      const c = t.text;
      if (c === ';' && parenDepth === 0 && beginDepth === 0) {
        flush(i);
        segmentStart = t.end;
        continue;
      }
      if (c === '(') parenDepth++;
      else if (c === ')' && parenDepth > 0) parenDepth--;
    } else if (t.kind === 'ident' && !t.quoted) {
      // psql's heuristic for SQL-standard function bodies (BEGIN ATOMIC … END).
      if (words.length < 4) {
        words.push(t.value);
        routine = isRoutineStart(words);
      }
      if (routine && parenDepth === 0) {
        if (t.value === 'begin') beginDepth++;
        else if (t.value === 'case' && beginDepth > 0) beginDepth++;
        else if (t.value === 'end' && beginDepth > 0) beginDepth--;
      }
    }
    if (first < 0) first = i;
  }
  flush(tokens.length);
  return { statements };
}

function isRoutineStart(w: string[]): boolean {
  if (w[0] !== 'create') return false;
  if (w.length < 2) return false;
  if (w[1] === 'function' || w[1] === 'procedure') return true;
  return w[1] === 'or' && w[2] === 'replace' && (w[3] === 'function' || w[3] === 'procedure');
}

function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
