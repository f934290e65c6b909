import { lex, type Token } from '../parser/index.ts';

/**
 * Whether a statement reads PostgreSQL's own catalog (pg_catalog, information_schema, regclass casts,
 * catalog functions), decided on tokens so that it works where node-sql-parser cannot parse the
 * statement (psql's \d queries, pgjdbc's getPrimaryKeys). Such statements are answered by the shadow
 * catalog, never by an engine.
 */
export interface CatalogReferences {
  /** True when any catalog relation, catalog function or reg* cast appears. */
  readsCatalog: boolean;
  /** What made it so, for logs and EXPLAIN: 'pg_catalog.pg_class', '::regclass', 'format_type()'. */
  evidence: string[];
}

/** Catalog relations clients name without the pg_catalog qualifier (it is always on the search path). */
const CATALOG_RELATIONS = new Set([
  'pg_aggregate', 'pg_am', 'pg_attrdef', 'pg_attribute', 'pg_auth_members', 'pg_authid', 'pg_cast', 'pg_class',
  'pg_collation', 'pg_constraint', 'pg_conversion', 'pg_database', 'pg_db_role_setting', 'pg_default_acl',
  'pg_depend', 'pg_description', 'pg_enum', 'pg_event_trigger', 'pg_extension', 'pg_foreign_data_wrapper',
  'pg_foreign_server', 'pg_foreign_table', 'pg_index', 'pg_indexes', 'pg_inherits', 'pg_language', 'pg_locks',
  'pg_matviews', 'pg_namespace', 'pg_opclass', 'pg_operator', 'pg_partitioned_table', 'pg_policy', 'pg_proc',
  'pg_publication', 'pg_range', 'pg_rewrite', 'pg_roles', 'pg_sequence', 'pg_sequences', 'pg_settings',
  'pg_shdescription', 'pg_stat_activity', 'pg_stat_user_tables', 'pg_statistic_ext', 'pg_tables',
  'pg_tablespace', 'pg_timezone_names', 'pg_trigger', 'pg_type', 'pg_user', 'pg_views',
]);

/** Catalog functions that only mean something against the catalog (called with or without pg_catalog.). */
const CATALOG_FUNCTIONS = new Set([
  'format_type', 'obj_description', 'col_description', 'shobj_description', 'current_schemas',
  'has_table_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_column_privilege',
  'has_any_column_privilege', 'has_function_privilege', 'has_sequence_privilege',
]);

const REG_TYPES = new Set(['regclass', 'regtype', 'regproc', 'regprocedure', 'regnamespace', 'regrole', 'regoper', 'regconfig']);

const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

export function catalogReferences(sql: string): CatalogReferences {
  let tokens: Token[];
  try {
    tokens = lex(sql);
  } catch {
    return { readsCatalog: false, evidence: [] };
  }
  const evidence: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident') continue;
    const qualifier = isPunct(tokens[i + 1], '.') ? t.value : null;
    if (qualifier === 'pg_catalog' || qualifier === 'information_schema') {
      const next = tokens[i + 2];
      evidence.push(`${qualifier}.${next?.value ?? next?.text ?? ''}`);
      i += 2;
      continue;
    }
    if (isPunct(tokens[i - 1], '.')) continue; // a column or a relation of another schema: t.pg_class
    const call = isPunct(tokens[i + 1], '(');
    if (isPunct(tokens[i - 1], '::') && REG_TYPES.has(t.value)) evidence.push(`::${t.value}`);
    else if (call && (CATALOG_FUNCTIONS.has(t.value) || (t.value.startsWith('pg_') && t.value !== 'pg_backend_pid')))
      evidence.push(`${t.value}()`);
    else if (!call && CATALOG_RELATIONS.has(t.value) && relationPosition(tokens, i)) evidence.push(t.value);
  }
  return { readsCatalog: evidence.length > 0, evidence };
}

/** A name right after FROM, JOIN or a comma in a FROM list is a relation; elsewhere it may be a column. */
function relationPosition(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (prev === undefined) return false;
  if (prev.kind === 'ident' && !prev.quoted && (prev.value === 'from' || prev.value === 'join')) return true;
  if (!isPunct(prev, ',')) return false;
  // walk back to the clause keyword at this nesting level
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (isPunct(t, ')')) depth++;
    else if (isPunct(t, '(')) {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && t.kind === 'ident' && !t.quoted) {
      if (t.value === 'from') return true;
      if (['select', 'where', 'group', 'order', 'having', 'on', 'set', 'values', 'returning'].includes(t.value)) return false;
    }
  }
  return false;
}
