import { GatewayError } from '../errors/index.ts';
import { lex, quoteLiteral, type Predicate } from '../parser/index.ts';
import { DEFAULT_OUTPUT_SETTINGS, textEncoder, typeInfoByName } from '../pgtypes/index.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { partSql, type Compile, type RoutedQuery } from './query-router.ts';

/**
 * `EXPLAIN [VERBOSE] query` / `EXPLAIN (options) query`: the statement after the options, or null if not
 * EXPLAIN. `EXPLAIN (COST) query` is a dry run: the estimate and its price, nothing run or billed.
 */
export function explainTarget(sql: string): { query: string; cost: boolean } | null {
  const tokens = lex(sql);
  if (tokens[0]?.kind !== 'ident' || tokens[0].quoted || tokens[0].value !== 'explain') return null;
  let i = 1;
  const options: string[] = [];
  if (tokens[i]?.text === '(') {
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.text === '(') depth++;
      else if (t.text === ')' && --depth === 0) {
        i++;
        break;
      } else if (depth === 1 && t.kind === 'ident') options.push(t.value);
    }
  } else {
    while (tokens[i]?.kind === 'ident' && ['analyze', 'analyse', 'verbose'].includes(tokens[i]!.value)) options.push(tokens[i++]!.value);
  }
  if (options.includes('analyze') || options.includes('analyse'))
    throw new GatewayError('FEATURE_NOT_SUPPORTED', 'EXPLAIN ANALYZE is not supported by tollgate', {
      hint: 'EXPLAIN without ANALYZE shows where the query runs and the SQL each engine receives.',
    });
  const start = tokens[i]?.start;
  if (start === undefined) throw new GatewayError('SYNTAX_ERROR', 'syntax error at end of input', { position: Array.from(sql).length + 1 });
  return { query: sql.slice(start), cost: options.includes('cost') };
}

function literal(v: PgValue, type?: string): string {
  if (v === null) return 'NULL';
  const text = typeof v === 'string' ? v : textEncoder(typeOid(type), DEFAULT_OUTPUT_SETTINGS)(v);
  if (type && BARE_TYPES.has(type) && typeof v !== 'string') return text;
  return type && type !== 'unknown' && type !== 'text' ? `${quoteLiteral(text)}::${type}` : quoteLiteral(text);
}

/** Types whose values read as themselves (5, 1.5, true) rather than as quoted literals. */
const BARE_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'bool']);

function boundValue(v: PgValue, oid: number): string {
  if (v === null) return 'NULL';
  return quoteLiteral(typeof v === 'string' ? v : textEncoder(oid || OID.text, DEFAULT_OUTPUT_SETTINGS)(v));
}

/** The OID of a type name the analysis gives predicate values ('unknown' and others print as text). */
const typeOid = (type?: string): number => (type ? (typeInfoByName(type)?.oid ?? OID.text) : OID.text);

function predicateText(p: Predicate): string {
  switch (p.op) {
    case 'is null':
      return `${p.column} IS NULL`;
    case 'is not null':
      return `${p.column} IS NOT NULL`;
    case 'between':
      return `${p.column} BETWEEN ${literal(p.low, p.type)} AND ${literal(p.high, p.type)}`;
    case 'in':
      return `${p.column} IN (${p.values.map((v) => literal(v, p.type)).join(', ')})`;
    default:
      return `${p.column} ${p.op} ${literal(p.value, p.type)}`;
  }
}

/**
 * The rows of tollgate's EXPLAIN: where the statement runs and why, what it reads from each table
 * (the input of scan estimates), the exact SQL each engine receives (a federated part's as sent), and why
 * the statement's LIMIT was or was not pushed to a part.
 */
export function explainLines(routed: RoutedQuery, compile: Compile, kindOf: (engine: string) => string): string[] {
  const lines: string[] = [];
  const { route, analysis } = routed;
  if (route.kind === 'single') lines.push(`Route: engine ${route.engine} (${route.reason})`);
  else lines.push(`Route: federated (${route.reason}); joined on engine ${routed.federation!.host.name}`);
  if (!analysis.exact) lines.push(`  Analysis: approximate (${analysis.notes.join('; ') || 'token scan'}): every column, no pruning`);
  for (const t of analysis.tables) {
    lines.push(`  Reads ${t.schema}.${t.name}: ${t.columns.length > 0 ? t.columns.join(', ') : '(no columns: row count only)'}`);
    if (t.predicates.length > 0) lines.push(`    Pruning: ${t.predicates.map(predicateText).join(' AND ')}`);
  }
  if (route.kind === 'single') {
    lines.push(`  SQL sent to ${route.engine}:`);
    for (const l of compile(kindOf(route.engine), routed.sql).split('\n')) lines.push(`    ${l}`);
    return lines;
  }
  const fed = routed.federation!;
  for (const part of fed.parts) {
    lines.push(`  Part ${part.inputName} from ${part.source}:`);
    for (const l of partSql(part, kindOf(part.engine), compile).split('\n')) lines.push(`    ${l}`);
    if (part.params.length > 0) lines.push(`    with ${part.params.map((v, i) => `$${i + 1} = ${boundValue(v, part.paramTypes[i] ?? 0)}`).join(', ')}`);
  }
  for (const note of fed.notes) lines.push(`  Pushdown: ${note}`);
  lines.push(`  SQL sent to ${fed.host.name}:`);
  for (const l of compile('duckdb', fed.hostSql).split('\n')) lines.push(`    ${l}`);
  return lines;
}
