import type { SharedEntry, SharedResults } from '../cache/index.ts';
import type { ToWorker } from './messages.ts';
import { tellPrimary } from './worker.ts';

/**
 * A worker's way to the primary's result cache, which is the shared tier of every serving process's
 * own (cache/shared.ts). Lookups are answered by id; they wait as long as an identical statement runs
 * in any process, as single flight within a process does. If the primary is gone, every pending and
 * later lookup fails, and the worker's cache runs its statements alone.
 */
export class PrimaryResults implements SharedResults {
  private readonly pending = new Map<number, { resolve: (a: SharedEntry | { claimId: number }) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private gone = false;

  constructor() {
    process.on('message', (m: ToWorker) => {
      if (m.type !== 'cacheAnswer') return;
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      this.pending.delete(m.id);
      if (m.found) waiting.resolve(m.found);
      else if (m.claimId !== undefined) waiting.resolve({ claimId: m.claimId });
      else waiting.reject(new Error(m.error ?? 'the shared cache did not answer'));
    });
    process.on('disconnect', () => {
      this.gone = true;
      for (const waiting of this.pending.values()) waiting.reject(new Error('the primary is gone'));
      this.pending.clear();
    });
  }

  lookup(key: string): Promise<SharedEntry | { claimId: number }> {
    if (this.gone || !process.connected) return Promise.reject(new Error('the primary is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      tellPrimary({ type: 'cacheLookup', id, key });
    });
  }

  store(key: string, claimId: number | null, shared: SharedEntry): void {
    if (!this.gone) tellPrimary({ type: 'cacheStore', key, claimId, shared });
  }

  abandon(claimId: number): void {
    if (!this.gone) tellPrimary({ type: 'cacheAbandon', claimId });
  }
}
