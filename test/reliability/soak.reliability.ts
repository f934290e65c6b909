/**
 * Soak (issue 10): 64 clients mixing cached and uncached queries, psql-style catalog queries and refused
 * ones (writes: 0A000; a team over its tiny budget: 53400), short: 60 s, full: 10 minutes (longer with
 * TOLLGATE_SOAK_SECONDS). No error other than the expected refusals, no hung statement, and the
 * gateway's memory does not keep growing over the second half (the first quarter is warm-up). Sampled
 * every 5 s: the RSS (/proc/<pid>/status), the V8 heap used and committed and external memory
 * (/metrics), and the bytes the result cache holds (GET /v1/admin/cache; it has its default 256 MiB
 * bound and fills for as long as the run lasts). The RSS alone cannot tell: V8 lets the heap grow by
 * hundreds of MB between major collections and keeps the pages committed, so a healthy gateway's RSS
 * is a sawtooth. Two figures are checked instead, last quarter against second quarter, each at most
 * 25% higher: native memory (RSS less the V8 heap committed and external memory: DuckDB, libuv, code),
 * by median; and the JavaScript heap's floor (the least heap used less the cache's bytes: what is live
 * after a major collection), in runs long enough to hold a collection in each quarter. A leak check,
 * not a timing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BudgetStore } from '../../src/budgets/index.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { embeddedLedger } from '../helpers/ledger.ts';
import { fuzzSeed, hangAfter, HANG_MS, MODE, prng, sized, sleep } from './lib/mode.ts';
import { alive, median, rssKiB } from './lib/proc-stats.ts';
import { pickOp } from './lib/soak-workload.ts';

const SECONDS = Number(process.env.TOLLGATE_SOAK_SECONDS ?? sized(60, 600));
const CLIENTS = 64;
const SAMPLE_MS = 5000;
/** Allowed growth of each memory figure from the second to the last quarter of the run (see memoryGrowth). */
const GROWTH_BOUND = 0.25;
/** A run shorter than this may hold no major GC in a quarter of it: its JavaScript heap floor is only reported. */
const HEAP_FLOOR_MIN_SECONDS = 200;
/** A client reconnects after this many statements, so sessions come and go too. */
const STATEMENTS_PER_SESSION = 200;

