import { keywordCategory, lex, type Token } from '../parser/index.ts';

/**
 * Result column names as PostgreSQL would give them (its FigureColname), for the select list of the
 * statement's first SELECT. Engines name unaliased columns after the expression text (`count_star()`,
 * `CAST(x AS INTEGER)`), which BI tools then show; PostgreSQL says `count` and `x`.
 *
 * Each select item is read with a small precedence parser over the tokens (gram.y's operator
 * precedences), because the name depends on the root of the expression tree: `x::int` is `x`, but
 * `-x::int` is `?column?` (unary minus binds looser than `::`), and `ts at time zone 'UTC'` is
 * `timezone` while `~ts at time zone 'UTC'` is `?column?`. The parser also finds where the expression
 * ends, so a trailing word is an alias only where PostgreSQL's grammar makes it one (`a is null flag`,
 * `count(*) over w`, `interval '1' day`).
 *
 * Returns null for the whole list (the engine's names are kept) where exactness is impossible at token
 * level, rather than guess one name wrong:
 * - not a SELECT (VALUES, TABLE, EXPLAIN, INSERT ... RETURNING), or the item count differs from the engine's;
 * - `*`, `t.*`, `(x).*` or DuckDB's `COLUMNS(...)` in the list: which columns they expand to is the engine's
 *   knowledge (PostgreSQL names them after the table's columns, which is what engines do too);
 * - a scalar subquery whose own first column cannot be named (`(select * from t)`, `(values (1))`), or a
 *   parenthesised set operation used as one (`((select a) union (select b))`);
 * - syntax this parser does not know: DuckDB-only forms (struct literals `{...}`, `name: expr` prefix
 *   aliases), a trailing word that cannot be a label (`select 1 day`), unbalanced brackets, nesting deeper
 *   than MAX_DEPTH.
 * Since PostgreSQL 15 `true`/`false` are plain constants named `?column?` (14 said `bool`); this follows 15.
 */
export function pgColumnNames(sql: string, expected: number): string[] | null {
  let names: string[] | null;
  try {
    const tokens = lex(sql);
    names = selectListNames(source(tokens), 0, tokens.length);
  } catch {
    // The lexer rejected the text: the engine accepted it, so keep the engine's names.
    return null;
  }
  return names !== null && names.length === expected ? names : null;
}

/** The tokens of a statement, with the index of the bracket closing each ( and [ (-1 when unbalanced). */
interface Source {
  readonly t: Token[];
  readonly close: Int32Array;
  /** Current nesting of expression parsers, bounded so that absurd input gives up instead of overflowing. */
  depth: number;
}

function source(t: Token[]): Source {
  const close = new Int32Array(t.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (isPunct(tok, '(') || isPunct(tok, '[')) open.push(i);
    else if (isPunct(tok, ')') || isPunct(tok, ']')) {
      const o = open.pop();
      if (o !== undefined && t[o]!.value === (tok.value === ')' ? '(' : '[')) close[o] = i;
    }
  }
  return { t, close, depth: 0 };
}

/** Names of the items of the first SELECT in tokens [from, to), or null when any of them is not exact. */
function selectListNames(src: Source, from: number, to: number): string[] | null {
  const start = mainSelectStart(src, from, to);
  if (start < 0) return null;
  const items = selectItems(src, start + 1, to);
  if (!items) return null;
  const names: string[] = [];
  for (const [s, e] of items) {
    const name = itemName(src, s, e);
    if (name === null) return null;
    names.push(name);
  }
  return names;
}

