/** Mutations of SQL text for the SQL fuzzer; each returns the mutated statement and what was done. */
import type { Rand } from './mode.ts';

const TOKEN = /\s+|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\d+(?:\.\d+)?(?:e[+-]?\d+)?|[A-Za-z_][A-Za-z0-9_$]*|\$\d+|::|<=|>=|<>|!=|\|\||--[^\n]*|\/\*|\*\/|[\s\S]/gi;
const KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'HAVING', 'LIMIT', 'OFFSET', 'JOIN', 'LEFT JOIN', 'ON', 'USING', 'UNION', 'UNION ALL',
  'INTERSECT', 'EXCEPT', 'WITH', 'AS', 'AND', 'OR', 'NOT', 'NULL', 'IS', 'IN', 'EXISTS', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'DISTINCT',
  'OVER', 'PARTITION BY', 'WINDOW', 'LATERAL', 'RECURSIVE', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'CAST', '::', 'COLLATE', 'FILTER',
  'FETCH FIRST', 'FOR UPDATE', 'TABLESAMPLE', 'ILIKE', 'SIMILAR TO', 'BETWEEN', 'ANY', 'ALL', 'ARRAY', 'ROW', '*', ',', ';', '(', ')',
];
const LITERALS = [
  '0', '-1', '2147483648', '-9223372036854775809', '1e400', '0.0000000000000000000001', "'NaN'::float8", "'infinity'::date", "''", "'x'",
  "'\u00e9\u{1f600}'", "'2024-02-30'::date", "'a'::int", 'NULL', 'TRUE', "E'\\\\x00'", "'" + 'z'.repeat(5000) + "'", '$1', '$99', '1/0',
];

export function tokens(sql: string): string[] {
  return sql.match(TOKEN) ?? [];
}

function nested(depth: number, kind: number): string {
  if (kind === 0) return `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`;
  if (kind === 1) return `${'SELECT * FROM ('.repeat(depth)}SELECT 1 AS a${') t'.repeat(depth)}`;
  if (kind === 2) return `SELECT ${Array.from({ length: depth }, () => 'CASE WHEN 1 = 1 THEN').join(' ')} 1 ${'END '.repeat(depth)}`;
  return `SELECT 1 WHERE ${Array.from({ length: depth }, (_, i) => `${i} = ${i}`).join(' AND ')}`;
}

export function mutateSql(r: Rand, sql: string): { sql: string; how: string } {
  const t = tokens(sql);
  const words = t.map((x, i) => [x, i] as const).filter(([x]) => !/^\s+$/.test(x));
  const at = (): number => (words.length ? words[r.int(words.length)]![1] : 0);
  const join = (xs: string[]): string => xs.join('');
  switch (r.int(14)) {
    case 0: {
      const i = at();
      return { sql: join(t.filter((_, j) => j !== i)), how: `deleted token ${JSON.stringify(t[i])}` };
    }
    case 1: {
      const i = at();
      const c = [...t];
      c.splice(i, 0, t[i] ?? '', ' ');
      return { sql: join(c), how: `duplicated token ${JSON.stringify(t[i])}` };
    }
    case 2: {
      const i = at();
      const j = at();
      const c = [...t];
      [c[i], c[j]] = [c[j] ?? '', c[i] ?? ''];
      return { sql: join(c), how: `swapped tokens ${i} and ${j}` };
    }
    case 3: {
      const c = [...t];
      const k = r.pick(KEYWORDS);
      c.splice(at(), 0, ` ${k} `);
      return { sql: join(c), how: `inserted keyword ${k}` };
    }
    case 4: {
      const lits = t.map((x, i) => [x, i] as const).filter(([x]) => /^(\d|')/.test(x));
      const lit = r.pick(LITERALS);
      const c = [...t];
      const i = lits.length ? lits[r.int(lits.length)]![1] : at();
      c[i] = lit;
      return { sql: join(c), how: `literal ${JSON.stringify(t[i])} -> ${lit.slice(0, 20)}` };
    }
    case 5: {
      const n = r.int(sql.length);
      return { sql: sql.slice(0, n), how: `truncated at ${n}` };
    }
    case 6: {
      const c = [...t];
      const ch = r.pick(['(', ')', "'", '"', '$$', '/*', '[', 'E\'', '\\']);
      c.splice(at(), 0, ch);
      return { sql: join(c), how: `inserted unbalanced ${ch}` };
    }
    case 7: {
      const ident = r.pick(['a', 'é', '"q', 'x_']).padEnd(r.pick([64, 1000, 100_000]), 'a');
      const c = [...t];
      const ids = t.map((x, i) => [x, i] as const).filter(([x]) => /^[a-z_]/i.test(x));
      const i = ids.length ? ids[r.int(ids.length)]![1] : at();
      c[i] = ident;
      return { sql: join(c), how: `identifier of ${ident.length} characters` };
    }
    case 8: {
      const depth = r.pick([10, 100, 1000, 5000]);
      const kind = r.int(4);
      return { sql: nested(depth, kind), how: `nesting ${depth} deep (kind ${kind})` };
    }
    case 9: {
      // Wrap the statement as a subquery, several times over.
      const n = 1 + r.int(20);
      let s = sql;
      for (let i = 0; i < n; i++) s = `SELECT * FROM (${s}) AS w${i}`;
      return { sql: s, how: `wrapped ${n} times` };
    }
    case 10: {
      const i = r.int(Math.max(1, sql.length));
      const ch = String.fromCharCode(r.pick([0x01, 0x7f, 0xa0, 0x2028, 0xfeff, 0xd800 + r.int(0x400), 32 + r.int(95)]));
      return { sql: sql.slice(0, i) + ch + sql.slice(i + 1), how: `character ${i} -> U+${ch.charCodeAt(0).toString(16)}` };
    }
    case 11:
      return { sql: `${sql}; ${sql}`, how: 'doubled (two statements)' };
    case 12: {
      const c = [...t];
      const lits = t.map((x, i) => [x, i] as const).filter(([x]) => /^\d/.test(x));
      const i = lits.length ? lits[r.int(lits.length)]![1] : at();
      c[i] = `$${1 + r.int(3)}`;
      return { sql: join(c), how: `token ${i} -> parameter` };
    }
    default: {
      // Two mutations at once.
      const first = mutateSql(r, sql);
      const second = mutateSql(r, first.sql);
      return { sql: second.sql, how: `${first.how}; ${second.how}` };
    }
  }
}
