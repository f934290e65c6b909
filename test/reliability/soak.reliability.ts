/**
 * Soak (issue 10): 64 clients mixing cached and uncached queries, psql-style catalog queries and refused
 * ones (writes: 0A000; a team over its tiny budget: 53400), short: 60 s, full: 10 minutes (longer with
 * TOLLGATE_SOAK_SECONDS). No error other than the expected refusals, no hung statement, and the
 * gateway's RSS (sampled every 5 s from /proc/<pid>/status) does not keep growing over the second half:
 * the median of the last quarter of the samples is at most 25% above the median of the second quarter
 * (the first quarter is warm-up: DuckDB's buffers, the V8 heap and the result cache fill). A leak check,
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
/** Allowed growth of the RSS median from the second to the last quarter of the run. */
const RSS_GROWTH_BOUND = 0.25;
/** A client reconnects after this many statements, so sessions come and go too. */
const STATEMENTS_PER_SESSION = 200;

describe(`soak (${MODE}: ${CLIENTS} clients for ${SECONDS} s)`, () => {
  let gw: Gateway;
  let pool: pg.Pool;
  before(async () => {
    // The result cache on, but small: with 256 MiB (the default) it fills for many minutes with the
    // uncached statements' results, which looks like growth; at 4 MiB it reaches its steady state quickly.
    gw = await startGateway({ configPatch: (doc) => void (doc.cache = { ...(doc.cache as object | undefined), enabled: true, maxBytes: 4 * 2 ** 20 }) });
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

    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssKiB(gw.pid)), SAMPLE_MS);
    samples.push(rssKiB(gw.pid));
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
    clearInterval(sampler);
    samples.push(rssKiB(gw.pid));

    const total = Object.values(counts).reduce((a, o) => a + Object.values(o).reduce((x, y) => x + y, 0), 0);
    t.diagnostic(`${total} statements in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(counts)}`);
    t.diagnostic(`RSS samples (KiB, every ${SAMPLE_MS / 1000} s): ${samples.join(' ')}`);
    const q = Math.max(1, Math.floor(samples.length / 4));
    const first = median(samples.slice(q, 2 * q));
    const last = median(samples.slice(-q));
    t.diagnostic(
      `RSS median first quarter ${median(samples.slice(0, q))} KiB (warm-up), second quarter ${first} KiB, last quarter ${last} KiB ` +
        `(${(((last - first) / first) * 100).toFixed(1)}% over the second half, bound +${RSS_GROWTH_BOUND * 100}%)`,
    );

    assert.ok(alive(gw.pid), 'the gateway exited');
    assert.deepEqual(unexpected.slice(0, 20), [], 'errors other than the expected refusals');
    assert.ok((counts.write?.['0A000'] ?? 0) > 0 && (counts['over-budget']?.['53400'] ?? 0) > 0, 'both refusals were exercised');
    assert.ok(last <= first * (1 + RSS_GROWTH_BOUND), `RSS grew from ${first} KiB to ${last} KiB`);
  });
});
