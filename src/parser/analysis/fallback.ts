/**
 * Token-level discovery of every relation a statement names in a FROM list, for statements node-sql-parser
 * cannot parse (and as a cross-check of the ones it can). It does not know the grammar; it knows where
 * PostgreSQL's grammar puts relation names:
 *
 * - after FROM (in a range that has a SELECT, so `extract(year FROM d)`, `trim(… FROM s)` and
 *   `IS DISTINCT FROM` do not count), after JOIN (of any kind), and after a comma while in a FROM list
 *   (an ON or USING condition does not end the list; WHERE, GROUP, HAVING, WINDOW, ORDER, LIMIT, OFFSET,
 *   FETCH, FOR, set operators and a closing parenthesis do);
 * - `[LATERAL] [ONLY] name[.name[.name]]` there is a relation unless a '(' follows (a function: its
 *   arguments are scanned like any expression, so subqueries in them are found); `ROWS FROM (…)` too;
 * - a parenthesised group in item position is a subquery when it starts (after more '(') with SELECT,
 *   WITH, VALUES or TABLE, otherwise a parenthesised join, scanned as a FROM list;
 * - every other parenthesised group is scanned recursively, so subqueries anywhere (EXISTS, IN, scalar,
 *   ARRAY(…), LATERAL, CTE bodies) are found;
 * - `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (body)`: the name is a CTE, not a relation, in
 *   the rest of that query and in the bodies of the CTEs after it (in every body, itself included, with
 *   RECURSIVE); a qualified name is never a CTE. `TABLE name` as a statement names a relation.
 */
import type { Token } from '../lexer.ts';
import { closeIndex } from './prepare.ts';

export interface RawRef {
  /** Qualifier as written (case-folded unless quoted): catalog.schema.name keeps the schema. */
  readonly schema: string | null;
  readonly name: string;
  /** UTF-16 offset of the reference's first token. */
  readonly start: number;
}

