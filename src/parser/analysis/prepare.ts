/**
 * Prepares a statement's text for node-sql-parser, for analysis only (the text sent to an engine is never
 * this one). The parser's AST loses what the analysis needs to be exact: whether an identifier was quoted
 * (case), the exact text of literals (E'', U&'', dollar quotes, 1.50, 12345678901234567890), and it rejects
 * some valid PostgreSQL. So the statement is rebuilt from our own lexer's tokens:
 *
 * - every string constant ('…', E'…', U&'…', $$…$$, N'…', B'…', X'…') becomes `'s<n>'`, and every `$n`
 *   parameter `'p<n>'`: all strings in the AST are placeholders, looked up in `strings`;
 * - every quoted identifier, and every unquoted one with non-ASCII letters, becomes `"<prefix><n>"`
 *   (`identPrefix` occurs in no other identifier), looked up in `idents`;
 * - every number but a small integer becomes the integer 10^15 + n, looked up in `numbers`;
 * - comments are dropped;
 * - targeted rewrites of syntax the parser rejects or misreads, each keeping what analysis needs:
 *   `substring(x FROM a FOR b)` / `overlay(x PLACING y FROM a FOR b)` / `position(a IN b)` → plain
 *   argument lists; `NATURAL [kind] JOIN item` → `[kind] JOIN item USING ("<prefix>natural")`;
 *   `x ISNULL` / `x NOTNULL` → `IS [NOT] NULL`; `x IS [NOT] DISTINCT FROM y` → `x || y` (both operands
 *   kept, never a predicate); `AS [NOT] MATERIALIZED` → `AS`; `FETCH FIRST … ONLY`,
 *   `OFFSET n ROWS`'s ROWS, `FOR UPDATE …` → dropped; `TABLE t` → `SELECT * FROM t`;
 *   `GROUPING SETS (` → `ROLLUP (` (same columns); `timestamp|time with[out] time zone 'lit'` →
 *   `'lit'::timestamptz` etc.; `COLLATE name` and `BETWEEN SYMMETRIC`'s SYMMETRIC → dropped, and then
 *   `noPredicates` is set (a collation or a symmetric range changes what a comparison keeps).
 *
 * The rebuilt text does not keep offsets (placeholders have their own lengths): positions reported by
 * the analysis come from the original tokens, never from the parser.
 */
import { isColId, keywordCategory } from '../keywords.ts';
import type { Token } from '../lexer.ts';

/** A string constant of the statement, or a bound parameter. */
export type StringSlot =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bitstring'; readonly value: string }
  | { readonly kind: 'param'; readonly index: number };

export interface Prepared {
  /** The text given to node-sql-parser. */
  readonly text: string;
  readonly strings: StringSlot[];
  /** Identifier values (case kept) behind `"<identPrefix><n>"`. */
  readonly idents: string[];
  /** Exact texts of the numbers behind 10^15 + n. */
  readonly numbers: string[];
  readonly identPrefix: string;
  /** Drop every predicate of the statement (COLLATE or BETWEEN SYMMETRIC were removed). */
  readonly noPredicates: boolean;
}

export const NUMBER_BASE = 1e15;
/** Integers with at most this many digits are passed through as written. */
const SMALL_INT_DIGITS = 15;

