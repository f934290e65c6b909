/**
 * Seed statements for the SQL fuzzer: corpus/lake.sql (the demo lake), the TPC-H queries of the test
 * fixtures (their tables do not exist on the demo gateway, so mutations mostly exercise the parser and
 * the resolver), and string literals that look like SQL in the wire and e2e tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/gateway.ts';

/** Upper-case keywords as tests write SQL, or the few lower-case ones that do not start English prose. */
const SQL_START = /^\s*(?:(?:SELECT|WITH|SHOW|EXPLAIN|SET|RESET|COPY|VALUES|INSERT|UPDATE|DELETE|BEGIN|START TRANSACTION|COMMIT|ROLLBACK|DECLARE|FETCH|CLOSE|PREPARE|EXECUTE|DEALLOCATE|DISCARD|TABLE|CREATE|DROP)\b|(?:select|with|show|explain|copy|insert|declare|fetch)\s)/;
/** Statements that would only make the run slow (huge ranges, sleeps), not find anything more. */
const TOO_SLOW = /range\(\s*\d{7,}|generate_series\([^)]*\d{7,}|pg_sleep/i;

function literals(source: string): string[] {
  const out: string[] = [];
  // '...' and "..." without escapes spanning lines, and `...` without ${} interpolation.
  const re = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`$]*)`/g;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    const s = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\\n/g, '\n').replace(/\\'/g, "'");
    if (s.length >= 8 && SQL_START.test(s) && !TOO_SLOW.test(s)) out.push(s);
  }
  return out;
}

export function loadCorpus(): { statements: string[]; sources: Record<string, number> } {
  const sources: Record<string, number> = {};
  const all: string[] = [];
  const add = (name: string, xs: string[]): void => {
    sources[name] = xs.length;
    all.push(...xs);
  };
  const lake = readFileSync(join(repoRoot, 'test/reliability/corpus/lake.sql'), 'utf8')
    .split(/\n\s*\n/)
    .map((b) => b.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim())
    .filter((s) => s.length > 0);
  add('corpus/lake.sql', lake);
  const tpchDir = join(repoRoot, 'test/fixtures/tpch/queries');
  add('tpch', readdirSync(tpchDir).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(join(tpchDir, f), 'utf8').trim().replace(/;\s*$/, '')));
  for (const dir of ['test/wire', 'test/e2e']) {
    const found: string[] = [];
    for (const f of readdirSync(join(repoRoot, dir)).filter((x) => x.endsWith('.test.ts')).sort()) found.push(...literals(readFileSync(join(repoRoot, dir, f), 'utf8')));
    add(dir, found);
  }
  return { statements: [...new Set(all)], sources };
}
