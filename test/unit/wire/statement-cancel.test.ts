import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RowBatch } from '../../../src/connectors/contract.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import type { BackendSession, SessionEvents, StatementExecution } from '../../../src/wire/backend.ts';
import { serveFakeSession } from './helpers.ts';
import { backendKey, sendCancelRequest } from '../../helpers/pg-client.ts';

/**
 * The wire makes a statement's AbortController only when something needs it (the backend reads
 * `signal`, or a cancel arrives). These check that cancellation still reaches exactly the statement that
 * runs: also when the backend never looked at the signal, and never a statement that already ended.
 */

const COLUMNS = [{ name: 'a', typeOid: OID.text, typeModifier: -1 }];
const BATCH: RowBatch = { rowCount: 1, columns: [['x']] };

interface Opts {
  signal: AbortSignal;
  events: SessionEvents;
}

/** What the backend saw of each statement, by its SQL text (without a `$1` suffix). */
const seen = new Map<string, Opts>();
/** Resolved when a `hold` statement is waiting for its first batch; `release` lets it go on. */
let holding: { entered: Promise<void>; enter: () => void; released: Promise<void>; release: () => void };
const closes: Array<{ sql: string; error?: unknown }> = [];

function resetHold(): void {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const released = new Promise<void>((r) => (release = r));
  holding = { entered, enter, released, release };
}

function execution(sql: string, next: () => Promise<IteratorResult<RowBatch>>): StatementExecution {
  return {
    columns: COLUMNS,
    batches: { next },
    commandTag: (n) => `SELECT ${n}`,
    close: async (outcome) => {
      closes.push({ sql, error: outcome.error });
    },
  };
}

function oneBatch(): () => Promise<IteratorResult<RowBatch>> {
  let sent = false;
  return async () => {
    if (sent) return { done: true, value: undefined };
    sent = true;
    return { done: false, value: BATCH };
  };
}

const session: BackendSession = {
  initialParameterStatus: () => [['server_version', '15.0'], ['client_encoding', 'UTF8'], ['integer_datetimes', 'on']],
  outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
  transactionStatus: () => 'I',
  splitStatements: (sql) => [sql],
  prepare: async (sql) => ({ paramTypes: sql.includes('$1') ? [OID.text] : [], columns: COLUMNS }),
  execute: async (text, _prepared, _params, opts) => {
    const sql = text.replace(/ \$1$/, '');
    seen.set(sql, opts);
    switch (sql) {
      case 'quick':
        // Never reads opts.signal.
        return execution(sql, oneBatch());
      case 'quick-read': {
        const signal = opts.signal;
        assert.equal(signal.aborted, false);
        return execution(sql, oneBatch());
      }
      case 'hold': {
        // Never reads opts.signal: waits for the test, then returns a batch; the wire must notice the cancel.
        let calls = 0;
        return execution(sql, async () => {
          if (calls++ === 0) {
            holding.enter();
            await holding.released;
            return { done: false, value: BATCH };
          }
          return { done: true, value: undefined };
        });
      }
      case 'listen': {
        // Reads the signal and waits for it to abort, as a connector does.
        const signal = opts.signal;
        return execution(sql, () => {
          holding.enter();
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        });
      }
      default:
        throw new Error(`unexpected statement ${text}`);
    }
  },
  markFailed: () => {},
  close: async () => {},
};

describe('statement cancellation with lazily made abort signals', () => {
  let served: Awaited<ReturnType<typeof serveFakeSession>>;
  let port = 0;
  let client: pg.Client;

  before(async () => {
    served = await serveFakeSession(session);
    ({ port, client } = served);
  });

  after(async () => {
    await served.stop();
  });

  async function cancel(): Promise<void> {
    const { processID, secretKey } = backendKey(client);
    // Resolves once the server closed the cancel connection, i.e. after it handled the request.
    await sendCancelRequest('127.0.0.1', port, processID, secretKey);
  }

  for (const protocol of ['simple', 'extended'] as const) {
    const run = (sql: string): Promise<pg.QueryResult> => (protocol === 'simple' ? client.query(sql) : client.query(`${sql} $1`, ['p']));

    it(`a cancel stops a running statement whose backend never read the signal (${protocol})`, async () => {
      resetHold();
      closes.length = 0;
      const running = run('hold').then(
        () => assert.fail('the statement should have been canceled'),
        (e: { code?: string; message: string }) => e,
      );
      await holding.entered;
      await cancel();
      holding.release();
      const err = await running;
      assert.equal(err.code, '57014', err.message);
      assert.equal(err.message, 'canceling statement due to user request');
      assert.equal(seen.get('hold')!.signal.aborted, true, 'the statement signal is aborted');
      assert.ok(closes[0]?.error, 'the execution was closed with the cancel as its error');
      // The session goes on, and the next statement is not canceled.
      assert.deepEqual((await run('quick')).rows, [{ a: 'x' }]);
      assert.equal(seen.get('quick')!.signal.aborted, false);
      // Each execution is closed exactly once (backend.ts), the canceled one too (its portal at Sync).
      assert.deepEqual(closes.map((c) => c.sql), ['hold', 'quick']);
    });

    it(`a cancel reaches only the running statement, never one that already ended (${protocol})`, async () => {
      resetHold();
      seen.clear();
      // Statement N read its signal while it ran; N' never did.
      assert.deepEqual((await run('quick-read')).rows, [{ a: 'x' }]);
      const earlierRead = seen.get('quick-read')!.signal;
      assert.deepEqual((await run('quick')).rows, [{ a: 'x' }]);
      const earlierUnread = seen.get('quick')!;
      // A cancel while nothing runs does nothing.
      await cancel();
      // Statement N+1 is canceled while it runs.
      const running = run('listen').then(
        () => assert.fail('the statement should have been canceled'),
        (e: { code?: string }) => e,
      );
      await holding.entered;
      await cancel();
      assert.equal((await running).code, '57014');
      assert.equal(seen.get('listen')!.signal.aborted, true);
      assert.equal(earlierRead.aborted, false, 'the signal of an ended statement is not aborted by a later cancel');
      assert.equal(earlierUnread.signal.aborted, false, 'nor is one read only after its statement ended');
      // And the statement after it starts with a fresh, unaborted signal.
      assert.deepEqual((await run('quick-read')).rows, [{ a: 'x' }]);
      assert.equal(seen.get('quick-read')!.signal.aborted, false);
      assert.notEqual(seen.get('quick-read')!.signal, earlierRead);
    });
  }
});
