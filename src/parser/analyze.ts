/**
 * Query analysis for routing and scan-cost estimates: which tables a statement reads, which columns of each
 * reference it needs, and which predicates can prune each reference's partitions or Parquet row groups.
 *
 * The statement is lexed with our PostgreSQL-exact lexer, rebuilt for node-sql-parser with placeholders
 * for literals and quoted identifiers and a few targeted rewrites (analysis/prepare.ts), parsed, and walked
 * (analysis/walk.ts). The relations the walk found are checked against a token-level scan of the original
 * text (analysis/fallback.ts); when the parser fails, misreads the statement (a keyword taken for an alias,
 * a different list of relations) or the statement is not a query, the token-level scan alone answers, with
 * every column of every table, no predicates, and `exact: false`: over-estimating is safe, missing a table
 * is not.
 */
import pkg from 'node-sql-parser';
import { lex, positionAt, type Token } from './lexer.ts';
import { GatewayError } from '../errors/index.ts';
import { splitStatements, type SplitStatement } from './split.ts';
import { findRelationTokens, type RawRef } from './analysis/fallback.ts';
import { prepare } from './analysis/prepare.ts';
import { resolveRelation } from './analysis/resolve.ts';
import { Analyzer, type WalkResult } from './analysis/walk.ts';
import type { Analysis, AnalyzeOptions, TableRead } from './analysis/types.ts';

export type { Analysis, AnalyzeOptions, TableRead, TableColumns, Predicate, ComparisonOp, RelationRef } from './analysis/types.ts';

const { Parser } = pkg;
let parser: InstanceType<typeof Parser> | null = null;
const PARSE_OPTIONS = { database: 'postgresql' };

/**
 * Analyses `sql` (one statement, or several separated by ';', whose analyses are concatenated). Throws the
 * lexer's GatewayError on text PostgreSQL could not even tokenize (an unterminated string …); never throws
 * for a statement the parser rejects.
 */
export function analyzeQuery(sql: string, opts: AnalyzeOptions): Analysis {
  const { statements } = splitStatements(sql);
  const out: Analysis = { exact: true, tables: [], ctes: [], unknownTables: [], catalog: [], notes: [] };
  for (const st of statements) {
    const a = analyzeStatement(st, opts);
    out.exact &&= a.exact;
    out.tables.push(...a.tables);
    out.ctes.push(...a.ctes);
    out.unknownTables.push(...a.unknownTables);
    out.catalog.push(...a.catalog);
    for (const n of a.notes) if (!out.notes.includes(n)) out.notes.push(n);
  }
  return out;
}

/**
 * Parentheses deeper than this are analysed by the token scan only: node-sql-parser backtracks
 * exponentially on a syntax error inside nested parentheses (measured: 8 levels ~0.16 s, 12 ~6 s, 14
 * ~20 s, during which every session waits), and no real query comes near (TPC-H's deepest is 3).
 */
const MAX_PARSED_DEPTH = 8;
/** Deeper than this is refused (the token scan recurses per level), as PostgreSQL refuses with 54001. */
const MAX_DEPTH = 200;

/** Refuses unbalanced or absurdly deep parentheses before any parser sees them; returns the depth. */
function checkParentheses(tokens: readonly Token[], st: SplitStatement): number {
  let depth = 0;
  let max = 0;
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '(') {
      max = Math.max(max, ++depth);
      if (depth > MAX_DEPTH) throw new GatewayError('STATEMENT_TOO_COMPLEX', `statement is nested more than ${MAX_DEPTH} levels deep`, { hint: 'Simplify the expression.' });
    } else if (t.text === ')' && --depth < 0) {
      throw new GatewayError('SYNTAX_ERROR', 'syntax error at or near ")"', { position: positionAt(st.text, t.start) + st.startPosition - 1 });
    }
  }
  if (depth > 0) throw new GatewayError('SYNTAX_ERROR', 'syntax error at end of input', { position: st.text.length + st.startPosition });
  return max;
}

