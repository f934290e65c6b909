import type { Connector } from '../connectors/contract.ts';

/** A table a statement reads, on the engine that reads it. */
export interface TableOnEngine {
  engine: string;
  schema: string;
  name: string;
}

/** Per table 'engine:schema.name' → version ('?' where the engine has no notion of one), or why there is none to trust. */
export type Versions = { versions: Map<string, string>; unknown: boolean } | { untrusted: string };

/** A table's key in Versions, and in the VersionGate key of a set of tables: 'engine:schema.name'. */
export function tableKey(t: TableOnEngine): string {
  return `${t.engine}:${t.schema}.${t.name}`;
}

/**
 * tableVersions' answer when every engine knows it without I/O (Connector.knownDataVersion); undefined
 * when one has to check. `previous` itself when every version is the same as in it: a hit checks the
 * versions of its tables every time, and most of the time nothing changed (nothing is allocated then).
 */
export function knownTableVersions(tables: readonly TableOnEngine[], connector: (engine: string) => Connector, previous?: Versions): Versions | undefined {
  const { keys, distinct } = tableKeys(tables);
  const last = previous !== undefined && !('untrusted' in previous) ? previous : undefined;
  let same = last !== undefined;
  let unknown = false;
  for (let i = 0; i < tables.length && same; i++) {
    const version = knownVersion(tables[i]!, connector);
    if (version === undefined) return undefined;
    if (version === '?') unknown = true;
    if (last!.versions.get(keys[i]!) !== version) same = false;
  }
  if (same && last!.unknown === unknown && last!.versions.size === distinct) return last;
  const versions = new Map<string, string>();
  unknown = false;
  for (let i = 0; i < tables.length; i++) {
    const version = knownVersion(tables[i]!, connector);
    if (version === undefined) return undefined;
    if (version === '?') unknown = true;
    versions.set(keys[i]!, version);
  }
  return { versions, unknown };
}

/** A table's version known without I/O: '?' on an engine without data versions, undefined when it must be checked. */
function knownVersion(t: TableOnEngine, connector: (engine: string) => Connector): string | undefined {
  const c = connector(t.engine);
  return c.dataVersion ? c.knownDataVersion?.(t) : '?';
}

/** tableKey() of each table and how many differ, kept per tables array (a session's repeated statement passes the same one). */
const keysOf = new WeakMap<readonly TableOnEngine[], { keys: string[]; distinct: number }>();

function tableKeys(tables: readonly TableOnEngine[]): { keys: string[]; distinct: number } {
  let known = keysOf.get(tables);
  if (known === undefined) {
    const keys = tables.map(tableKey);
    keysOf.set(tables, (known = { keys, distinct: new Set(keys).size }));
  }
  return known;
}

/**
 * The data version of every table read, asked of each engine once (connector.dataVersion). An engine
 * without dataVersion (Vertica, Impala) gives '?' for its tables: the caller caches under a short TTL.
 * An engine with it that leaves a table out (a Parquet directory modified within the last timestamp
 * tick, a view, ...) or fails says the current version cannot be trusted: nothing is served or stored.
 */
export async function tableVersions(tables: readonly TableOnEngine[], connector: (engine: string) => Connector): Promise<Versions> {
  const byEngine = new Map<string, TableOnEngine[]>();
  for (const t of tables) byEngine.set(t.engine, [...(byEngine.get(t.engine) ?? []), t]);
  const versions = new Map<string, string>();
  let unknown = false;
  for (const [engine, reads] of byEngine) {
    const c = connector(engine);
    if (!c.dataVersion) {
      unknown = true;
      for (const t of reads) versions.set(tableKey(t), '?');
      continue;
    }
    let got: Map<string, string>;
    try {
      got = await c.dataVersion(reads.map((t) => ({ schema: t.schema, name: t.name })));
    } catch (e) {
      return { untrusted: `engine ${engine} could not give data versions: ${(e as Error).message}` };
    }
    for (const t of reads) {
      const v = got.get(`${t.schema}.${t.name}`);
      if (v === undefined) return { untrusted: `no trustworthy data version of ${t.schema}.${t.name} on ${engine}` };
      versions.set(tableKey(t), v);
    }
  }
  return { versions, unknown };
}

/** Whether two answers give the same versions (or are untrusted for the same reason). */
export function sameVersions(a: Versions, b: Versions): boolean {
  if ('untrusted' in a || 'untrusted' in b) return 'untrusted' in a && 'untrusted' in b && a.untrusted === b.untrusted;
  if (a.unknown !== b.unknown || a.versions.size !== b.versions.size) return false;
  for (const [table, version] of a.versions) if (b.versions.get(table) !== version) return false;
  return true;
}
