/**
 * Relation names resolved as PostgreSQL resolves them: a qualified name in its schema; an unqualified one in
 * the first schema of the search path that has it, pg_catalog first unless the path lists it elsewhere.
 * pg_catalog and information_schema relations are catalog references (the gateway's shadow catalog answers
 * them), never engine tables.
 */
import type { TableColumns } from './types.ts';

export interface ResolvedRelation {
  kind: 'table' | 'catalog' | 'unknown';
  /** The resolved schema (null for an unknown unqualified name). */
  schema: string | null;
  name: string;
  /** Column names, when the catalog knows them. */
  columns?: readonly string[];
}

/** Relations of pg_catalog that clients name without the qualifier (it is first on the search path). */
export const PG_CATALOG_RELATIONS = new Set([
  'pg_aggregate', 'pg_am', 'pg_amop', 'pg_amproc', 'pg_attrdef', 'pg_attribute', 'pg_auth_members', 'pg_authid',
  'pg_available_extensions', 'pg_cast', 'pg_class', 'pg_collation', 'pg_constraint', 'pg_conversion', 'pg_cursors',
  'pg_database', 'pg_db_role_setting', 'pg_default_acl', 'pg_depend', 'pg_description', 'pg_enum', 'pg_event_trigger',
  'pg_extension', 'pg_foreign_data_wrapper', 'pg_foreign_server', 'pg_foreign_table', 'pg_group', 'pg_index',
  'pg_indexes', 'pg_inherits', 'pg_language', 'pg_largeobject', 'pg_locks', 'pg_matviews', 'pg_namespace',
  'pg_opclass', 'pg_operator', 'pg_opfamily', 'pg_partitioned_table', 'pg_policies', 'pg_policy', 'pg_prepared_statements',
  'pg_proc', 'pg_publication', 'pg_range', 'pg_rewrite', 'pg_roles', 'pg_rules', 'pg_sequence', 'pg_sequences',
  'pg_settings', 'pg_shadow', 'pg_shdepend', 'pg_shdescription', 'pg_stat_activity', 'pg_stat_all_tables',
  'pg_stat_user_tables', 'pg_statio_user_tables', 'pg_statistic', 'pg_statistic_ext', 'pg_stats', 'pg_subscription',
  'pg_tables', 'pg_tablespace', 'pg_timezone_abbrevs', 'pg_timezone_names', 'pg_trigger', 'pg_ts_config', 'pg_ts_dict',
  'pg_type', 'pg_user', 'pg_user_mappings', 'pg_views',
]);

const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

export function resolveRelation(schema: string | null, name: string, searchPath: readonly string[], catalog: TableColumns): ResolvedRelation {
  if (schema !== null) {
    const columns = catalog.columns(schema, name);
    if (CATALOG_SCHEMAS.has(schema)) return columns ? { kind: 'catalog', schema, name, columns } : { kind: 'catalog', schema, name };
    return columns ? { kind: 'table', schema, name, columns } : { kind: 'unknown', schema, name };
  }
  const path = searchPath.includes('pg_catalog') ? searchPath : ['pg_catalog', ...searchPath];
  for (const s of path) {
    const columns = catalog.columns(s, name);
    if (s === 'pg_catalog') {
      if (columns || PG_CATALOG_RELATIONS.has(name)) return columns ? { kind: 'catalog', schema: s, name, columns } : { kind: 'catalog', schema: s, name };
      continue;
    }
    if (columns === undefined) continue;
    return CATALOG_SCHEMAS.has(s) ? { kind: 'catalog', schema: s, name, columns } : { kind: 'table', schema: s, name, columns };
  }
  return { kind: 'unknown', schema: null, name };
}
