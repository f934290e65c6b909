/**
 * Parse + analyze time per statement on the 22 TPC-H queries: p50 / p99 in microseconds, and how much of it
 * is node-sql-parser's own parse (of the prepared text) versus our lexing, preparation, walk and token
 * cross-check.
 *
 *   npx tsx bench/analyze.bench.ts
 */
import pkg from 'node-sql-parser';
import { analyzeQuery, lex } from '../src/parser/index.ts';
import { prepare } from '../src/parser/analysis/prepare.ts';
import { TEST_CATALOG, tpchQueries } from '../test/fixtures/tpch/schema.ts';

const { Parser } = pkg;
const ROUNDS = 200;
const WARMUP = 30;
const opts = { searchPath: ['public'], catalog: TEST_CATALOG };
const queries = tpchQueries();
const parser = new Parser();
const prepared = queries.map(([, sql]) => prepare(lex(sql.trim().replace(/;\s*$/, ''))).text);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(fn: (i: number) => unknown): { samples: number[]; perQuery: number[][] } {
  const perQuery: number[][] = queries.map(() => []);
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    for (let i = 0; i < queries.length; i++) {
      const t0 = process.hrtime.bigint();
      fn(i);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (r >= WARMUP) perQuery[i]!.push(us);
    }
  }
  return { samples: perQuery.flat().sort((a, b) => a - b), perQuery };
}

const full = measure((i) => analyzeQuery(queries[i]![1], opts));
const parseOnly = measure((i) => parser.astify(prepared[i]!, { database: 'postgresql' }));

const fmt = (x: number): string => x.toFixed(0).padStart(7);
console.log(`analyzeQuery over ${queries.length} TPC-H queries x ${ROUNDS} rounds (after ${WARMUP} warm-up rounds)`);
console.log(`                         p50      p99   (microseconds per statement)`);
console.log(`parse + analyze     ${fmt(percentile(full.samples, 50))}  ${fmt(percentile(full.samples, 99))}`);
console.log(`node-sql-parser     ${fmt(percentile(parseOnly.samples, 50))}  ${fmt(percentile(parseOnly.samples, 99))}`);
const share = full.perQuery.map((s, i) => {
  const a = [...s].sort((x, y) => x - y);
  const b = [...parseOnly.perQuery[i]!].sort((x, y) => x - y);
  return { name: queries[i]![0], full: percentile(a, 50), parse: percentile(b, 50) };
});
const totalFull = share.reduce((s, q) => s + q.full, 0);
const totalParse = share.reduce((s, q) => s + q.parse, 0);
console.log(`parser share of the median time, summed over the queries: ${((100 * totalParse) / totalFull).toFixed(0)}%`);
console.log('\nper query (p50 us): analyze / parser');
for (const q of share) console.log(`  ${q.name} ${fmt(q.full)} ${fmt(q.parse)}`);
