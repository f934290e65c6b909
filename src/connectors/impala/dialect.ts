/**
 * PostgreSQL-flavoured SQL → Impala SQL, by targeted rewrites on PostgreSQL's tokens (parser/lexer.ts):
 * everything not listed here goes through as written, and a construct Impala cannot express the same
 * way is refused with 0A000 naming it — never changed silently.
 *
 *   construct                          Impala                                    why
 *   x::type, CAST(x AS type)           CAST(x AS <Impala type>)                  Impala has no ::; type names differ
 *   'lit'::type, type 'lit'            the value read by PostgreSQL's rules,     PostgreSQL's input rules ('t', '1e3',
 *                                      printed as an exact Impala literal        'Jan 1 2024'); Impala would answer NULL
 *   "Ident"                            `Ident`                                   Impala quotes with backticks
 *   'it''s', E'a\nb', $$…$$, U&'…'     'it\'s', 'a\nb', …                        Impala strings use backslash escapes
 *   interval '1 day', interval '2' hour INTERVAL 1 DAY, INTERVAL 2 HOUR           one unit only (else 0A000)
 *   a || b || c                        concat(a, b, c)                           || is OR in Impala
 *   7 / 2 (integer literals)           7 DIV 2                                   Impala's / is DOUBLE division
 *   substring(s FROM a FOR n)          substr(s, a, n) (exact for a < 1 too)     Impala counts a < 1 from the end
 *   extract(year FROM d), date_part    year(d), dayofweek(d) - 1, …              Impala's own functions
 *   position(a IN b), strpos(b, a)     instr(b, a)
 *   trim(both|leading|trailing c FROM s) btrim/ltrim/rtrim(s, c)
 *   string_agg(x, sep)                 group_concat(x, sep)
 *   LIMIT ALL / OFFSET n ROWS / FETCH FIRST n ROWS ONLY   LIMIT n OFFSET m        Impala's order; OFFSET needs ORDER BY
 *   TABLE t                            SELECT * FROM t
 *   ILIKE, IS DISTINCT FROM, NULLS FIRST, CASE, windows, UNION, IN, EXISTS        as written (Impala has them)
 *
 * Refused (0A000): ~ and other PostgreSQL operators, ^ (XOR in Impala), array constructors and
 * subscripts, DISTINCT ON, FILTER, WITHIN GROUP, WITH RECURSIVE, LATERAL, NATURAL joins, SIMILAR TO,
 * LIKE … ESCAPE, COLLATE, AT TIME ZONE, OVERLAPS, BETWEEN SYMMETRIC, TABLESAMPLE, FOR UPDATE, = ANY(…),
 * ROW(…), types without an Impala counterpart (timestamptz, time, interval columns, json, uuid, arrays,
 * numeric without precision), numeric precision above 38, timestamp(p) with p < 6, intervals of several
 * units, || operands that are not single terms, and extract fields Impala computes differently.
 *
 * What stays different (documented in README.md): `/` between expressions that are not integer
 * literals is Impala's (integer columns divide to DOUBLE); integer division by zero, CAST of a bad
 * string and overflow give NULL in Impala, errors in PostgreSQL; identifiers are case-insensitive in
 * Impala; extract() returns an integer where PostgreSQL returns numeric.
 */
import { GatewayError } from '../../errors/index.ts';
import { lex, type Token } from '../../parser/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { textDecoder, type InputSettings } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { impalaLiteral, impalaString } from './sql.ts';

