import { lex } from '../parser/index.ts';

/**
 * Whether a catalog statement's result depends only on the catalog (which changes only when tollgate
 * refreshes it), the user and the statement's own inputs, so that it can be answered again from memory.
 * BI tools re-read the same metadata all day (Metabase syncs hourly, DBeaver on every expand).
 *
 * Refused: anything naming a function or relation whose answer changes on its own (time, activity,
 * statistics, settings, locks, sequences, randomness, backend identity), and anything with side effects.
 */
const VOLATILE_NAMES = new Set([
  'now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'timeofday', 'current_timestamp', 'current_time',
  'localtime', 'localtimestamp', 'random', 'setseed', 'gen_random_uuid', 'uuid_generate_v4', 'nextval', 'currval', 'lastval', 'setval',
  'set_config', 'current_setting', 'pg_backend_pid', 'pg_sleep', 'pg_postmaster_start_time', 'pg_conf_load_time', 'pg_current_logfile',
  'pg_settings', 'pg_locks', 'pg_cursors', 'pg_prepared_statements', 'pg_prepared_xacts', 'pg_file_settings', 'pg_timezone_names',
  'pg_timezone_abbrevs', 'pg_database_size', 'pg_relation_size', 'pg_total_relation_size', 'pg_table_size', 'pg_indexes_size',
  'inet_client_addr', 'inet_client_port', 'inet_server_addr', 'inet_server_port', 'version', 'age', 'txid_current', 'pg_notify',
  'pg_cancel_backend', 'pg_terminate_backend', 'lo_import', 'lo_export', 'pg_advisory_lock', 'pg_try_advisory_lock',
]);
const VOLATILE_PREFIXES = ['pg_stat', 'pg_current_', 'pg_last_', 'pg_is_', 'pg_ls_', 'pg_read_', 'pg_advisory', 'txid_', 'pg_xact', 'pg_snapshot', 'pg_replication', 'pg_wal'];

export function cacheableCatalogStatement(sql: string): boolean {
  let tokens;
  try {
    tokens = lex(sql);
  } catch {
    return false;
  }
  const first = tokens[0];
  if (first?.kind !== 'ident' || (first.value !== 'select' && first.value !== 'with')) return false;
  for (const t of tokens) {
    if (t.kind !== 'ident') continue;
    if (VOLATILE_NAMES.has(t.value)) return false;
    if (VOLATILE_PREFIXES.some((p) => t.value.startsWith(p))) return false;
    if (t.value === 'for' || t.value === 'into') return false; // FOR UPDATE, SELECT INTO
  }
  return true;
}