const isKw = (t: Token | undefined, word: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
const isP = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

const FROM_END = new Set(['where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch', 'for', 'union', 'intersect', 'except', 'returning', 'into']);
const QUERY_START = new Set(['select', 'with', 'values', 'table']);

interface State {
  sawSelect: boolean;
  inFrom: boolean;
  expectItem: boolean;
}

export interface RelationTokens {
  /** Relation references, in text order. */
  readonly refs: RawRef[];
  /** Names of the CTEs defined anywhere in the statement, in text order. */
  readonly ctes: string[];
}

export function findRelationTokens(tokens: readonly Token[]): RelationTokens {
  const refs: RawRef[] = [];
  const cteNames: string[] = [];
  const closes = new Int32Array(tokens.length).fill(-1);
  {
    const stack: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind !== 'punct') continue;
      if (t.text === '(' || t.text === '[') stack.push(i);
      else if (t.text === ')' || t.text === ']') {
        const o = stack.pop();
        if (o !== undefined) closes[o] = i;
      }
    }
  }
  const close = (i: number): number => {
    const c = closes[i]!;
    return c < 0 ? tokens.length : c;
  };

  /** First token inside a run of '(' starting at i. */
  const firstInside = (i: number): Token | undefined => {
    let k = i;
    while (isP(tokens[k], '(')) k++;
    return tokens[k];
  };

  const scan = (from: number, to: number, outer: ReadonlySet<string>, init: State): void => {
    let ctes = outer;
    const st: State = { ...init };
    let k = from;
    if (isKw(tokens[k], 'table') && tokens[k + 1]?.kind === 'ident') {
      st.sawSelect = true;
      st.inFrom = true;
      st.expectItem = true;
      k++;
    }
    while (k < to) {
      const t = tokens[k]!;
      if (isP(t, '(') || isP(t, '[')) {
        const c = Math.min(close(k), to);
        if (st.expectItem && isP(t, '(')) {
          const inner = firstInside(k + 1);
          if (inner !== undefined && inner.kind === 'ident' && !inner.quoted && QUERY_START.has(inner.value)) {
            scan(k + 1, c, ctes, { sawSelect: false, inFrom: false, expectItem: false });
          } else {
            scan(k + 1, c, ctes, { sawSelect: true, inFrom: true, expectItem: true });
          }
          st.expectItem = false;
        } else if (isKw(tokens[k - 1], 'using') && st.inFrom) {
          // USING (columns)
        } else {
          scan(k + 1, c, ctes, { sawSelect: false, inFrom: false, expectItem: false });
        }
        k = c + 1;
        continue;
      }
      if (t.kind === 'ident' && !t.quoted) {
        const v = t.value;
        if (v === 'with' && (k === from || !st.inFrom)) {
          const end = withClause(k, to, ctes);
          if (end !== null) {
            ctes = end.ctes;
            k = end.next;
            continue;
          }
        }
        if (v === 'select') {
          st.sawSelect = true;
          st.inFrom = false;
          st.expectItem = false;
          k++;
          continue;
        }
        if (v === 'from' && st.sawSelect && !isKw(tokens[k - 1], 'distinct')) {
          st.inFrom = true;
          st.expectItem = true;
          k++;
          continue;
        }
        if (st.inFrom) {
          if (v === 'join') {
            st.expectItem = true;
            k++;
            continue;
          }
          if (FROM_END.has(v)) {
            st.inFrom = false;
            st.expectItem = false;
            k++;
            continue;
          }
          if (v === 'on' || v === 'using') {
            st.expectItem = false;
            k++;
            continue;
          }
        }
        if (st.expectItem) {
          if (v === 'lateral' || v === 'only') {
            k++;
            continue;
          }
          if (v === 'rows' && isKw(tokens[k + 1], 'from') && isP(tokens[k + 2], '(')) {
            const c = Math.min(close(k + 2), to);
            scan(k + 3, c, ctes, { sawSelect: false, inFrom: false, expectItem: false });
            st.expectItem = false;
            k = c + 1;
            continue;
          }
        }
      }
      if (st.expectItem && t.kind === 'ident') {
        // [catalog.]schema.name or name; a function when '(' follows.
        const parts: Token[] = [t];
        let j = k + 1;
        while (isP(tokens[j], '.') && tokens[j + 1]?.kind === 'ident') {
          parts.push(tokens[j + 1]!);
          j += 2;
        }
        st.expectItem = false;
        if (isP(tokens[j], '(')) {
          k = j;
          continue; // function arguments: scanned as an expression group
        }
        const name = parts[parts.length - 1]!.value;
        const schema = parts.length >= 2 ? parts[parts.length - 2]!.value : null;
        if (!(schema === null && ctes.has(name))) refs.push({ schema, name, start: t.start });
        k = j;
        continue;
      }
      if (isP(t, ',') && st.inFrom) st.expectItem = true;
      k++;
    }
  };

  /** A WITH clause at `k`: scans the CTE bodies, returns the names visible after it and where the query goes on. */
  const withClause = (k: number, to: number, outer: ReadonlySet<string>): { ctes: Set<string>; next: number } | null => {
    let j = k + 1;
    const recursive = isKw(tokens[j], 'recursive');
    if (recursive) j++;
    const defs: Array<{ name: string; open: number; close: number }> = [];
    for (;;) {
      const nameTok = tokens[j];
      if (nameTok === undefined || nameTok.kind !== 'ident') return null;
      j++;
      if (isP(tokens[j], '(')) j = close(j) + 1;
      if (!isKw(tokens[j], 'as')) return null;
      j++;
      if (isKw(tokens[j], 'not')) j++;
      if (isKw(tokens[j], 'materialized')) j++;
      if (!isP(tokens[j], '(')) return null;
      const c = Math.min(close(j), to);
      defs.push({ name: nameTok.value, open: j, close: c });
      j = c + 1;
      if (isP(tokens[j], ',')) {
        j++;
        continue;
      }
      break;
    }
    const all = new Set(outer);
    for (const d of defs) {
      all.add(d.name);
      cteNames.push(d.name);
    }
    const visible = new Set(outer);
    for (const d of defs) {
      if (recursive) scan(d.open + 1, d.close, all, { sawSelect: false, inFrom: false, expectItem: false });
      else scan(d.open + 1, d.close, new Set(visible), { sawSelect: false, inFrom: false, expectItem: false });
      visible.add(d.name);
    }
    return { ctes: all, next: j };
  };

  scan(0, tokens.length, new Set(), { sawSelect: false, inFrom: false, expectItem: false });
  return { refs, ctes: cteNames };
}
