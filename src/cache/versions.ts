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
 * tableVersions' answer when every engine knows it without I/O (Connector.knownDataVersions); undefined
 * when one has to check.
 */
export function knownTableVersions(tables: readonly TableOnEngine[], connector: (engine: string) => Connector): Versions | undefined {
  const versions = new Map<string, string>();
  let unknown = false;
  for (const t of tables) {
    const c = connector(t.engine);
    const key = tableKey(t);
    if (!c.dataVersion) {
      unknown = true;
      versions.set(key, '?');
      continue;
    }
    const got = c.knownDataVersions?.([t])?.get(`${t.schema}.${t.name}`);
    if (got === undefined) return undefined;
    versions.set(key, got);
  }
  return { versions, unknown };
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