function analyzeStatement(st: SplitStatement, opts: AnalyzeOptions): Analysis {
  const tokens = lex(st.text);
  const depth = checkParentheses(tokens, st);
  const scanned = findRelationTokens(tokens);
  const position = (offset: number): number => positionAt(st.text, offset) + st.startPosition - 1;
  if (depth > MAX_PARSED_DEPTH) return fallback(scanned.refs, scanned.ctes, opts, position, `parse: nested more than ${MAX_PARSED_DEPTH} levels deep: analysed by tokens`, st.start);
  let walked: WalkResult;
  try {
    const prep = prepare(tokens);
    parser ??= new Parser();
    const ast = parser.astify(prep.text, PARSE_OPTIONS);
    walked = new Analyzer(prep, opts, (schema, name) => resolveRelation(schema, name, opts.searchPath, opts.catalog)).run(ast);
  } catch (e) {
    return fallback(scanned.refs, scanned.ctes, opts, position, `parse: ${firstLine(e)}`, st.start);
  }
  // The walk must have seen the relations the token scan sees, in the same order.
  const written = [...walked.written].sort((a, b) => a.seq - b.seq);
  const key = (schema: string | null, name: string): string => `${schema ?? ''}\u0000${name}`;
  const walkedKeys = written.map((w) => key(w.schema, w.name));
  const scannedKeys = scanned.refs.map((r) => key(r.schema, r.name));
  if (walkedKeys.join('\u0001') !== scannedKeys.join('\u0001')) {
    return fallback(scanned.refs, scanned.ctes, opts, position, 'parse: the parser and the token scan disagree on the relations', st.start);
  }
  const positionOfSeq = new Map<number, number>();
  const unqualifiedAtSeq = new Map<number, number>();
  written.forEach((w, i) => {
    const ref = scanned.refs[i]!;
    positionOfSeq.set(w.seq, position(ref.start));
    if (ref.schema === null) unqualifiedAtSeq.set(w.seq, st.start + ref.start);
  });
  const tables: TableRead[] = [...walked.tables]
    .sort((a, b) => a.seq - b.seq)
    .map((t) => {
      const read: TableRead = { schema: t.schema, name: t.name, columns: [...t.columns].sort(), predicates: t.predicates, position: positionOfSeq.get(t.seq) ?? 0 };
      const at = unqualifiedAtSeq.get(t.seq);
      if (at !== undefined) read.unqualifiedAt = at;
      return read;
    });
  return {
    exact: walked.exact,
    tables,
    ctes: walked.ctes,
    unknownTables: walked.unknown
      .sort((a, b) => a.seq - b.seq)
      .map((u) => ({ ...(u.schema !== null && { schema: u.schema }), name: u.name, position: positionOfSeq.get(u.seq) ?? 0 })),
    catalog: walked.catalog.sort((a, b) => a.seq - b.seq).map((c) => ({ schema: c.schema, name: c.name, position: positionOfSeq.get(c.seq) ?? 0 })),
    notes: walked.notes,
  };
}

/** Every relation the token scan found: all columns of each table, no predicates. */
function fallback(refs: readonly RawRef[], ctes: string[], opts: AnalyzeOptions, position: (offset: number) => number, note: string, textStart: number): Analysis {
  const out: Analysis = { exact: false, tables: [], ctes: [...ctes], unknownTables: [], catalog: [], notes: [note] };
  for (const r of refs) {
    const rel = resolveRelation(r.schema, r.name, opts.searchPath, opts.catalog);
    const pos = position(r.start);
    if (rel.kind === 'table') {
      const read: TableRead = { schema: rel.schema!, name: rel.name, columns: [...new Set(rel.columns!)].sort(), predicates: [], position: pos };
      if (r.schema === null) read.unqualifiedAt = textStart + r.start;
      out.tables.push(read);
    }
    else if (rel.kind === 'catalog') out.catalog.push({ schema: rel.schema!, name: rel.name, position: pos });
    else out.unknownTables.push({ ...(r.schema !== null && { schema: r.schema }), name: r.name, position: pos });
  }
  return out;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const line = m.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