const isKw = (t: Token | undefined, word: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.value === p;

/** Index of the SELECT keyword of the main query, skipping a WITH clause and opening parentheses. */
function mainSelectStart(src: Source, from: number, to: number): number {
  const tokens = src.t;
  let i = from;
  while (isPunct(tokens[i], '(')) i++;
  if (isKw(tokens[i], 'with')) {
    i++;
    if (isKw(tokens[i], 'recursive')) i++;
    // name [(cols)] AS [NOT] [MATERIALIZED] ( query ) [, ...]
    for (;;) {
      i++; // name
      if (isPunct(tokens[i], '(')) i = skipParens(src, i);
      if (!isKw(tokens[i], 'as')) return -1;
      i++;
      if (isKw(tokens[i], 'not')) i++;
      if (isKw(tokens[i], 'materialized')) i++;
      if (!isPunct(tokens[i], '(')) return -1;
      i = skipParens(src, i);
      if (isPunct(tokens[i], ',')) {
        i++;
        continue;
      }
      break;
    }
    while (isPunct(tokens[i], '(')) i++;
  }
  return i < to && isKw(tokens[i], 'select') ? i : -1;
}

/** Returns the index just past the parenthesis (or bracket) group starting at `i` (the end when unbalanced). */
function skipParens(src: Source, i: number): number {
  const c = src.close[i] ?? -1;
  return c < 0 ? src.t.length : c + 1;
}

const LIST_END = new Set(['from', 'into', 'where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch', 'union', 'intersect', 'except', 'for']);

/**
 * Words of LIST_END that continue an expression after the given word: `x is distinct from y`,
 * `percentile_cont(.5) within group (...)`, `collation for (x)`. After AS any word is a column label.
 */
const LIST_END_AFTER: Record<string, string> = { from: 'distinct', group: 'within', for: 'collation' };

/** The select items from `i` on, as [start, end) token ranges. */
function selectItems(src: Source, i: number, to: number): Array<[number, number]> | null {
  const tokens = src.t;
  if (isKw(tokens[i], 'distinct')) {
    i++;
    if (isKw(tokens[i], 'on')) i = skipParens(src, i + 1);
  } else if (isKw(tokens[i], 'all')) i++;
  const items: Array<[number, number]> = [];
  let start = i;
  for (; i < to; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) {
      i = skipParens(src, i) - 1;
      continue;
    }
    const prev = i > start ? tokens[i - 1] : undefined;
    const ends = t.kind === 'ident' && !t.quoted && LIST_END.has(t.value) && !isKw(prev, 'as') && !isKw(prev, LIST_END_AFTER[t.value] ?? '');
    if (ends || isPunct(t, ';') || isPunct(t, ')') || isPunct(t, ']')) break;
    if (isPunct(t, ',')) {
      items.push([start, i]);
      start = i + 1;
    }
  }
  if (i > start) items.push([start, Math.min(i, to)]);
  return items.every(([s, e]) => e > s) ? items : null;
}

/** Keywords that may not be a column label without AS (pg_get_keywords() where not barelabel, PostgreSQL 15). */
const NOT_BARE_LABEL = new Set(
  ('char character precision array as create except fetch for from grant group having intersect into limit offset on order returning ' +
    'to union where window with isnull notnull overlaps day filter hour minute month over second varying within without year').split(' '),
);