const SETTINGS: Readonly<InputSettings> = Object.freeze({ dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' });

function unsupported(construct: string, hint?: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', `${construct} is not supported on an Impala engine`, hint === undefined ? {} : { hint });
}

const isOp = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'op' || t.kind === 'punct') && t.text === p;
const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === w;
const isIntLiteral = (t: Token | undefined): boolean => t !== undefined && t.kind === 'number' && /^\d+$/.test(t.text);

/** Words that never start an operand: a piece after them is not the end of an expression. */
const NOT_PRIMARY = new Set([
  'all', 'and', 'any', 'as', 'asc', 'between', 'by', 'cross', 'desc', 'distinct', 'else', 'end', 'except', 'fetch', 'first', 'following', 'for',
  'from', 'full', 'group', 'having', 'ilike', 'in', 'inner', 'intersect', 'is', 'join', 'last', 'left', 'like', 'limit', 'natural', 'not', 'nulls',
  'offset', 'on', 'or', 'order', 'outer', 'over', 'partition', 'preceding', 'range', 'right', 'rows', 'select', 'some', 'then', 'union', 'unbounded',
  'using', 'values', 'when', 'where', 'window', 'with', 'current', 'row', 'only', 'next', 'escape', 'similar', 'collate', 'at', 'overlaps', 'symmetric',
  'tablesample', 'lateral', 'recursive', 'filter', 'within', 'into', 'returning', 'ties', 'distinctrow',
]);

/** PostgreSQL operators with no Impala counterpart (or a different meaning there). */
const REFUSED_OPS = new Set(['~*', '!~', '!~*', '~~', '~~*', '!~~', '!~~*', '@>', '<@', '&&', '->', '->>', '#>', '#>>', '?', '?|', '?&', '^', '#', '|/', '||/', '@', '!!', '<<', '>>', '@@', '-|-', '&<', '&>', '<->', '*=', '<^', '>^']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const COMPARISON = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

interface Piece {
  /** Source text before the piece (whitespace, comments), kept as written. */
  gap: string;
  text: string;
  kind: 'primary' | 'op' | 'word' | 'punct';
  /** For a primary that is one string literal: its value (a cast of it is read by PostgreSQL's rules). */
  literal?: string;
  /** For a primary that is one integer literal. */
  integer?: boolean;
  /** The word, lower-cased, for 'word' pieces. */
  word?: string;
}

/** A PostgreSQL type name as written in a cast, canonicalized, with its modifiers. */
interface PgType {
  name: string;
  mods: number[];
  array: boolean;
  /** Source text, for messages. */
  written: string;
  end: number;
}

const TYPE_ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  smallint: 'int2',
  int2: 'int2',
  bigint: 'int8',
  int8: 'int8',
  real: 'float4',
  float4: 'float4',
  float8: 'float8',
  float: 'float8',
  numeric: 'numeric',
  decimal: 'numeric',
  dec: 'numeric',
  text: 'text',
  varchar: 'varchar',
  char: 'bpchar1',
  character: 'bpchar1',
  bpchar: 'bpchar',
  bool: 'bool',
  boolean: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  interval: 'interval',
  bytea: 'bytea',
  name: 'name',
};

const TYPE_OIDS: Record<string, number> = {
  int2: OID.int2,
  int4: OID.int4,
  int8: OID.int8,
  float4: OID.float4,
  float8: OID.float8,
  numeric: OID.numeric,
  text: OID.text,
  name: OID.name,
  varchar: OID.varchar,
  bpchar: OID.bpchar,
  bpchar1: OID.bpchar,
  bool: OID.bool,
  date: OID.date,
  timestamp: OID.timestamp,
  bytea: OID.bytea,
  interval: OID.interval,
};

/** The Impala spelling of a PostgreSQL type, or a 0A000 naming it. */
export function impalaType(t: Pick<PgType, 'name' | 'mods' | 'array' | 'written'>): string {
  if (t.array) throw unsupported(`the array type ${t.written}`);
  const [a, b] = t.mods;
  switch (t.name) {
    case 'int2':
      return 'SMALLINT';
    case 'int4':
      return 'INT';
    case 'int8':
      return 'BIGINT';
    case 'float4':
      return 'FLOAT';
    case 'float8':
      return 'DOUBLE';
    case 'float':
      return a !== undefined && a <= 24 ? 'FLOAT' : 'DOUBLE';
    case 'numeric': {
      if (a === undefined) {
        throw unsupported(`${t.written} without precision`, "Impala's DECIMAL defaults to DECIMAL(9,0) and would round: write numeric(p,s) with p <= 38");
      }
      const scale = b ?? 0;
      if (a < 1 || a > 38) throw unsupported(`${t.written}: a precision above 38`, 'Impala DECIMAL holds at most 38 digits');
      if (scale < 0 || scale > a) throw unsupported(`${t.written}: a scale outside 0..precision`);
      return `DECIMAL(${a},${scale})`;
    }
    case 'text':
    case 'name':
      return 'STRING';
    case 'varchar':
      if (a === undefined) return 'STRING';
      if (a < 1 || a > 65535) throw unsupported(`${t.written}: Impala VARCHAR holds 1 to 65535 characters`);
      return `VARCHAR(${a})`;
    case 'bpchar1':
    case 'bpchar': {
      const n = a ?? (t.name === 'bpchar1' ? 1 : undefined);
      if (n === undefined) return 'STRING';
      if (n < 1 || n > 255) throw unsupported(`${t.written}: Impala CHAR holds 1 to 255 characters`);
      return `CHAR(${n})`;
    }
    case 'bool':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      if (a !== undefined && a < 6) throw unsupported(`${t.written} (rounding to ${a} fractional digits)`, 'cast to timestamp and round with date_trunc');
      return 'TIMESTAMP';
    case 'bytea':
      return 'BINARY';
    case 'timestamptz':
      throw unsupported(`the type ${t.written} (Impala has no time-zone-aware timestamp)`, 'use timestamp: tollgate sessions and Impala values are UTC');
    default:
      throw unsupported(`the type ${t.written}`);
  }
}

class Translator {
  constructor(
    private readonly sql: string,
    private readonly toks: readonly Token[],
  ) {}

  /** Source between two tokens (whitespace, comments), with nested block comments flattened for Impala. */
  private gap(from: number, to: number): string {
    const start = from < 0 ? 0 : this.toks[from]!.end;
    const end = to >= this.toks.length ? this.sql.length : this.toks[to]!.start;
    return flattenComments(this.sql.slice(start, end));
  }

  /** Tokens [lo, hi) with the blanks around them (those after token lo-1 and before token hi). */
  private inner(lo: number, hi: number): string {
    if (lo >= hi) return this.gap(lo - 1, lo);
    return this.gap(lo - 1, lo) + this.emit(lo, hi) + this.gap(hi - 1, hi);
  }

  /** Index of the token closing the bracket at `open`, or a syntax error. */
  private close(open: number, hi: number): number {
    let depth = 0;
    for (let k = open; k < hi; k++) {
      const t = this.toks[k]!;
      if (isOp(t, '(') || isOp(t, '[')) depth++;
      else if (isOp(t, ')') || isOp(t, ']')) {
        if (--depth === 0) return k;
      }
    }
    throw new GatewayError('SYNTAX_ERROR', 'syntax error: unbalanced parentheses');
  }

  /** Indexes of top-level tokens in [lo, hi) for which `pred` holds. */
  private topLevel(lo: number, hi: number, pred: (t: Token) => boolean): number[] {
    const out: number[] = [];
    let depth = 0;
    for (let k = lo; k < hi; k++) {
      const t = this.toks[k]!;
      if (isOp(t, '(') || isOp(t, '[')) depth++;
      else if (isOp(t, ')') || isOp(t, ']')) depth--;
      else if (depth === 0 && pred(t)) out.push(k);
    }
    return out;
  }

  /** The whole statement, leading and trailing comments included. */
  emitAll(): string {
    return this.inner(0, this.toks.length);
  }

  /** Translation of tokens [lo, hi), gaps between them included, the gap before `lo` not. */
  emit(lo: number, hi: number): string {
    const pieces: Piece[] = [];
    let orderBy = false;
    let i = lo;
    const push = (p: Piece): void => {
      pieces.push(p);
    };
    while (i < hi) {
      const t = this.toks[i]!;
      const gap = i === lo ? '' : this.gap(i - 1, i);

      // TABLE t → SELECT * FROM t (a statement of its own)
      if (i === lo && isWord(t, 'table') && this.toks[i + 1]?.kind === 'ident') {
        push({ gap, text: 'SELECT * FROM', kind: 'word', word: 'from' });
        i++;
        continue;
      }

      if (isOp(t, '::')) {
        const last = pieces.pop();
        if (last === undefined || last.kind !== 'primary') throw new GatewayError('SYNTAX_ERROR', 'syntax error at or near "::"');
        const type = this.type(i + 1, hi);
        pieces.push({ gap: last.gap, text: this.cast(last, type), kind: 'primary' });
        i = type.end;
        continue;
      }

      if (isOp(t, '||')) {
        i = this.concat(pieces, i, hi);
        continue;
      }

      if (isOp(t, '[')) throw unsupported('an array subscript or constructor ([…])');

      if (t.kind === 'op') {
        if (t.text === '^') throw unsupported('the ^ operator (XOR in Impala)', 'use power(a, b)');
        if (REFUSED_OPS.has(t.text)) throw unsupported(`the operator ${t.text}`);
        if (t.text === '~') {
          const prev = pieces[pieces.length - 1];
          if (prev !== undefined && (prev.kind === 'primary' || (prev.kind === 'punct' && prev.text === ')'))) {
            throw unsupported('the regular expression operator ~', 'use regexp_like(s, pattern) (Impala uses RE2 syntax)');
          }
        }
        // Integer literal / integer literal: PostgreSQL truncates, Impala's / gives a DOUBLE.
        if (t.text === '/' && pieces[pieces.length - 1]?.integer === true && isIntLiteral(this.toks[i + 1]) && !isOp(this.toks[i + 2], '::') && !isOp(this.toks[i + 2], '.')) {
          const prevPiece = pieces[pieces.length - 2];
          if (prevPiece === undefined || !(prevPiece.kind === 'op' && prevPiece.text === '^')) {
            push({ gap, text: 'DIV', kind: 'op' });
            i++;
            continue;
          }
        }
        push({ gap, text: t.text, kind: 'op' });
        i++;
        continue;
      }

      if (t.kind === 'ident' && !t.quoted) {
        const w = t.value;
        const next = this.toks[i + 1];
        if (w === 'order' && isWord(next, 'by')) orderBy = true;
        if (w === 'limit' || w === 'offset' || (w === 'fetch' && (isWord(next, 'first') || isWord(next, 'next')))) {
          const tail = this.tail(i, hi, orderBy);
          push({ gap, text: tail.text, kind: 'word', word: 'limit' });
          i = tail.end;
          continue;
        }
        this.refuseWord(t, i, pieces);
      }

      const primary = this.primary(i, hi);
      if (primary !== null) {
        push({ gap, ...primary.piece, kind: 'primary' });
        i = primary.end;
        continue;
      }
      if (t.kind === 'ident') push({ gap, text: t.text, kind: 'word', word: t.value });
      else if (t.kind === 'bitstring') throw unsupported('a bit string literal');
      else push({ gap, text: t.text, kind: 'punct' });
      i++;
    }
    return pieces.map((p) => p.gap + p.text).join('');
  }

  /** 0A000 for the keywords that introduce a construct Impala lacks. */
  private refuseWord(t: Token, i: number, pieces: readonly Piece[]): void {
    const next = this.toks[i + 1];
    const prevWord = pieces[pieces.length - 1]?.word;
    switch (t.value) {
      case 'distinct':
        if (isWord(next, 'on')) throw unsupported('DISTINCT ON', 'use a window function: row_number() OVER (PARTITION BY … ORDER BY …) = 1');
        return;
      case 'recursive':
        if (prevWord === 'with') throw unsupported('WITH RECURSIVE');
        return;
      case 'lateral':
        throw unsupported('LATERAL');
      case 'natural':
        throw unsupported('NATURAL JOIN', 'name the join columns with USING (…)');
      case 'similar':
        if (isWord(next, 'to')) throw unsupported('SIMILAR TO', 'use regexp_like(s, pattern)');
        return;
      case 'escape':
        throw unsupported('LIKE … ESCAPE', "Impala's LIKE escapes with a backslash only");
      case 'collate':
        throw unsupported('COLLATE');
      case 'at':
        if (isWord(next, 'time') && isWord(this.toks[i + 2], 'zone')) throw unsupported('AT TIME ZONE', 'use from_utc_timestamp / to_utc_timestamp');
        return;
      case 'overlaps':
        throw unsupported('OVERLAPS');
      case 'symmetric':
        throw unsupported('BETWEEN SYMMETRIC');
      case 'tablesample':
        throw unsupported('TABLESAMPLE');
      case 'filter':
        if (isOp(next, '(')) throw unsupported('FILTER (WHERE …) on an aggregate', 'use count(CASE WHEN … THEN 1 END) or sum(CASE WHEN … THEN x END)');
        return;
      case 'within':
        if (isWord(next, 'group')) throw unsupported('WITHIN GROUP');
        return;
      case 'for':
        if (isWord(next, 'update') || isWord(next, 'share') || isWord(next, 'no') || isWord(next, 'key')) throw unsupported('FOR UPDATE / FOR SHARE');
        return;
      case 'any':
      case 'some':
        if (isOp(next, '(')) throw unsupported(`${t.value.toUpperCase()} (…)`, 'use IN (…) or EXISTS');
        return;
      case 'all':
        if (isOp(next, '(') && prevWord !== 'union' && prevWord !== 'intersect' && prevWord !== 'except') throw unsupported('ALL (…)', 'use NOT EXISTS or aggregates');
        return;
      case 'array':
        throw unsupported('ARRAY[…] and ARRAY(…)');
      case 'row':
        if (isOp(next, '(')) throw unsupported('row constructors ROW(…)');
        return;
      default:
        return;
    }
  }

  /** A cast of a piece to a PostgreSQL type. A string literal is read by PostgreSQL's rules here. */
  private cast(operand: Pick<Piece, 'text' | 'literal'>, type: PgType): string {
    if (operand.literal !== undefined) return this.typedLiteral(operand.literal, type);
    if (type.name === 'interval') throw unsupported(`a cast of an expression to ${type.written}`, "Impala has intervals only as literals in date arithmetic: ts + interval '1 day'");
    return `CAST(${operand.text} AS ${impalaType(type)})`;
  }

  /** 'text' read as PostgreSQL reads it for `type`, printed as an exact Impala literal. */
  private typedLiteral(text: string, type: PgType): string {
    if (type.array) throw unsupported(`the array type ${type.written}`);
    if (type.name === 'text' || type.name === 'name' || (type.name === 'varchar' && type.mods.length === 0)) return impalaString(text);
    if (type.name === 'interval') {
      if (type.mods.length > 0) throw unsupported(`${type.written} with a precision`);
      return impalaLiteral(textDecoder(OID.interval, SETTINGS)(text), OID.interval);
    }
    const oid = TYPE_OIDS[type.name];
    const target = impalaType(type); // refuses what Impala cannot hold
    if (oid === undefined) throw unsupported(`the type ${type.written}`);
    if (type.name === 'varchar' || type.name === 'bpchar' || type.name === 'bpchar1') return `CAST(${impalaString(text)} AS ${target})`;
    const value: PgValue = oid === OID.numeric ? (textDecoder(OID.numeric, SETTINGS)(text) as string) : textDecoder(oid, SETTINGS)(text);
    if (oid === OID.numeric) {
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') throw unsupported(`numeric ${value} (Impala's DECIMAL has no ${value})`);
      return `CAST(${impalaLiteral(value, OID.numeric)} AS ${target})`;
    }
    return impalaLiteral(value, oid);
  }

  /** A type name starting at `i` (after :: or AS): PostgreSQL's multi-word names, modifiers, []. */
  private type(i: number, hi: number): PgType {
    const start = this.toks[i];
    if (start === undefined || start.kind !== 'ident') throw new GatewayError('SYNTAX_ERROR', 'syntax error: a type name was expected');
    let k = i;
    // pg_catalog.int4
    if (isOp(this.toks[k + 1], '.') && this.toks[k + 2]?.kind === 'ident') {
      if (start.value !== 'pg_catalog') throw unsupported(`the type ${start.text}.${this.toks[k + 2]!.text}`);
      k += 2;
    }
    const first = this.toks[k]!;
    let name = first.quoted ? (first.value === 'char' ? 'bpchar1' : `"${first.value}"`) : first.value;
    k++;
    if (!first.quoted) {
      if (name === 'double' && isWord(this.toks[k], 'precision')) {
        name = 'float8';
        k++;
      } else if ((name === 'character' || name === 'char' || name === 'national') && (isWord(this.toks[k], 'varying') || isWord(this.toks[k], 'character'))) {
        while (isWord(this.toks[k], 'character') || isWord(this.toks[k], 'varying')) {
          if (isWord(this.toks[k], 'varying')) name = 'varchar';
          k++;
        }
        if (name !== 'varchar') name = 'bpchar1';
      } else if (name === 'float') {
        name = 'float';
      } else {
        name = TYPE_ALIASES[name] ?? name;
      }
    }
    const mods: number[] = [];
    if (isOp(this.toks[k], '(') && name !== '"char"') {
      const close = this.close(k, hi);
      for (let m = k + 1; m < close; m++) {
        const t = this.toks[m]!;
        if (t.kind === 'number' && /^\d+$/.test(t.text)) mods.push(Number(t.text));
        else if (!isOp(t, ',')) throw new GatewayError('SYNTAX_ERROR', `syntax error: type modifiers must be integers in ${this.sql.slice(start.start, this.toks[close]!.end)}`);
      }
      k = close + 1;
    }
    if (name === 'timestamp' || name === 'time') {
      if ((isWord(this.toks[k], 'with') || isWord(this.toks[k], 'without')) && isWord(this.toks[k + 1], 'time') && isWord(this.toks[k + 2], 'zone')) {
        if (isWord(this.toks[k], 'with')) name = name === 'timestamp' ? 'timestamptz' : 'timetz';
        k += 3;
      }
    }
    if (name === 'interval') {
      while (this.toks[k]?.kind === 'ident' && ['year', 'month', 'day', 'hour', 'minute', 'second', 'to'].includes(this.toks[k]!.value)) k++;
    }
    let array = false;
    while (isOp(this.toks[k], '[')) {
      array = true;
      k = this.close(k, hi) + 1;
    }
    if (isWord(this.toks[k], 'array')) {
      array = true;
      k++;
    }
    const written = this.sql.slice(start.start, this.toks[k - 1]!.end);
    return { name, mods, array, written, end: k };
  }

  /** `a || b || …` with `a` the last piece: concat(a, b, …), when every operand is one term. */
  private concat(pieces: Piece[], i: number, hi: number): number {
    const refuse = (): never => {
      throw unsupported('|| with an operand that is not a single term (Impala reads || as OR)', 'write concat(a, b) or put the operand in parentheses');
    };
    let left = pieces.pop();
    if (left === undefined || left.kind !== 'primary') refuse();
    let leftGap = left!.gap;
    let leftText = left!.text;
    // A unary sign belongs to the operand; a binary arithmetic operator binds tighter than || in PostgreSQL.
    const before = pieces[pieces.length - 1];
    if (before !== undefined && before.kind === 'op' && (before.text === '-' || before.text === '+')) {
      const beforeThat = pieces[pieces.length - 2];
      const unary = beforeThat === undefined || beforeThat.kind === 'op' || (beforeThat.kind === 'punct' && beforeThat.text !== ')') || (beforeThat.kind === 'word' && beforeThat.word !== undefined);
      if (!unary) refuse();
      pieces.pop();
      leftText = before.text + left!.gap + leftText;
      leftGap = before.gap;
    } else if (before !== undefined && before.kind === 'op' && !COMPARISON.has(before.text)) {
      refuse();
    }
    const operands = [leftText];
    let k = i;
    while (isOp(this.toks[k], '||')) {
      k++;
      let sign = '';
      while (isOp(this.toks[k], '-') || isOp(this.toks[k], '+')) {
        sign += this.toks[k]!.text;
        k++;
      }
      const p = this.primary(k, hi);
      if (p === null) refuse();
      let text = p!.piece.text;
      let literal = p!.piece.literal;
      k = p!.end;
      while (isOp(this.toks[k], '::')) {
        const type = this.type(k + 1, hi);
        text = this.cast({ text, ...(literal !== undefined && { literal }) }, type);
        literal = undefined;
        k = type.end;
      }
      const after = this.toks[k];
      if (after !== undefined && (after.kind === 'op' || after.kind === 'punct') && (ARITHMETIC.has(after.text) || isOp(after, '[') || isOp(after, '.'))) refuse();
      if (after !== undefined && after.kind === 'op' && !COMPARISON.has(after.text) && after.text !== '||') refuse();
      operands.push(sign + text);
    }
    pieces.push({ gap: leftGap, text: `concat(${operands.join(', ')})`, kind: 'primary' });
    return k;
  }

  /**
   * The LIMIT / OFFSET / FETCH clauses starting at `i`, up to the end of the level: Impala takes
   * LIMIT n [OFFSET m], and OFFSET only after ORDER BY.
   */
  private tail(i: number, hi: number, orderBy: boolean): { text: string; end: number } {
    let limit: string | null = null;
    let offset: string | null = null;
    let k = i;
    const clauseWords = new Set(['limit', 'offset', 'fetch']);
    const exprEnd = (from: number, stops: Set<string>): number => {
      let depth = 0;
      let m = from;
      for (; m < hi; m++) {
        const t = this.toks[m]!;
        if (isOp(t, '(')) depth++;
        else if (isOp(t, ')')) depth--;
        else if (depth === 0 && (isOp(t, ';') || (t.kind === 'ident' && !t.quoted && stops.has(t.value)))) break;
      }
      return m;
    };
    while (k < hi && this.toks[k]!.kind === 'ident' && clauseWords.has(this.toks[k]!.value)) {
      const w = this.toks[k]!.value;
      if (w === 'limit') {
        if (isWord(this.toks[k + 1], 'all')) {
          k += 2;
          continue;
        }
        const end = exprEnd(k + 1, clauseWords);
        if (end === k + 1) throw new GatewayError('SYNTAX_ERROR', 'syntax error: LIMIT needs a value');
        limit = this.emit(k + 1, end);
        k = end;
      } else if (w === 'offset') {
        const end = exprEnd(k + 1, new Set([...clauseWords, 'row', 'rows']));
        if (end === k + 1) throw new GatewayError('SYNTAX_ERROR', 'syntax error: OFFSET needs a value');
        offset = this.emit(k + 1, end);
        k = end;
        if (isWord(this.toks[k], 'row') || isWord(this.toks[k], 'rows')) k++;
      } else {
        // FETCH FIRST|NEXT [n] ROW|ROWS ONLY|WITH TIES
        k += 2;
        const end = exprEnd(k, new Set(['row', 'rows']));
        limit = end === k ? '1' : this.emit(k, end);
        k = end;
        if (isWord(this.toks[k], 'row') || isWord(this.toks[k], 'rows')) k++;
        if (isWord(this.toks[k], 'with') && isWord(this.toks[k + 1], 'ties')) throw unsupported('FETCH … WITH TIES');
        if (!isWord(this.toks[k], 'only')) throw new GatewayError('SYNTAX_ERROR', 'syntax error: FETCH FIRST … ROWS needs ONLY');
        k++;
      }
    }
    if (offset !== null && !orderBy) {
      throw unsupported('OFFSET without ORDER BY', 'Impala requires ORDER BY with OFFSET (row order is undefined without it)');
    }
    const parts: string[] = [];
    if (limit !== null) parts.push(`LIMIT ${limit}`);
    if (offset !== null) parts.push(`OFFSET ${offset}`);
    // LIMIT ALL alone: the clause disappears.
    return { text: parts.join(' '), end: k };
  }

  /**
   * An operand starting at `i` (without unary signs and postfix casts): a literal, parameter,
   * parenthesized expression or subquery, CASE, typed literal, special-syntax function, name or call.
   * Null when the token does not start one.
   */
  private primary(i: number, hi: number): { piece: Omit<Piece, 'gap' | 'kind'>; end: number } | null {
    const t = this.toks[i];
    if (t === undefined || i >= hi) return null;
    switch (t.kind) {
      case 'number':
        return { piece: { text: t.text, integer: /^\d+$/.test(t.text) }, end: i + 1 };
      case 'string':
        return { piece: { text: impalaString(t.value), literal: t.value }, end: i + 1 };
      case 'param':
        return { piece: { text: t.text }, end: i + 1 };
      case 'bitstring':
        throw unsupported('a bit string literal');
      case 'punct':
      case 'op':
        if (isOp(t, '(')) {
          const close = this.close(i, hi);
          return { piece: { text: `(${this.inner(i + 1, close)})` }, end: close + 1 };
        }
        return null;
      case 'ident':
        return this.name(i, hi);
      default:
        return null;
    }
  }

  private name(i: number, hi: number): { piece: Omit<Piece, 'gap' | 'kind'>; end: number } | null {
    const t = this.toks[i]!;
    const next = this.toks[i + 1];
    if (!t.quoted) {
      const w = t.value;
      if (w === 'case') {
        let depth = 0;
        let k = i;
        for (; k < hi; k++) {
          if (isWord(this.toks[k], 'case')) depth++;
          else if (isWord(this.toks[k], 'end') && --depth === 0) break;
        }
        if (k >= hi) throw new GatewayError('SYNTAX_ERROR', 'syntax error: CASE without END');
        return { piece: { text: `${t.text}${this.inner(i + 1, k)}${this.toks[k]!.text}` }, end: k + 1 };
      }
      if (isOp(next, '(')) {
        const special = this.special(w, i, hi);
        if (special !== null) return special;
      }
      // Typed literal: type 'text' (also multi-word types: timestamp without time zone '…').
      if (TYPE_ALIASES[w] !== undefined || w === 'double' || w === 'national' || w === 'timestamptz') {
        const literal = this.typedLiteralAt(i, hi);
        if (literal !== null) return literal;
      }
      if (NOT_PRIMARY.has(w)) return null;
    } else if (t.value.includes('`') || t.value.includes('\\') || t.value.trim() !== t.value) {
      throw unsupported(`the identifier "${t.value}" (Impala identifiers cannot contain backticks or backslashes, nor start or end with blanks)`);
    }
    // A name: a.b.c, a.*, then a call with its window.
    let text = this.identText(t);
    let k = i + 1;
    while (isOp(this.toks[k], '.') && k + 1 < hi) {
      const part = this.toks[k + 1]!;
      if (part.kind === 'ident') text += `${this.gap(k - 1, k)}.${this.gap(k, k + 1)}${this.identText(part)}`;
      else if (isOp(part, '*')) text += '.*';
      else break;
      k += 2;
    }
    if (isOp(this.toks[k], '(') && k < hi) {
      const close = this.close(k, hi);
      const fn = this.functionName(text, t.quoted);
      const args = this.args(fn, k, close);
      text = `${fn}${this.gap(k - 1, k)}(${args})`;
      k = close + 1;
      if (isWord(this.toks[k], 'filter') && isOp(this.toks[k + 1], '(')) throw unsupported('FILTER (WHERE …) on an aggregate', 'use count(CASE WHEN … THEN 1 END) or sum(CASE WHEN … THEN x END)');
      if (isWord(this.toks[k], 'within') && isWord(this.toks[k + 1], 'group')) throw unsupported('WITHIN GROUP');
      if (isWord(this.toks[k], 'over')) {
        const w = this.toks[k + 1];
        if (isOp(w, '(')) {
          const wc = this.close(k + 1, hi);
          text += `${this.gap(k - 1, k)}${this.toks[k]!.text}${this.gap(k, k + 1)}(${this.inner(k + 2, wc)})`;
          k = wc + 1;
        } else {
          throw unsupported('named windows (OVER w)', 'write the window in the OVER clause');
        }
      }
    }
    return { piece: { text }, end: k };
  }

  private identText(t: Token): string {
    if (!t.quoted) return t.text;
    if (t.value.includes('`') || t.value.includes('\\') || t.value.trim() !== t.value || t.value === '') {
      throw unsupported(`the identifier "${t.value}" (Impala identifiers cannot contain backticks or backslashes, nor start or end with blanks)`);
    }
    return `\`${t.value}\``;
  }

  /** PostgreSQL function names Impala spells differently. */
  private functionName(name: string, quoted: boolean): string {
    if (quoted) return name;
    switch (name.toLowerCase()) {
      case 'strpos':
        return 'instr';
      case 'string_agg':
        return 'group_concat';
      default:
        return name;
    }
  }

  /** A call's arguments; string_agg(… ORDER BY …) is refused (group_concat has no order). */
  private args(fn: string, open: number, close: number): string {
    if (fn === 'group_concat' && this.topLevel(open + 1, close, (t) => isWord(t, 'order')).length > 0) throw unsupported('string_agg(… ORDER BY …)');
    if (fn.toLowerCase() === 'date_part') {
      const first = this.toks[open + 1];
      if (first?.kind === 'string' && isOp(this.toks[open + 2], ',')) {
        return `'${this.extractUnitCheck(first.value)}'${this.gap(open + 1, open + 2)},${this.gap(open + 2, open + 3)}${this.emit(open + 3, close)}`;
      }
    }
    return this.inner(open + 1, close);
  }

  private extractUnitCheck(field: string): string {
    const f = field.toLowerCase();
    if (!['year', 'quarter', 'month', 'day', 'hour', 'minute'].includes(f)) {
      throw unsupported(`date_part('${field}', …)`, 'Impala computes only year, quarter, month, day, hour and minute the same way');
    }
    return f;
  }

  /** `type 'literal'` at `i`, or null when the word is not followed by a string (then it is a name). */
  private typedLiteralAt(i: number, hi: number): { piece: Omit<Piece, 'gap' | 'kind'>; end: number } | null {
    const t = this.toks[i]!;
    // interval '1' day: the unit after the string.
    if (t.value === 'interval' && this.toks[i + 1]?.kind === 'string') {
      const lit = this.toks[i + 1]!;
      const unit = this.toks[i + 2];
      const units = ['year', 'month', 'day', 'hour', 'minute', 'second'];
      if (unit !== undefined && unit.kind === 'ident' && !unit.quoted && units.includes(unit.value)) {
        if (isWord(this.toks[i + 3], 'to')) throw unsupported(`interval '…' ${unit.value} TO …`);
        const n = lit.value.trim();
        if (!/^[+-]?\d+$/.test(n)) throw unsupported(`interval '${lit.value}' ${unit.value}`, 'Impala intervals take a whole number of one unit');
        return { piece: { text: `INTERVAL ${Number(n)} ${unit.value.toUpperCase()}` }, end: i + 3 };
      }
    }
    let type: PgType;
    try {
      type = this.type(i, hi);
    } catch {
      return null;
    }
    const lit = this.toks[type.end];
    if (lit === undefined || lit.kind !== 'string' || type.end >= hi) return null;
    if (type.name === 'timestamptz' || type.name === 'time' || type.name === 'timetz') impalaType(type);
    return { piece: { text: this.typedLiteral(lit.value, type) }, end: type.end + 1 };
  }

  /** Functions with PostgreSQL's special syntax: CAST, EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY. */
  private special(w: string, i: number, hi: number): { piece: Omit<Piece, 'gap' | 'kind'>; end: number } | null {
    const open = i + 1;
    switch (w) {
      case 'cast': {
        const close = this.close(open, hi);
        const as = this.topLevel(open + 1, close, (t) => isWord(t, 'as'));
        if (as.length === 0) throw new GatewayError('SYNTAX_ERROR', 'syntax error: CAST needs AS');
        const at = as[as.length - 1]!;
        const type = this.type(at + 1, close);
        if (type.end !== close) throw new GatewayError('SYNTAX_ERROR', `syntax error in the type of ${this.sql.slice(this.toks[i]!.start, this.toks[close]!.end)}`);
        const exprTokens = at - (open + 1);
        const only = this.toks[open + 1]!;
        if (exprTokens === 1 && only.kind === 'string') return { piece: { text: this.typedLiteral(only.value, type) }, end: close + 1 };
        return { piece: { text: this.cast({ text: this.emit(open + 1, at) }, type) }, end: close + 1 };
      }
      case 'extract': {
        const close = this.close(open, hi);
        const from = this.topLevel(open + 1, close, (t) => isWord(t, 'from'));
        if (from.length === 0 || from[0] !== open + 2) return null; // extract(x, 'unit'): Impala's own form
        const fieldTok = this.toks[open + 1]!;
        const field = fieldTok.kind === 'string' ? fieldTok.value.toLowerCase() : fieldTok.value;
        const expr = this.emit(from[0]! + 1, close);
        return { piece: { text: this.extract(field, expr) }, end: close + 1 };
      }
      case 'substring': {
        const close = this.close(open, hi);
        const froms = this.topLevel(open + 1, close, (t) => isWord(t, 'from'));
        const fors = this.topLevel(open + 1, close, (t) => isWord(t, 'for'));
        const commas = this.topLevel(open + 1, close, (t) => isOp(t, ','));
        let s: string;
        let start: { text: string; literal: number | null } | null = null;
        let count: string | null = null;
        const part = (lo: number, hi2: number): { text: string; literal: number | null } => ({
          text: this.emit(lo, hi2),
          literal: hi2 === lo + 1 && isIntLiteral(this.toks[lo]) ? Number(this.toks[lo]!.text) : null,
        });
        if (froms.length > 0 || fors.length > 0) {
          const f = froms[0];
          const g = fors[0];
          const sEnd = Math.min(f ?? close, g ?? close);
          s = this.emit(open + 1, sEnd);
          if (f !== undefined) start = part(f + 1, g !== undefined && g > f ? g : close);
          if (g !== undefined) count = this.emit(g + 1, f !== undefined && f > g ? f : close);
        } else if (commas.length === 1 || commas.length === 2) {
          s = this.emit(open + 1, commas[0]!);
          start = part(commas[0]! + 1, commas[1] ?? close);
          if (commas[1] !== undefined) count = this.emit(commas[1] + 1, close);
        } else return null;
        return { piece: { text: substring(s, start, count) }, end: close + 1 };
      }
      case 'position': {
        const close = this.close(open, hi);
        const ins = this.topLevel(open + 1, close, (t) => isWord(t, 'in'));
        if (ins.length === 0) return null;
        const needle = this.emit(open + 1, ins[0]!);
        const hay = this.emit(ins[0]! + 1, close);
        return { piece: { text: `instr(${hay}, ${needle})` }, end: close + 1 };
      }
      case 'trim': {
        const close = this.close(open, hi);
        let k = open + 1;
        let fn = 'btrim';
        const dir = this.toks[k];
        if (isWord(dir, 'both') || isWord(dir, 'leading') || isWord(dir, 'trailing')) {
          fn = dir!.value === 'leading' ? 'ltrim' : dir!.value === 'trailing' ? 'rtrim' : 'btrim';
          k++;
        }
        const froms = this.topLevel(k, close, (t) => isWord(t, 'from'));
        if (froms.length === 0) {
          if (k === open + 1) return null; // trim(s) or trim(s, chars): as written
          return { piece: { text: `${fn}(${this.emit(k, close)})` }, end: close + 1 };
        }
        const f = froms[0]!;
        const s = this.emit(f + 1, close);
        const chars = f > k ? this.emit(k, f) : null;
        return { piece: { text: chars === null ? `${fn}(${s})` : `${fn}(${s}, ${chars})` }, end: close + 1 };
      }
      case 'overlay':
        throw unsupported('overlay(… PLACING …)');
      default:
        return null;
    }
  }

  private extract(field: string, expr: string): string {
    switch (field) {
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
        return `${field}(${expr})`;
      case 'quarter':
        return `extract(${expr}, 'quarter')`;
      case 'dow':
        return `(dayofweek(${expr}) - 1)`;
      case 'isodow':
        return `(pmod(dayofweek(${expr}) + 5, 7) + 1)`;
      case 'doy':
        return `dayofyear(${expr})`;
      case 'week':
        return `weekofyear(${expr})`;
      default:
        throw unsupported(`extract(${field} FROM …)`, field === 'second' ? 'PostgreSQL includes the fraction; use second(x) for whole seconds' : 'Impala computes year, quarter, month, day, hour, minute, dow, isodow, doy and week the same way');
    }
  }
}

