import { LRUCache } from 'lru-cache';
import type { Connector } from '../connectors/contract.ts';
import { LEDGER_ENGINE } from '../ledger/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { cacheKey } from './key.ts';
import { cacheText } from './normalize.ts';
import type { CacheOptions } from './options.ts';
import type { VersionGate } from './version-gate.ts';
import { knownTableVersions, tableKey, tableVersions, type TableOnEngine, type Versions } from './versions.ts';
import { uncacheableReason } from './volatile.ts';

/** A routed statement, as much of it as the cache needs. */
export interface CacheCandidate {
  sql: string;
  params: readonly PgValue[];
  tables: readonly TableOnEngine[];
  /** The engines that run it, as the ledger names them. */
  engines: string;
  team: string;
  /** Session settings that change a statement's meaning (search_path, TimeZone). */
  settings: readonly string[];
}

/** What the text alone says (lexed twice), kept by text: dashboards send the same statements all day. */
const byText = new LRUCache<string, { reason: string | null; text: string | null }>({ max: 5000, maxSize: 32 * 2 ** 20, sizeCalculation: (_v, sql) => 2 * sql.length + 64 });

function textFacts(sql: string): { reason: string | null; text: string | null } {
  let facts = byText.get(sql);
  if (!facts) byText.set(sql, (facts = { reason: uncacheableReason(sql), text: cacheText(sql) }));
  return facts;
}

export type CacheDecision = { key: string; ttlMs: number } | { bypass: string };

/**
 * Whether a statement may use the cache, and under which key and TTL. Bypassed: the ledger's own tables
 * (each user sees other rows, and they change with every statement), statements that read no table
 * (nothing to save), non-deterministic ones, those reading files directly, and those whose tables have
 * no trustworthy data version (or only an unknown one while unknownVersionTtlSeconds is 0). Answers
 * without a promise when the data versions are known without I/O (VersionGate), as on most cache hits.
 */
export function decideCaching(
  c: CacheCandidate,
  cache: { options: CacheOptions; versions: VersionGate },
  connector: (engine: string) => Connector,
  /** Versions as last checked, even if old: only to describe a statement's columns, never to serve rows. */
  latestKnown = false,
): CacheDecision | Promise<CacheDecision> {
  const options = cache.options;
  if (c.engines.split('+').includes(LEDGER_ENGINE)) return { bypass: 'reads the ledger' };
  if (c.tables.length === 0) return { bypass: 'reads no table' };
  const { reason, text } = textFacts(c.sql);
  if (reason) return { bypass: reason };
  if (text === null) return { bypass: 'unreadable statement' };
  const tables = c.tables.length === 1 ? tableKey(c.tables[0]!) : [...new Set(c.tables.map(tableKey))].sort().join('\u0000');
  // Closures passed as arguments, not kept in named constants: tsx's keepNames wraps every named
  // closure in a __name call, per statement here.
  const v = latestKnown
    ? cache.versions.latest(tables, () => tableVersions(c.tables, connector), () => knownTableVersions(c.tables, connector))
    : cache.versions.versions(tables, () => tableVersions(c.tables, connector), () => knownTableVersions(c.tables, connector));
  return v instanceof Promise ? v.then((known) => decision(known, c, text, options)) : decision(v, c, text, options);
}

/** The decision once the data versions are known. */
function decision(v: Versions, c: CacheCandidate, text: string, options: CacheOptions): CacheDecision {
  if ('untrusted' in v) return { bypass: v.untrusted };
  const ttlMs = (v.unknown ? options.unknownVersionTtlSeconds : options.ttlSeconds) * 1000;
  if (ttlMs <= 0) return { bypass: 'data version unknown and cache.unknownVersionTtlSeconds is 0' };
  return { key: cacheKey({ text, params: c.params, engines: c.engines, versions: v.versions, scope: c.team, settings: c.settings }), ttlMs };
}
