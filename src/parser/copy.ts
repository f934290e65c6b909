/**
 * Recognises `COPY ... TO STDOUT`, the one COPY form a read-only gateway serves (psql's \copy, psycopg2's
 * copy_expert, pg_dump-style exports), and refuses the others with a clear reason.
 */
import { GatewayError } from '../errors/index.ts';
import { lex, syntaxErrorAt, type Token } from './lexer.ts';
import { quoteIdentifier } from './session-statements.ts';

export interface CopyOptions {
  format: 'text' | 'csv';
  delimiter: string;
  null: string;
  header: boolean;
  quote: string;
  escape: string;
}

export interface CopyToStdout {
  /** The query whose rows are copied: the parenthesised query, or `SELECT cols FROM table`. */
  query: string;
  options: CopyOptions;
}

const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === w;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

function matchParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  return -1;
}

function notSupported(message: string, hint?: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', message, hint ? { hint } : {});
}

/** Null when the statement is not a COPY; throws for COPY forms tollgate does not serve. */
export function classifyCopy(sql: string): CopyToStdout | null {
  const tokens = lex(sql).filter((t) => !isPunct(t, ';'));
  if (!isWord(tokens[0], 'copy')) return null;
  let i = 1;
  let query: string;
  if (isPunct(tokens[i], '(')) {
    const close = matchParen(tokens, i);
    if (close < 0) throw syntaxErrorAt(sql, sql.length, 'syntax error');
    query = sql.slice(tokens[i + 1]!.start, tokens[close - 1]!.end);
    i = close + 1;
  } else {
    // COPY [schema.]table [(col, ...)]
    const name: string[] = [];
    while (tokens[i]?.kind === 'ident') {
      name.push(quoteIdentifier(tokens[i]!.value));
      i++;
      if (!isPunct(tokens[i], '.')) break;
      i++;
    }
    if (name.length === 0) throw syntaxErrorAt(sql, tokens[i]?.start ?? sql.length, 'syntax error', tokens[i]?.text);
    let columns = '*';
    if (isPunct(tokens[i], '(')) {
      const close = matchParen(tokens, i);
      if (close < 0) throw syntaxErrorAt(sql, sql.length, 'syntax error');
      columns = tokens
        .slice(i + 1, close)
        .filter((t) => t.kind === 'ident')
        .map((t) => quoteIdentifier(t.value))
        .join(', ');
      i = close + 1;
    }
    query = `SELECT ${columns} FROM ${name.join('.')}`;
  }
  if (isWord(tokens[i], 'from'))
    throw notSupported('COPY FROM is not supported: tollgate is read-only toward its engines');
  if (!isWord(tokens[i], 'to')) throw syntaxErrorAt(sql, tokens[i]?.start ?? sql.length, 'syntax error', tokens[i]?.text);
  i++;
  if (isWord(tokens[i], 'program') || tokens[i]?.kind === 'string')
    throw new GatewayError('FEATURE_NOT_SUPPORTED', 'COPY to a file or program is not allowed through tollgate', {
      hint: "Use COPY ... TO STDOUT, or psql's \\copy, to receive the rows on the client.",
    });
  if (!isWord(tokens[i], 'stdout')) throw syntaxErrorAt(sql, tokens[i]?.start ?? sql.length, 'syntax error', tokens[i]?.text);
  i++;
  return { query, options: copyOptions(sql, tokens, i) };
}

function copyOptions(sql: string, tokens: Token[], i: number): CopyOptions {
  const o: CopyOptions = { format: 'text', delimiter: '\t', null: '\\N', header: false, quote: '"', escape: '"' };
  let delimiterSet = false;
  let nullSet = false;
  const set = (name: string, value: string | null, at: Token): void => {
    switch (name) {
      case 'format':
        if (value === 'binary') throw notSupported('COPY in binary format is not supported by tollgate', 'Use FORMAT text or csv.');
        if (value !== 'text' && value !== 'csv') throw new GatewayError('INVALID_PARAMETER_VALUE', `COPY format "${value}" not recognized`, { position: at.start + 1 });
        o.format = value;
        break;
      case 'csv':
        o.format = 'csv';
        break;
      case 'binary':
        throw notSupported('COPY in binary format is not supported by tollgate', 'Use FORMAT text or csv.');
      case 'header':
        o.header = value === null || ['true', 'on', '1', 'match'].includes(value);
        break;
      case 'delimiter':
        if (value === null || value.length !== 1) throw new GatewayError('FEATURE_NOT_SUPPORTED', 'COPY delimiter must be a single one-byte character');
        o.delimiter = value;
        delimiterSet = true;
        break;
      case 'null':
        o.null = value ?? '';
        nullSet = true;
        break;
      case 'quote':
        if (value === null || value.length !== 1) throw new GatewayError('FEATURE_NOT_SUPPORTED', 'COPY quote must be a single one-byte character');
        o.quote = value;
        break;
      case 'escape':
        if (value === null || value.length !== 1) throw new GatewayError('FEATURE_NOT_SUPPORTED', 'COPY escape must be a single one-byte character');
        o.escape = value;
        break;
      case 'encoding':
        if (value === null || !['utf8', 'utf-8', 'unicode'].includes(value.toLowerCase()))
          throw notSupported(`COPY encoding "${value}" is not supported: tollgate sends UTF8`);
        break;
      default:
        throw new GatewayError('SYNTAX_ERROR', `option "${name}" not recognized`, { position: at.start + 1 });
    }
  };
  if (isWord(tokens[i], 'with')) i++;
  if (isPunct(tokens[i], '(')) {
    const close = matchParen(tokens, i);
    if (close < 0) throw syntaxErrorAt(sql, sql.length, 'syntax error');
    i++;
    while (i < close) {
      const nameTok = tokens[i]!;
      i++;
      let value: string | null = null;
      if (i < close && !isPunct(tokens[i], ',')) {
        value = tokens[i]!.value;
        i++;
      }
      set(nameTok.value, value, nameTok);
      if (isPunct(tokens[i], ',')) i++;
    }
    i = close + 1;
  } else {
    // Pre-9.0 syntax: BINARY | DELIMITER [AS] 'x' | NULL [AS] 'x' | CSV [HEADER] [QUOTE [AS] 'x'] ...
    while (i < tokens.length) {
      const t = tokens[i]!;
      i++;
      if (['delimiter', 'null', 'quote', 'escape'].includes(t.value)) {
        if (isWord(tokens[i], 'as')) i++;
        set(t.value, tokens[i]?.value ?? null, t);
        i++;
      } else if (t.value === 'csv' || t.value === 'header' || t.value === 'binary') set(t.value, null, t);
      else throw syntaxErrorAt(sql, t.start, 'syntax error', t.text);
    }
  }
  if (i < tokens.length) throw syntaxErrorAt(sql, tokens[i]!.start, 'syntax error', tokens[i]!.text);
  if (o.format === 'csv') {
    if (!delimiterSet) o.delimiter = ',';
    if (!nullSet) o.null = '';
  }
  return o;
}