/**
 * PostgreSQL's substring(s FROM a FOR n): characters a .. a+n-1, where positions before 1 count but
 * return nothing. Impala's substr counts a start below 1 from the end, so a start that is not a
 * positive integer literal becomes greatest(a, 1) with the count shortened by what lies before 1.
 */
function substring(s: string, start: { text: string; literal: number | null } | null, count: string | null): string {
  if (start === null) return count === null ? s : `substr(${s}, 1, ${count})`;
  if (start.literal !== null && start.literal >= 1) return count === null ? `substr(${s}, ${start.text})` : `substr(${s}, ${start.text}, ${count})`;
  if (count === null) return `substr(${s}, greatest(${start.text}, 1))`;
  return `substr(${s}, greatest(${start.text}, 1), greatest((${count}) + least(${start.text}, 1) - 1, 0))`;
}

/**
 * Impala SQL for a PostgreSQL-flavoured statement (see the table above). Throws 42601 for what
 * PostgreSQL's lexer rejects and 0A000 for what Impala cannot run the same way.
 */
export function toImpala(sql: string): string {
  const tokens = lex(sql);
  if (tokens.length === 0) return sql;
  const t = new Translator(sql, tokens);
  return t.emitAll();
}

/**
 * Whitespace and comments between tokens, for Impala: PostgreSQL's block comments nest, Impala's do
 * not, so inner comment delimiters are blanked out.
 */
function flattenComments(text: string): string {
  if (!text.includes('/*')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      const stop = nl < 0 ? text.length : nl;
      out += text.slice(i, stop);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      let j = i;
      let body = '';
      while (j < text.length) {
        if (text.startsWith('/*', j)) {
          depth++;
          if (depth > 1) body += '  ';
          j += 2;
        } else if (text.startsWith('*/', j)) {
          depth--;
          j += 2;
          if (depth === 0) break;
          body += '  ';
        } else body += text[j++];
      }
      out += `/*${body}*/`;
      i = j;
    } else out += text[i++];
  }
  return out;
}
