import { createHash } from 'node:crypto';
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

/** A SHA-256 of the parts, each length-prefixed so that no two different part lists give one string. */
export function cacheKey(p: KeyParts): string {
  const versions = [...p.versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, v]) => `${t}=${v}`);
  const parts = [p.text, p.params.length > 0 ? valuesKey(p.params) : '', p.engines, ...versions, '|', p.scope, ...p.settings];
  const h = createHash('sha256');
  for (const s of parts) h.update(`${s.length}:${s}`);
  return h.digest('hex');
}
