import { valuesKey, type PgValue } from '../pgtypes/values.ts';

/** Everything a cached result depends on. */
export interface KeyParts {
  /** cacheText() of the statement. */
  text: string;
  params: readonly PgValue[];
  /** The engine(s) that run it, as the ledger names them ('lake', 'lake+crm'). */
  engines: string;
  /** 'schema.name' → data version ('?' when unknown) of every table read. */
  versions: ReadonlyMap<string, string>;
  /** Who may see the result: the team (row policies and routing rules are per team). */
  scope: string;
  /** Session settings that change what a statement means (search_path, TimeZone). */
  settings: readonly string[];
}

/**
 * The parts, each length-prefixed so that no two different part lists give one string. Kept as the
 * string itself, not a digest: hashing cost more per hit than the rest of the key, and the cache counts
 * a key's length in its entry's size.
 */
export function cacheKey(p: KeyParts): string {
  let key = part(p.text) + part(p.params.length > 0 ? valuesKey(p.params) : '') + part(p.engines);
  if (p.versions.size === 1) for (const [t, v] of p.versions) key += part(`${t}=${v}`);
  else for (const t of [...p.versions.keys()].sort()) key += part(`${t}=${p.versions.get(t)!}`);
  key += part('|') + part(p.scope);
  for (const s of p.settings) key += part(s);
  return key;
}

/** One part, length-prefixed. */
function part(s: string): string {
  return `${s.length}:${s}`;
}