describe(`soak (${MODE}: ${CLIENTS} clients for ${SECONDS} s)`, () => {
  let gw: Gateway;
  let pool: pg.Pool;
  before(async () => {
    gw = await startGateway({ configPatch: (doc) => void (doc.cache = { ...(doc.cache as object | undefined), enabled: true }) });
    pool = new pg.Pool({ ...(await embeddedLedger().connection(gw)), max: 2 });
    const store = new BudgetStore({ pool, timeZone: 'UTC' });
    await store.setBudget('growth', { monthly: 1_000_000 }, 'reliability');
    await store.setBudget('pricing', { monthly: 0.000001 }, 'reliability'); // every billed query of bob's is refused
    await sleep(2100);
  });
  after(async () => {
    await pool?.end();
    await gw?.stop();
  });

  it('only the expected refusals, no hang, RSS stable', { timeout: (SECONDS + 300) * 1000 }, async (t) => {
    const seed = fuzzSeed();
    t.diagnostic(`seed ${seed}`);
    const deadline = Date.now() + SECONDS * 1000;
    const counts: Record<string, Record<string, number>> = {};
    const unexpected: string[] = [];
    let seq = 0;
    const count = (op: string, outcome: string): void => {
      counts[op] ??= {};
      counts[op][outcome] = (counts[op][outcome] ?? 0) + 1;
    };

    const client = async (k: number): Promise<void> => {
      const r = prng(seed + k);
      const sessions: Partial<Record<'alice' | 'bob', pg.Client>> = {};
      const used: Record<string, number> = {};
      const session = async (user: 'alice' | 'bob'): Promise<pg.Client> => {
        let c = sessions[user];
        if (c && (used[user] ?? 0) >= STATEMENTS_PER_SESSION) {
          await c.end();
          c = undefined;
        }
        if (!c) {
          c = new pg.Client({ ...gw.clientConfig(user), application_name: `soak-${k}` });
          c.on('error', (e) => unexpected.push(`client ${k} (${user}) connection error: ${e.message}`));
          await c.connect();
          sessions[user] = c;
          used[user] = 0;
        }
        used[user]!++;
        return c;
      };
      while (Date.now() < deadline && unexpected.length < 50) {
        const op = pickOp(r, seq++);
        try {
          const c = await session(op.user);
          const res = await Promise.race([c.query(op.sql), hangAfter(HANG_MS * 2)]);
          if (res === 'hung') {
            unexpected.push(`${op.name}: no answer in ${(HANG_MS * 2) / 1000} s: ${op.sql.slice(0, 120)}`);
            return;
          }
          if (op.expect.length > 0 && op.name !== 'over-budget') unexpected.push(`${op.name} succeeded but should be refused: ${op.sql.slice(0, 120)}`);
          count(op.name, 'ok');
        } catch (e) {
          const code = (e as { code?: string }).code ?? '(none)';
          count(op.name, code);
          if (!op.expect.includes(code)) unexpected.push(`${op.name} as ${op.user}: ${code} ${(e as Error).message}: ${op.sql.slice(0, 120)}`);
        }
      }
      for (const c of Object.values(sessions)) await c?.end().catch(() => {});
    };

    const memory: MemorySample[] = [];
    const sample = async (): Promise<void> => {
      const rss = rssKiB(gw.pid);
      const [cache, v8] = await Promise.all([cacheBytes(gw), processFigures(gw)]);
      memory.push({ rss, cache: Math.round(cache / 1024), heapUsed: Math.round(v8.heapUsed / 1024), heapTotal: Math.round(v8.heapTotal / 1024), external: Math.round(v8.external / 1024) });
    };
    const sampling: Array<Promise<void>> = [sample()];
    const sampler = setInterval(() => sampling.push(sample()), SAMPLE_MS);
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
    clearInterval(sampler);
    sampling.push(sample());
    await Promise.all(sampling);

    const total = Object.values(counts).reduce((a, o) => a + Object.values(o).reduce((x, y) => x + y, 0), 0);
    t.diagnostic(`${total} statements in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`);
    const series = (name: string, pick: (m: MemorySample) => number) => t.diagnostic(`${name} (KiB, every ${SAMPLE_MS / 1000} s): ${memory.map(pick).join(' ')}`);
    series('RSS', (m) => m.rss);
    series('V8 heap used', (m) => m.heapUsed);
    series('V8 heap committed', (m) => m.heapTotal);
    series('external (Buffers, ArrayBuffers)', (m) => m.external);
    series('result cache, by its own count', (m) => m.cache);
    const growth = memoryGrowth(memory);
    for (const line of growth.report) t.diagnostic(line);
    assert.ok(alive(gw.pid), 'the gateway exited');
    assert.deepEqual(unexpected.slice(0, 20), [], 'errors other than the expected refusals');
    assert.ok((counts.write?.['0A000'] ?? 0) > 0 && (counts['over-budget']?.['53400'] ?? 0) > 0, 'both refusals were exercised');
    assert.deepEqual(growth.failures, [], 'memory kept growing');
  });
});

/** The bytes the gateway's result cache holds, by its own count (admin API; the demo admin's password is its name). */
async function cacheBytes(gw: Gateway): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/v1/admin/cache`, { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
  if (res.status !== 200) throw new Error(`GET /v1/admin/cache answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { bytes: number }).bytes;
}

/** The gateway process's V8 heap in use and external memory, from /metrics (no credentials from this host). */
async function processFigures(gw: Gateway): Promise<{ heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  const figure = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { heapUsed: figure('nodejs_heap_size_used_bytes'), heapTotal: figure('nodejs_heap_size_total_bytes'), external: figure('nodejs_external_memory_bytes') };
}

interface MemorySample {
  rss: number;
  cache: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** The growth checks described at the top, on samples in KiB. */
function memoryGrowth(memory: readonly MemorySample[]): { report: string[]; failures: string[] } {
  const q = Math.max(1, Math.floor(memory.length / 4));
  const second = memory.slice(q, 2 * q);
  const last = memory.slice(-q);
  const report: string[] = [];
  const failures: string[] = [];
  const check = (what: string, a: number, b: number, enforced: boolean) => {
    const pct = ((b - a) / a) * 100;
    report.push(`${what}: second quarter ${a} KiB, last quarter ${b} KiB (${pct.toFixed(1)}%, bound +${GROWTH_BOUND * 100}%${enforced ? '' : ', reported only: run too short'})`);
    if (enforced && b > a * (1 + GROWTH_BOUND)) failures.push(`${what} grew from ${a} KiB to ${b} KiB`);
  };
  const native = (m: MemorySample) => m.rss - m.heapTotal - m.external;
  check('native memory (RSS less V8 heap committed and external), median', median(second.map(native)), median(last.map(native)), true);
  const floor = (ms: readonly MemorySample[]) => Math.min(...ms.map((m) => m.heapUsed - m.cache));
  check('JavaScript heap floor (least heap used less the cache)', floor(second), floor(last), SECONDS >= HEAP_FLOOR_MIN_SECONDS);
  return { report, failures };
}