/** The name of the select item in tokens [start, end): its alias, or what PostgreSQL's FigureColname says. */
function itemName(src: Source, start: number, end: number): string | null {
  const p = new ExprParser(src, start, end);
  let r: Figured;
  try {
    r = p.expr(0);
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
  const last = src.t[end - 1]!;
  if (p.pos === end) return r.star ? null : (r.name ?? '?column?');
  if (r.star || last.kind !== 'ident') return null;
  // Explicit alias: `expr AS label` (any word, reserved ones too).
  if (p.pos === end - 2 && isKw(src.t[end - 2], 'as')) return last.value;
  // Bare alias: `expr label`, where label is not one of the words the grammar forbids there.
  if (p.pos === end - 1 && (last.quoted || !NOT_BARE_LABEL.has(last.value))) return last.value;
  return null;
}

interface Figured {
  name?: string;
  /** 2: a column or function name; 1: a type name; 0: nothing. */
  strength: number;
  star?: boolean;
}

/** Thrown inside the parser when the tokens are not something it can name exactly. */
const GIVE_UP = Symbol('give up');
const NAMELESS: Figured = { strength: 0 };

// gram.y's precedences, lowest first; the root operator of an item decides its name.
const OR = 1;
const AND = 2;
const NOT = 3;
const IS = 4;
const CMP = 5;
const LIKE = 6; // BETWEEN IN LIKE ILIKE SIMILAR
const OP = 8; // any other operator, OPERATOR(...)
const ADD = 9;
const MUL = 10;
const EXP = 11;
const AT = 12; // AT TIME ZONE
const COLLATE = 13;
const UMINUS = 14; // prefix + and -; '[', '(', '::' and '.' bind tighter still and are read with the operand

function opPrecedence(op: string): number {
  switch (op) {
    case '=':
    case '<':
    case '>':
    case '<=':
    case '>=':
    case '<>':
    case '!=':
      return CMP;
    case '+':
    case '-':
      return ADD;
    case '*':
    case '/':
    case '%':
      return MUL;
    case '^':
      return EXP;
    default:
      return OP;
  }
}

const SQL_VALUE_FUNCTIONS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'current_role', 'current_user', 'session_user', 'user', 'current_catalog']);
const INTERVAL_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second']);

/** Deeper nesting than this (parentheses, prefix operators) is given up on rather than recursed into. */
const MAX_DEPTH = 200;

/** Tokens [start, end) read as an a_expr; `pos` ends where the expression ends. */
class ExprParser {
  pos: number;
  private readonly t: Token[];
  constructor(
    private readonly src: Source,
    start: number,
    private readonly end: number,
  ) {
    this.t = src.t;
    this.pos = start;
  }

  private peek(k = 0): Token | undefined {
    return this.pos + k < this.end ? this.t[this.pos + k] : undefined;
  }

  /** Parses an expression of tokens [start, end) that must use them all. */
  private sub(start: number, end: number): Figured {
    const p = new ExprParser(this.src, start, end);
    const r = p.expr(0);
    if (p.pos !== end) throw GIVE_UP;
    return r;
  }

  private expectKw(word: string): void {
    if (!isKw(this.peek(), word)) throw GIVE_UP;
    this.pos++;
  }

  /** Skips a ( ... ) or [ ... ] group at `pos`. */
  private skipGroup(): void {
    const open = this.peek();
    if (!isPunct(open, '(') && !isPunct(open, '[')) throw GIVE_UP;
    const close = this.src.close[this.pos]!;
    if (close < 0 || close >= this.end) throw GIVE_UP;
    this.pos = close + 1;
  }

  /** An expression whose operators all bind at least as tightly as `minPrec`. */
  expr(minPrec: number): Figured {
    if (++this.src.depth > MAX_DEPTH) throw GIVE_UP;
    try {
      return this.exprLoop(minPrec);
    } finally {
      this.src.depth--;
    }
  }

