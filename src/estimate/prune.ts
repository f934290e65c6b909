/**
 * Predicates against hive partition values (exact: DuckDB evaluates the filter on each file's constant
 * partition values) and against row-group min/max statistics (the checks DuckDB 1.5's Parquet reader makes,
 * measured: `<>` never prunes, IN prunes by the range of its values, IS NULL by a zero null count).
 */
import type { Predicate } from '../parser/analysis/types.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { coerceLiteral, compare, type ColumnType, type Comparable } from './values.ts';

/** A predicate with its literal(s) in the column's comparable form; undefined members could not be converted. */
export type TypedPredicate =
  | { op: '=' | '<' | '<=' | '>' | '>=' | '<>'; value: Comparable | undefined }
  | { op: 'between'; low: Comparable | undefined; high: Comparable | undefined }
  | { op: 'in'; values: Array<Comparable | undefined> }
  | { op: 'is null' | 'is not null' };

export function typePredicate(p: Predicate, col: ColumnType): TypedPredicate {
  switch (p.op) {
    case 'is null':
    case 'is not null':
      return { op: p.op };
    case 'between':
      return { op: 'between', low: coerceLiteral(p.low, p.type, col), high: coerceLiteral(p.high, p.type, col) };
    case 'in':
      // DuckDB turns a one-value IN list into an equality (which also consults bloom filters).
      if (p.values.length === 1) return { op: '=', value: coerceLiteral(p.values[0]!, p.type, col) };
      return { op: 'in', values: p.values.map((v) => coerceLiteral(v, p.type, col)) };
    default:
      return { op: p.op, value: coerceLiteral(p.value, p.type, col) };
  }
}

/** Can the predicate prune anything by statistics at all (all literals converted)? */
export function usableForStats(t: TypedPredicate): boolean {
  switch (t.op) {
    case 'is null':
    case 'is not null':
      return true;
    case '<>':
      return false;
    case 'between':
      return t.low !== undefined && t.high !== undefined;
    case 'in':
      return t.values.length > 0 && t.values.every((v) => v !== undefined);
    default:
      return t.value !== undefined;
  }
}

/**
 * Does the partition value (null = the NULL partition, undefined = unparseable) keep its file? Unknown
 * comparisons keep it.
 */
export function partitionKeeps(t: TypedPredicate, value: Comparable | null | undefined): boolean {
  if (value === undefined) return true;
  if (t.op === 'is null') return value === null;
  if (t.op === 'is not null') return value !== null;
  if (value === null) return false;
  const cmp = (v: Comparable | undefined): number | undefined => (v === undefined ? undefined : compare(value, v));
  switch (t.op) {
    case 'between': {
      const lo = cmp(t.low);
      const hi = cmp(t.high);
      if (lo === undefined || hi === undefined) return true;
      return lo >= 0 && hi <= 0;
    }
    case 'in': {
      let unknown = false;
      for (const v of t.values) {
        const c = cmp(v);
        if (c === undefined) unknown = true;
        else if (c === 0) return true;
      }
      return unknown;
    }
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const c = cmp(t.value);
      if (c === undefined) return true;
      switch (t.op) {
        case '=':
          return c === 0;
        case '<>':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
    }
  }
  return true;
}

export interface RowGroupStats {
  min: Comparable | undefined;
  max: Comparable | undefined;
  nullCount: number | undefined;
  numValues: number;
}

/** Do the statistics prove that no row of the row group satisfies the predicate? */
export function statsExclude(t: TypedPredicate, s: RowGroupStats): boolean {
  if (t.op === 'is null') return s.nullCount === 0;
  if (t.op === 'is not null') return s.nullCount !== undefined && s.numValues > 0 && s.nullCount >= s.numValues;
  if (!usableForStats(t) || s.min === undefined || s.max === undefined) return false;
  const lt = (a: Comparable, b: Comparable): boolean => compare(a, b) === -1;
  const le = (a: Comparable, b: Comparable): boolean => {
    const c = compare(a, b);
    return c === -1 || c === 0;
  };
  const { min, max } = s;
  switch (t.op) {
    case '=':
      return lt(t.value!, min) || lt(max, t.value!);
    case '<':
      return le(t.value!, min);
    case '<=':
      return lt(t.value!, min);
    case '>':
      return le(max, t.value!);
    case '>=':
      return lt(max, t.value!);
    case 'between':
      return lt(t.high!, min) || lt(max, t.low!);
    case 'in': {
      const vs = t.values as Comparable[];
      let lo = vs[0]!;
      let hi = vs[0]!;
      for (const v of vs) {
        if (compare(v, lo) === -1) lo = v;
        if (compare(v, hi) === 1) hi = v;
      }
      return lt(hi, min) || lt(max, lo);
    }
    default:
      return false;
  }
}

function literal(v: PgValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** The predicate in words, for `pruned` and `notes`. */
export function describePredicate(p: Predicate): string {
  switch (p.op) {
    case 'is null':
    case 'is not null':
      return `${p.column} ${p.op}`;
    case 'between':
      return `${p.column} between ${literal(p.low)} and ${literal(p.high)}`;
    case 'in':
      return `${p.column} in (${p.values.slice(0, 5).map(literal).join(', ')}${p.values.length > 5 ? ', …' : ''})`;
    default:
      return `${p.column} ${p.op} ${literal(p.value)}`;
  }
}
