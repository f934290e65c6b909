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
  let key = '';
  const add = (s: string) => (key += `${s.length}:${s}`);
  add(p.text);
  add(p.params.length > 0 ? valuesKey(p.params) : '');
  add(p.engines);
  const tables = p.versions.size === 1 ? [...p.versions.keys()] : [...p.versions.keys()].sort();
  for (const t of tables) add(`${t}=${p.versions.get(t)!}`);
  add('|');
  add(p.scope);
  for (const s of p.settings) add(s);
  return key;
}