  private exprLoop(minPrec: number): Figured {
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      if (t === undefined) return left;
      if (t.kind === 'op' && t.value !== '::') {
        const prec = opPrecedence(t.value);
        if (prec < minPrec) return left;
        this.pos++;
        this.expr(prec + 1);
        left = NAMELESS;
        continue;
      }
      // A keyword operator as the item's last word is a column label (`select 1 is` names it "is").
      if (t.kind !== 'ident' || t.quoted || (this.pos === this.end - 1 && !NOT_BARE_LABEL.has(t.value))) return left;
      const next = this.peek(1);
      switch (t.value) {
        case 'or':
        case 'and': {
          const prec = t.value === 'or' ? OR : AND;
          if (prec < minPrec) return left;
          this.pos++;
          this.expr(prec + 1);
          left = NAMELESS;
          continue;
        }
        case 'is':
        case 'isnull':
        case 'notnull':
          if (IS < minPrec) return left;
          left = this.isTest();
          continue;
        case 'not':
          if (!['between', 'in', 'like', 'ilike', 'similar'].includes(next?.kind === 'ident' && !next.quoted ? next.value : '')) return left;
          if (LIKE < minPrec) return left;
          this.pos++;
          this.likeFamily();
          left = NAMELESS;
          continue;
        case 'between':
        case 'in':
        case 'like':
        case 'ilike':
        case 'similar':
          if (LIKE < minPrec) return left;
          this.likeFamily();
          left = NAMELESS;
          continue;
        case 'operator':
          if (!isPunct(next, '(') || OP < minPrec) return left;
          this.pos++;
          this.skipGroup();
          this.expr(OP + 1);
          left = NAMELESS;
          continue;
        case 'at':
          if (!isKw(next, 'time') || !isKw(this.peek(2), 'zone') || AT < minPrec) return left;
          this.pos += 3;
          this.expr(AT + 1);
          left = { name: 'timezone', strength: 2 };
          continue;
        case 'collate':
          // `x COLLATE "C"` is named like x.
          if (COLLATE < minPrec) return left;
          this.pos++;
          this.qualifiedName();
          continue;
        default:
          return left;
      }
    }
  }

  /** IS [NOT] NULL/TRUE/FALSE/UNKNOWN/DOCUMENT/DISTINCT FROM x/[form] NORMALIZED, ISNULL, NOTNULL. */
  private isTest(): Figured {
    const t = this.t[this.pos++]!;
    if (t.value !== 'is') return NAMELESS;
    let negated = false;
    if (isKw(this.peek(), 'not')) {
      negated = true;
      this.pos++;
    }
    const w = this.peek();
    if (w === undefined || w.kind !== 'ident' || w.quoted) throw GIVE_UP;
    this.pos++;
    switch (w.value) {
      case 'null':
      case 'true':
      case 'false':
      case 'unknown':
      case 'document':
        return NAMELESS;
      case 'distinct':
        this.expectKw('from');
        this.expr(IS + 1);
        return NAMELESS;
      case 'nfc':
      case 'nfd':
      case 'nfkc':
      case 'nfkd':
        this.expectKw('normalized');
        return negated ? NAMELESS : { name: 'is_normalized', strength: 2 };
      case 'normalized':
        return negated ? NAMELESS : { name: 'is_normalized', strength: 2 };
      default:
        throw GIVE_UP;
    }
  }

  /** After an optional NOT: BETWEEN ... AND ..., IN (...), [I]LIKE / SIMILAR TO ... [ESCAPE ...]. */
  private likeFamily(): void {
    const w = this.t[this.pos++]!.value;
    if (w === 'between') {
      if (isKw(this.peek(), 'symmetric') || isKw(this.peek(), 'asymmetric')) this.pos++;
      this.expr(LIKE + 1);
      this.expectKw('and');
      this.expr(LIKE + 1);
    } else if (w === 'in') {
      this.skipGroup();
    } else {
      if (w === 'similar') this.expectKw('to');
      this.expr(LIKE + 1);
      if (isKw(this.peek(), 'escape')) {
        this.pos++;
        this.expr(LIKE + 2);
      }
    }
  }

  /** Prefix operators, then an operand. */
  private prefix(): Figured {
    const t = this.peek();
    if (t === undefined) throw GIVE_UP;
    if (t.kind === 'op') {
      if (t.value === '*') {
        this.pos++;
        return { star: true, strength: 0 };
      }
      if (t.value === '::') throw GIVE_UP;
      this.pos++;
      this.expr(t.value === '-' || t.value === '+' ? UMINUS : OP);
      return NAMELESS;
    }
    if (isKw(t, 'not')) {
      this.pos++;
      this.expr(NOT);
      return NAMELESS;
    }
    if (isKw(t, 'operator') && isPunct(this.peek(1), '(')) {
      this.pos++;
      this.skipGroup();
      this.expr(OP);
      return NAMELESS;
    }
    return this.postfix(this.primary());
  }

  /** `::type`, `[subscript]`, `.field`, `.*` and `row OVERLAPS row` after an operand. */
  private postfix(r: Figured): Figured {
    for (;;) {
      const t = this.peek();
      if (isPunct(t, '::')) {
        this.pos++;
        const type = this.typeName();
        // The operand's name wins over the type's only when it is a column or function name.
        if (r.strength <= 1 && !r.star) r = { name: type.name, strength: 1 };
      } else if (isPunct(t, '[')) {
        this.skipGroup();
      } else if (isPunct(t, '.')) {
        const f = this.peek(1);
        if (f?.kind === 'ident') r = { name: f.value, strength: 2 };
        else if (isPunct(f, '*')) r = { star: true, strength: 0 };
        else throw GIVE_UP;
        this.pos += 2;
      } else if (isKw(t, 'overlaps')) {
        this.pos++;
        this.postfix(this.primary());
        r = { name: 'overlaps', strength: 2 };
      } else {
        return r;
      }
    }
  }

  private primary(): Figured {
    const t = this.peek();
    if (t === undefined) throw GIVE_UP;
    switch (t.kind) {
      case 'number':
      case 'string':
      case 'bitstring':
      case 'param':
        this.pos++;
        return NAMELESS;
      case 'punct':
        if (isPunct(t, '(')) return this.parenthesized();
        throw GIVE_UP;
      case 'ident':
        break;
      default:
        throw GIVE_UP;
    }
    const next = this.peek(1);
    if (!t.quoted) {
      switch (t.value) {
        case 'case': {
          // CASE ... [ELSE x] END is named after x when x has a column or function name, else "case"
          // (weakly, so a cast wins: `case ... end::text` is "text"). Nested CASEs have their own END.
          let depth = 0;
          let elseAt = -1;
          for (; this.pos < this.end; this.pos++) {
            const w = this.t[this.pos]!;
            if (isKw(w, 'case')) depth++;
            else if (isKw(w, 'else') && depth === 1) elseAt = this.pos;
            else if (isKw(w, 'end') && --depth === 0) {
              this.pos++;
              if (elseAt >= 0) {
                const r = this.sub(elseAt + 1, this.pos - 1);
                if (r.star) throw GIVE_UP;
                if (r.strength === 2) return r;
              }
              return { name: 'case', strength: 1 };
            }
          }
          throw GIVE_UP;
        }
        case 'cast':
        case 'treat': {
          if (!isPunct(next, '(')) throw GIVE_UP;
          const start = this.pos + 2;
          this.pos++;
          this.skipGroup();
          const inner = new ExprParser(this.src, start, this.pos - 1);
          const arg = inner.expr(0);
          inner.expectKw('as');
          const type = inner.typeName();
          if (inner.pos !== this.pos - 1) throw GIVE_UP;
          // TREAT(x AS t) is a call of the function named like the type.
          if (t.value === 'treat') return { name: type.name, strength: 2 };
          return arg.strength === 2 || arg.star ? arg : { name: type.name, strength: 1 };
        }
        case 'exists':
        case 'row':
          if (!isPunct(next, '(')) break;
          this.pos++;
          this.skipGroup();
          return { name: t.value, strength: 2 };
        case 'array':
          if (!isPunct(next, '(') && !isPunct(next, '[')) throw GIVE_UP;
          this.pos++;
          this.skipGroup();
          return { name: 'array', strength: 2 };
        case 'trim': {
          if (!isPunct(next, '(')) break;
          const first = this.peek(2);
          this.pos++;
          this.skipGroup();
          return { name: isKw(first, 'leading') ? 'ltrim' : isKw(first, 'trailing') ? 'rtrim' : 'btrim', strength: 2 };
        }
        case 'collation':
          if (!isKw(next, 'for')) break;
          this.pos += 2;
          this.skipGroup();
          return { name: 'pg_collation_for', strength: 2 };
        case 'any':
        case 'some':
        case 'all':
          if (!isPunct(next, '(')) throw GIVE_UP;
          this.pos++;
          this.skipGroup();
          return NAMELESS;
        case 'true':
        case 'false':
        case 'null':
          // PostgreSQL 15 keeps these as plain constants (14 wrapped true/false in a cast to bool).
          this.pos++;
          return NAMELESS;
        case 'columns':
          // DuckDB's COLUMNS(...) expands to any number of columns, like `*`.
          if (isPunct(next, '(')) throw GIVE_UP;
          break;
        default:
          if (SQL_VALUE_FUNCTIONS.has(t.value)) {
            this.pos++;
            if (isPunct(this.peek(), '(') && /^(current_time|current_timestamp|localtime|localtimestamp)$/.test(t.value)) this.skipGroup();
            return { name: t.value, strength: 2 };
          }
      }
    }
    // A typed literal: date '2024-01-01', interval '1' day, varchar(3) 'abc', double precision '1.5'.
    const save = this.pos;
    try {
      const type = this.typeName();
      if (this.peek()?.kind === 'string') {
        this.pos++;
        if (type.interval) this.intervalFields();
        return { name: type.name, strength: 1 };
      }
    } catch (e) {
      if (e !== GIVE_UP) throw e;
    }
    this.pos = save;
    return this.columnOrCall();
  }

  /** name(.name)* as a column reference, or a function call with WITHIN GROUP / FILTER / OVER. */
  private columnOrCall(): Figured {
    const first = this.t[this.pos]!;
    if (!first.quoted && keywordCategory(first.value) === 'reserved') throw GIVE_UP;
    let name = first.value;
    this.pos++;
    while (isPunct(this.peek(), '.') && this.peek(1)?.kind === 'ident') {
      name = this.peek(1)!.value;
      this.pos += 2;
    }
    if (!isPunct(this.peek(), '(')) return { name, strength: 2 };
    this.skipGroup();
    if (isKw(this.peek(), 'within') && isKw(this.peek(1), 'group')) {
      this.pos += 2;
      this.skipGroup();
    }
    if (isKw(this.peek(), 'filter') && isPunct(this.peek(1), '(')) {
      this.pos++;
      this.skipGroup();
    }
    if (isKw(this.peek(), 'over')) {
      this.pos++;
      if (isPunct(this.peek(), '(')) this.skipGroup();
      else if (this.peek()?.kind === 'ident') this.pos++;
      else throw GIVE_UP;
    }
    return { name, strength: 2 };
  }

  /** ( expr ), a row (a, b), or a scalar subquery named after its own first column. */
  private parenthesized(): Figured {
    const start = this.pos + 1;
    this.skipGroup();
    const end = this.pos - 1;
    if (end === start) throw GIVE_UP;
    const first = this.t[start];
    if (isKw(first, 'select') || isKw(first, 'with') || isKw(first, 'values')) {
      if (++this.src.depth > MAX_DEPTH) throw GIVE_UP;
      const names = selectListNames(this.src, start, end);
      this.src.depth--;
      if (names === null || names.length === 0) throw GIVE_UP;
      return { name: names[0]!, strength: 2 };
    }
    for (let i = start; i < end; i++) {
      if (isPunct(this.t[i], ',')) return { name: 'row', strength: 2 };
      if (isPunct(this.t[i], '(') || isPunct(this.t[i], '[')) i = skipParens(this.src, i) - 1;
    }
    return this.sub(start, end);
  }

  private qualifiedName(): string {
    const t = this.peek();
    if (t?.kind !== 'ident') throw GIVE_UP;
    let name = t.value;
    this.pos++;
    while (isPunct(this.peek(), '.') && this.peek(1)?.kind === 'ident') {
      name = this.peek(1)!.value;
      this.pos += 2;
    }
    return name;
  }

  /** Optional `( ... )` type modifiers. */
  private modifiers(): void {
    if (isPunct(this.peek(), '(')) this.skipGroup();
  }

  /** YEAR | MONTH | ... [ (p) ] [ TO MONTH | ... [ (p) ] ] after INTERVAL. */
  private intervalFields(): void {
    const f = this.peek();
    if (f === undefined || f.quoted || f.kind !== 'ident' || !INTERVAL_FIELDS.has(f.value)) return;
    this.pos++;
    this.modifiers();
    if (isKw(this.peek(), 'to')) {
      this.pos++;
      const g = this.peek();
      if (g === undefined || g.quoted || !INTERVAL_FIELDS.has(g.value)) throw GIVE_UP;
      this.pos++;
      this.modifiers();
    }
  }

  /**
   * A type name as written after `::`, in CAST, or before a literal; its name is PostgreSQL's internal one
   * (`integer` is int4, `double precision` float8): the last word of the name as the parser stores it.
   */
  private typeName(): { name: string; interval: boolean } {
    const t = this.peek();
    if (t === undefined || t.kind !== 'ident') throw GIVE_UP;
    this.pos++;
    let name: string;
    let interval = false;
    const withTimeZone = (): boolean => {
      this.modifiers();
      const w = this.peek();
      if (!isKw(w, 'with') && !isKw(w, 'without')) return false;
      this.pos++;
      this.expectKw('time');
      this.expectKw('zone');
      return isKw(w, 'with');
    };
    const varying = (): boolean => {
      const v = isKw(this.peek(), 'varying');
      if (v) this.pos++;
      this.modifiers();
      return v;
    };
    switch (t.quoted ? '' : t.value) {
      case 'double':
        this.expectKw('precision');
        name = 'float8';
        break;
      case 'national':
        if (!isKw(this.peek(), 'character') && !isKw(this.peek(), 'char')) throw GIVE_UP;
        this.pos++;
        name = varying() ? 'varchar' : 'bpchar';
        break;
      case 'character':
      case 'char':
      case 'nchar':
        name = varying() ? 'varchar' : 'bpchar';
        break;
      case 'bit':
        name = varying() ? 'varbit' : 'bit';
        break;
      case 'timestamp':
        name = withTimeZone() ? 'timestamptz' : 'timestamp';
        break;
      case 'time':
        name = withTimeZone() ? 'timetz' : 'time';
        break;
      case 'interval':
        name = 'interval';
        interval = true;
        this.intervalFields();
        this.modifiers();
        break;
      case 'float': {
        // FLOAT(p) is float4 up to 24 binary digits of precision.
        const p = isPunct(this.peek(), '(') ? Number(this.peek(1)?.value) : NaN;
        this.modifiers();
        name = p <= 24 ? 'float4' : 'float8';
        break;
      }
      default: {
        const alias = t.quoted ? undefined : TYPE_ALIASES[t.value];
        if (alias !== undefined) {
          name = alias;
        } else {
          // A generic (possibly qualified) type name: not a reserved or column-name keyword.
          const cat = t.quoted ? undefined : keywordCategory(t.value);
          if (cat === 'reserved' || cat === 'col_name') throw GIVE_UP;
          this.pos--;
          name = this.qualifiedName();
        }
        this.modifiers();
      }
    }
    // Array bounds: int[], int[3][], int ARRAY, int ARRAY[3].
    for (;;) {
      if (isPunct(this.peek(), '[')) this.skipGroup();
      else if (isKw(this.peek(), 'array')) {
        this.pos++;
        if (isPunct(this.peek(), '[')) this.skipGroup();
      } else break;
    }
    return { name, interval };
  }
}

/** Single-word SQL type names and the internal name PostgreSQL gives them. */
const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  real: 'float4',
  boolean: 'bool',
  decimal: 'numeric',
  dec: 'numeric',
  numeric: 'numeric',
  varchar: 'varchar',
};
