import type { Config } from '../config/index.ts';
import type { CacheMetrics, SharedEntry } from '../cache/index.ts';
import type { SignInEvent } from '../wire/index.ts';

/** Where the primary's embedded PostgreSQL (catalog and ledger) listens; the workers connect to it. */
export interface MetastoreAddress {
  socketDir: string;
  port: number;
  user: string;
  database: string;
  ledgerDatabase: string;
}

/** What a worker needs to start: its slot, the resolved config and the primary's shared state. */
export interface WorkerStart {
  type: 'start';
  slot: number;
  slots: number;
  config: Config;
  logLevel: string;
  /** Null when the primary runs without its metastore (it failed to start; queries are still served). */
  metastore: MetastoreAddress | null;
  /** Hex; the fake SCRAM salts of unknown users must not differ between processes. */
  mockAuthSecret: string;
}

/** What the primary asks a worker and the worker answers (by id). */
export type WorkerQuestion = 'cacheMetrics' | 'clearCache' | 'metrics' | 'refreshDirectory';

export type ToWorker =
  | WorkerStart
  /** A paused client socket travels with this message as its handle. */
  | { type: 'connection' }
  | { type: 'cancel'; processId: number; key: string }
  /** A sign-in failure or success another process counted: every process's limiter counts it. */
  | { type: 'signIn'; event: SignInEvent }
  | { type: 'ask'; id: number; question: WorkerQuestion }
  /** The shared cache's answer to a worker's cacheLookup: the result, or a claim to run the statement. */
  | { type: 'cacheAnswer'; id: number; found?: SharedEntry; claimId?: number; error?: string }
  | { type: 'stop'; graceMs: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code?: string; hint?: string }
  /** A connection handed to this worker closed (for the primary's count against server.maxConnections). */
  | { type: 'released' }
  | { type: 'cancel'; processId: number; key: string }
  | { type: 'signIn'; event: SignInEvent }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  /** The shared result cache (the primary's), asked on a miss in the worker's own: see cache/shared.ts. */
  | { type: 'cacheLookup'; id: number; key: string }
  | { type: 'cacheStore'; key: string; claimId: number | null; shared: SharedEntry }
  | { type: 'cacheAbandon'; claimId: number }
  | { type: 'stopped' };

/** The cache's figures from every serving process, summed (bounds are each process's). */
export function sumCacheMetrics(all: readonly CacheMetrics[]): CacheMetrics {
  const total = { ...all[0]! };
  for (const m of all.slice(1)) for (const k of Object.keys(total) as Array<keyof CacheMetrics>) if (k !== 'maxBytes') total[k] += m[k];
  return total;
}
