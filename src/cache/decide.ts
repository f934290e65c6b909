import { LRUCache } from 'lru-cache';
import type { Connector } from '../connectors/contract.ts';
import { LEDGER_ENGINE } from '../ledger/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { cacheKey } from './key.ts';
import { cacheText } from './normalize.ts';
import type { CacheOptions } from './options.ts';
import type { VersionGate } from './version-gate.ts';
import { knownTableVersions, sameVersions, tableKey, tableVersions, type TableOnEngine, type Versions } from './versions.ts';
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
 * What is derived from a candidate alone, kept with the candidate object: a session that runs the same
 * statement again hands over the same candidate (executor/repeated-statement.ts), and its hit then
 * reuses the table set's key (the same string object: found by pointer in the VersionGate) and, while
 * the data versions are the same, the decision itself (the same key string: found by pointer in the LRU).
 */
interface Derived {
  /** cacheText() of the statement. */
  text: string;
  /** The table set's key in the VersionGate. */
  tables: string;
  last?: { versions: Versions; decision: CacheDecision };
}
const derived = new WeakMap<CacheCandidate, Derived | { bypass: string }>();

/**
 * Whether a statement may use the cache, and under which key and TTL. Bypassed: the ledger's own tables
 * (each user sees other rows, and they change with every statement), statements that read no table
 * (nothing to save), non-deterministic ones, those reading files directly, and those whose tables have
 * no trustworthy data version (or only an unknown one while unknownVersionTtlSeconds is 0). Answers
 * without a promise for a bypass decided by the statement alone, and with cache.versionRecheckMs when
 * a recent check stands; otherwise once the data versions are known (VersionGate).
 */
export function decideCaching(
  c: CacheCandidate,
  cache: { options: CacheOptions; versions: VersionGate },
  connector: (engine: string) => Connector,
  /** Versions as last checked, even if old: only to describe a statement's columns, never to serve rows. */
  latestKnown = false,
): CacheDecision | Promise<CacheDecision> {
  const options = cache.options;
  // Kept only for candidates without parameters: those with them are made afresh for every statement.
  let kept = c.params.length === 0 ? derived.get(c) : undefined;
  if (kept === undefined) {
    kept = derive(c);
    if (c.params.length === 0) derived.set(c, kept);
  }
  if ('bypass' in kept) return kept;
  const d = kept;
  // Closures passed as arguments, not kept in named constants: tsx's keepNames wraps every named
  // closure in a __name call, per statement here.
  const v = latestKnown
    ? cache.versions.latest(d.tables, () => tableVersions(c.tables, connector), (last) => knownTableVersions(c.tables, connector, last))
    : cache.versions.versions(d.tables, () => tableVersions(c.tables, connector), (last) => knownTableVersions(c.tables, connector, last));
  return v instanceof Promise ? v.then((known) => decision(known, c, options, d)) : decision(v, c, options, d);
}

/** What the candidate alone decides: a bypass, or its normalized text and the key of its table set. */
function derive(c: CacheCandidate): Derived | { bypass: string } {
  if (c.engines.split('+').includes(LEDGER_ENGINE)) return { bypass: 'reads the ledger' };
  if (c.tables.length === 0) return { bypass: 'reads no table' };
  const { reason, text } = textFacts(c.sql);
  if (reason) return { bypass: reason };
  if (text === null) return { bypass: 'unreadable statement' };
  return { text, tables: c.tables.length === 1 ? tableKey(c.tables[0]!) : [...new Set(c.tables.map(tableKey))].sort().join('\u0000') };
}

/** The decision once the data versions are known; the candidate's last one while they are the same. */
function decision(v: Versions, c: CacheCandidate, options: CacheOptions, d: Derived): CacheDecision {
  if ('untrusted' in v) return { bypass: v.untrusted };
  if (d.last !== undefined && (d.last.versions === v || sameVersions(d.last.versions, v))) return d.last.decision;
  const ttlMs = (v.unknown ? options.unknownVersionTtlSeconds : options.ttlSeconds) * 1000;
  if (ttlMs <= 0) return { bypass: 'data version unknown and cache.unknownVersionTtlSeconds is 0' };
  const made = { key: cacheKey({ text: d.text, params: c.params, engines: c.engines, versions: v.versions, scope: c.team, settings: c.settings }), ttlMs };
  d.last = { versions: v, decision: made };
  return made;
}
