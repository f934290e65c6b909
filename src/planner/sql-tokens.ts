import { isColId, type Token } from '../parser/index.ts';

/** Token-level helpers the federation planner uses to find the pieces of a statement it rewrites. */

/** UTF-16 offset of a 1-based character (code point) position. */
export function offsetOf(sql: string, position: number): number {
  let offset = 0;
  for (let chars = 1; chars < position && offset < sql.length; chars++) offset += sql.codePointAt(offset)! > 0xffff ? 2 : 1;
  return offset;
}

/** For each '(' token, the index of its ')' (-1 when unbalanced, and for every other token). */
export function closingParens(tokens: readonly Token[]): Int32Array {
  const close = new Int32Array(tokens.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) open.push(i);
    else if (isPunct(tokens[i], ')')) {
      const o = open.pop();
      if (o !== undefined) close[o] = i;
    }
  }
  return close;
}

export const isKw = (t: Token | undefined, word: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
export const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.value === p;

/** The tokens naming the relation that starts at `offset`: name, or schema . name. */
export function relationSpan(tokens: readonly Token[], offset: number): { first: number; last: number; start: number; end: number; next: Token | undefined } | null {
  const i = tokens.findIndex((t) => t.start === offset);
  if (i < 0 || tokens[i]!.kind !== 'ident') return null;
  let last = i;
  while (tokens[last + 1]?.text === '.' && tokens[last + 2]?.kind === 'ident') last += 2;
  return { first: i, last, start: tokens[i]!.start, end: tokens[last]!.end, next: tokens[last + 1] };
}

/** Unreserved words that start the next clause rather than naming an alias. */
const CLAUSE_WORDS = new Set(['natural', 'inner', 'left', 'right', 'full', 'cross', 'join', 'on', 'using', 'where', 'group', 'order', 'limit', 'offset', 'window', 'having', 'union', 'except', 'intersect', 'tablesample', 'fetch', 'for']);

/** An alias follows when the next token is AS or an identifier that can be a column name. */
export function aliasFollows(next: Token | undefined): boolean {
  if (!next || next.kind !== 'ident') return false;
  if (next.quoted) return true;
  if (next.value === 'as') return true;
  return isColId(next.value) && !CLAUSE_WORDS.has(next.value);
}