const isKw = (t: Token | undefined, word: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
const isP = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

/** Index of the token closing the bracket at `open`, or -1. */
export function closeIndex(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

const JOIN_WORDS = new Set(['join', 'inner', 'left', 'right', 'full', 'outer', 'cross', 'natural', 'on', 'using', 'where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch', 'for', 'union', 'intersect', 'except', 'tablesample', 'returning']);

/**
 * Index just past the FROM item starting at `i` (after JOIN): `[ONLY] name[.name…] [*] [(args)]` or a
 * parenthesised group, then `[AS] alias [(columns)]`, then `TABLESAMPLE m (args) [REPEATABLE (seed)]`.
 * -1 when the item cannot be delimited.
 */
function fromItemEnd(tokens: readonly Token[], i: number): number {
  let k = i;
  if (isKw(tokens[k], 'lateral')) k++;
  if (isKw(tokens[k], 'only')) k++;
  if (isP(tokens[k], '(')) {
    const c = closeIndex(tokens, k);
    if (c < 0) return -1;
    k = c + 1;
  } else {
    if (tokens[k]?.kind !== 'ident') return -1;
    k++;
    while (isP(tokens[k], '.') && tokens[k + 1]?.kind === 'ident') k += 2;
    if (isP(tokens[k], '*')) k++;
    if (isP(tokens[k], '(')) {
      const c = closeIndex(tokens, k);
      if (c < 0) return -1;
      k = c + 1;
    }
  }
  let alias = false;
  if (isKw(tokens[k], 'as')) {
    k++;
    alias = true;
  }
  const a = tokens[k];
  if (a !== undefined && a.kind === 'ident' && (a.quoted || (isColId(a.value) && !JOIN_WORDS.has(a.value)))) {
    k++;
    if (isP(tokens[k], '(')) {
      const c = closeIndex(tokens, k);
      if (c < 0) return -1;
      k = c + 1;
    }
  } else if (alias) return -1;
  if (isKw(tokens[k], 'tablesample')) {
    k += 2;
    if (!isP(tokens[k], '(')) return -1;
    k = closeIndex(tokens, k) + 1;
    if (k === 0) return -1;
    if (isKw(tokens[k], 'repeatable') && isP(tokens[k + 1], '(')) {
      k = closeIndex(tokens, k + 1) + 1;
      if (k === 0) return -1;
    }
  }
  return k;
}

/** Chooses a prefix no unquoted identifier of the statement starts with. */
function choosePrefix(tokens: readonly Token[]): string {
  let prefix = 'tgq';
  for (;;) {
    const p = prefix;
    if (!tokens.some((t) => t.kind === 'ident' && !t.quoted && t.value.startsWith(p))) return prefix;
    prefix += 'x';
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

/** Builds the parser's text from `tokens` (the statement's tokens, without trivia). */
export function prepare(tokens: readonly Token[]): Prepared {
  const identPrefix = choosePrefix(tokens);
  const strings: StringSlot[] = [];
  const idents: string[] = [];
  const numbers: string[] = [];
  let noPredicates = false;
  const out: string[] = [];
  /** Text to insert after token index k (NATURAL joins' USING). */
  const after = new Map<number, string>();
  /** Token indexes rewritten to a comma (substring/overlay/position arguments). */
  const commas = new Set<number>();
  /** Token indexes dropped. */
  const drop = new Set<number>();
  /** Replacement texts by token index. */
  const replace = new Map<number, string>();

  const n = tokens.length;
  // `TABLE name` as a whole statement.
  if (isKw(tokens[0], 'table')) replace.set(0, 'select * from');

  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || t.quoted) continue;
    const v = t.value;
    const next = tokens[i + 1];
    switch (v) {
      case 'substring':
      case 'overlay':
      case 'position': {
        if (!isP(next, '(') || isP(tokens[i - 1], '.')) break;
        const close = closeIndex(tokens, i + 1);
        if (close < 0) break;
        const words = v === 'position' ? ['in'] : v === 'overlay' ? ['placing', 'from', 'for'] : ['from', 'for', 'similar', 'escape'];
        let depth = 0;
        for (let k = i + 2; k < close; k++) {
          const a = tokens[k]!;
          if (isP(a, '(') || isP(a, '[')) depth++;
          else if (isP(a, ')') || isP(a, ']')) depth--;
          else if (depth === 0 && a.kind === 'ident' && !a.quoted && words.includes(a.value) && !isKw(tokens[k - 1], 'distinct')) commas.add(k);
        }
        break;
      }
      case 'is': {
        // x IS [NOT] DISTINCT FROM y: the parser keeps y as raw text. `||` keeps both operands (and is
        // never a predicate, as IS DISTINCT FROM must not be: it keeps NULLs).
        let k = i + 1;
        if (isKw(tokens[k], 'not')) k++;
        if (isKw(tokens[k], 'distinct') && isKw(tokens[k + 1], 'from')) {
          replace.set(i, '||');
          for (let m = i + 1; m <= k + 1; m++) drop.add(m);
        }
        break;
      }
      case 'isnull':
        if (!isP(next, '(')) replace.set(i, 'is null');
        break;
      case 'notnull':
        if (!isP(next, '(')) replace.set(i, 'is not null');
        break;
      case 'materialized':
        if (isKw(tokens[i - 1], 'as')) drop.add(i);
        else if (isKw(tokens[i - 1], 'not') && isKw(tokens[i - 2], 'as')) {
          drop.add(i);
          drop.add(i - 1);
        }
        break;
      case 'fetch': {
        // FETCH {FIRST|NEXT} [n] {ROW|ROWS} {ONLY|WITH TIES}: affects no column.
        if (!isKw(next, 'first') && !isKw(next, 'next')) break;
        let k = i + 2;
        while (k < n && !isKw(tokens[k], 'only') && !isKw(tokens[k], 'ties') && !isP(tokens[k], ')') && !isP(tokens[k], ';')) {
          if (isP(tokens[k], '(')) {
            const c = closeIndex(tokens, k);
            if (c < 0) break;
            for (let m = k; m < c; m++) drop.add(m);
            k = c;
          }
          drop.add(k);
          k++;
        }
        if (isKw(tokens[k], 'only') || isKw(tokens[k], 'ties')) {
          for (let m = i; m <= k; m++) drop.add(m);
        }
        break;
      }
      case 'row':
      case 'rows':
        // OFFSET n ROWS: the parser wants no ROWS. (Only a plain `OFFSET <number|param> ROWS`.)
        if (isKw(tokens[i - 2], 'offset') && (tokens[i - 1]?.kind === 'number' || tokens[i - 1]?.kind === 'param')) drop.add(i);
        break;
      case 'for': {
        // FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF …] [NOWAIT | SKIP LOCKED], possibly repeated.
        if (!(isKw(next, 'update') || isKw(next, 'share') || isKw(next, 'no') || isKw(next, 'key'))) break;
        let k = i;
        while (k < n && !isP(tokens[k], ')') && !isP(tokens[k], ';')) drop.add(k++);
        break;
      }
      case 'grouping':
        if (isKw(next, 'sets') && isP(tokens[i + 2], '(')) {
          replace.set(i, 'rollup');
          drop.add(i + 1);
        }
        break;
      case 'collate': {
        // COLLATE any_name: drop it, and with it every predicate of the statement.
        let k = i + 1;
        if (tokens[k]?.kind !== 'ident') break;
        k++;
        while (isP(tokens[k], '.') && tokens[k + 1]?.kind === 'ident') k += 2;
        for (let m = i; m < k; m++) drop.add(m);
        noPredicates = true;
        break;
      }
      case 'symmetric':
      case 'asymmetric':
        if (isKw(tokens[i - 1], 'between')) {
          drop.add(i);
          if (v === 'symmetric') noPredicates = true;
        }
        break;
      case 'timestamp':
      case 'time': {
        // timestamp|time with[out] time zone 'lit' → 'lit'::timestamptz|timestamp|timetz|time
        if ((isKw(next, 'with') || isKw(next, 'without')) && isKw(tokens[i + 2], 'time') && isKw(tokens[i + 3], 'zone') && tokens[i + 4]?.kind === 'string') {
          if (isP(tokens[i - 1], '::') || isKw(tokens[i - 1], 'as')) break; // a type name, not a literal
          const tz = isKw(next, 'with');
          const type = v === 'timestamp' ? (tz ? 'timestamptz' : 'timestamp') : tz ? 'timetz' : 'time';
          for (let m = i; m < i + 4; m++) drop.add(m);
          after.set(i + 4, `::${type}`);
        }
        break;
      }
      case 'natural': {
        // NATURAL [INNER|LEFT|RIGHT|FULL] [OUTER] JOIN item → [kind] JOIN item USING ("<prefix>natural")
        let k = i + 1;
        if (isKw(tokens[k], 'inner') || isKw(tokens[k], 'left') || isKw(tokens[k], 'right') || isKw(tokens[k], 'full')) k++;
        if (isKw(tokens[k], 'outer')) k++;
        if (!isKw(tokens[k], 'join')) break;
        const end = fromItemEnd(tokens, k + 1);
        if (end < 0) break;
        drop.add(i);
        const prev = after.get(end - 1) ?? '';
        after.set(end - 1, `${prev} using ("${identPrefix}natural")`);
        break;
      }
      default:
        break;
    }
  }

  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    // Keep tokens that touched touching (`t.a`, `x::int`), separate the others by one space.
    if (i > 0 && tokens[i - 1]!.end !== t.start) out.push(' ');
    if (drop.has(i)) {
      const a = after.get(i);
      if (a !== undefined) out.push(` ${a} `);
      continue;
    }
    const r = replace.get(i);
    if (r !== undefined) out.push(` ${r} `);
    else if (commas.has(i)) out.push(' , ');
    else {
      switch (t.kind) {
        case 'string':
          out.push(`'s${strings.length}'`);
          strings.push({ kind: 'string', value: t.value });
          break;
        case 'bitstring':
          out.push(`'s${strings.length}'`);
          strings.push({ kind: 'bitstring', value: t.value });
          break;
        case 'param':
          out.push(`'s${strings.length}'`);
          strings.push({ kind: 'param', index: Number(t.value) });
          break;
        case 'number':
          if (t.text.length <= SMALL_INT_DIGITS && /^[0-9]+$/.test(t.text)) out.push(t.text);
          else {
            out.push(String(NUMBER_BASE + numbers.length));
            numbers.push(t.text);
          }
          break;
        case 'ident':
          if (t.quoted || !isAscii(t.text)) {
            out.push(`"${identPrefix}${idents.length}"`);
            idents.push(t.value);
          } else if (t.value === 'nchar' && tokens[i + 1]?.kind === 'string' && tokens[i + 1]!.start === t.end) {
            // N'…': the lexer's NCHAR keyword; the string follows.
          } else out.push(t.text);
          break;
        default:
          out.push(t.text);
      }
    }
    const a = after.get(i);
    if (a !== undefined) out.push(` ${a} `);
  }
  return { text: out.join(''), strings, idents, numbers, identPrefix, noPredicates };
}

/** True when `word` is a keyword PostgreSQL would not take as a bare (AS-less) table alias. */
export function notBareAlias(word: string): boolean {
  const c = keywordCategory(word);
  return c === 'reserved' || c === 'type_func_name';
}
