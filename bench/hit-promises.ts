import { join } from 'node:path';
import { startHitGateway } from './lib/hit-gateway.ts';

/**
 * Promises the gateway makes per cache-hit transaction (pgbench -M extended, 8 clients), counted with
 * async_hooks in the gateway process (bench/lib/count-promises.mjs). Unlike CPU time, which swings with
 * the load of a shared machine, the count is the same from run to run: a regression of the hit path
 * into promises shows at once. Not part of `npm run bench` (the hooks slow the gateway down).
 *
 *   npx tsx bench/hit-promises.ts
 */
const TRANSACTIONS_PER_CLIENT = 2000;
const hook = join(import.meta.dirname, 'lib', 'count-promises.mjs');
process.env.TOLLGATE_TEST_NODE_ARGS = `${process.env.TOLLGATE_TEST_NODE_ARGS ?? ''} --import ${hook}`.trim();
const hits = await startHitGateway();
/** The gateway's promise count, once the next report after now has arrived. */
const promises = async (): Promise<number> => {
  await new Promise((r) => setTimeout(r, 600));
  const reports = [...hits.gateway.output().matchAll(/tollgate-bench promises=(\d+)/g)];
  if (reports.length === 0) throw new Error('the gateway reported no promise count');
  return Number(reports.at(-1)![1]);
};
try {
  await hits.pgbench(['-t', 100]); // warm: connections, the kept descriptions, the data-version watches
  const before = await promises();
  const r = await hits.pgbench(['-t', TRANSACTIONS_PER_CLIENT]);
  const after = await promises();
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]);
  // Includes pgbench's connection set-up and whatever the gateway does in the background meanwhile.
  process.stdout.write(`${transactions} cache-hit transactions, ${((after - before) / transactions).toFixed(1)} promises per transaction\n`);
} finally {
  await hits.stop();
}
