import { lex } from '../parser/index.ts';

/**
 * Names whose value changes between two runs over the same data: time, randomness, the session, sequences.
 * Matched as any unquoted identifier (a keyword like current_date, or a call), so a column of one of
 * these names excludes a statement too: a cache miss is cheap, a wrong answer is not.
 */
const NON_DETERMINISTIC = new Set([
  'now', 'current_timestamp', 'current_time', 'current_date', 'localtime', 'localtimestamp', 'transaction_timestamp',
  'statement_timestamp', 'clock_timestamp', 'timeofday', 'get_current_time', 'get_current_timestamp',
  'random', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuid_generate_v1', 'uuid_generate_v4', 'random_uuid',
  'current_user', 'session_user', 'system_user', 'user', 'current_role', 'current_setting', 'set_config', 'current_query',
  'pg_backend_pid', 'inet_client_addr', 'inet_client_port', 'txid_current', 'pg_current_xact_id',
  'nextval', 'currval', 'lastval',
]);

/** Non-deterministic only when called: also a type (`::uuid`) or a common column alias. */
const NON_DETERMINISTIC_CALLS = new Set(['uuid', 'today']);

/** Table functions reading files or URLs directly: what they read has no data version. */
const UNVERSIONED_READS = new Set([
  'read_parquet', 'parquet_scan', 'read_csv', 'read_csv_auto', 'read_json', 'read_json_auto', 'read_ndjson',
  'read_text', 'read_blob', 'glob', 'iceberg_scan', 'delta_scan', 'dblink',
]);

/** Why a statement must not be cached whatever its tables' versions, or null when nothing forbids it. */
export function uncacheableReason(sql: string): string | null {
  let tokens;
  try {
    tokens = lex(sql);
  } catch {
    return 'unreadable statement';
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || t.quoted) continue;
    if (NON_DETERMINISTIC.has(t.value)) return `non-deterministic: ${t.value}`;
    if (NON_DETERMINISTIC_CALLS.has(t.value) && tokens[i + 1]?.text === '(') return `non-deterministic: ${t.value}()`;
    if (UNVERSIONED_READS.has(t.value)) return `reads files directly: ${t.value}`;
    // DuckDB's FROM 'file.parquet'.
    if ((t.value === 'from' || t.value === 'join') && tokens[i + 1]?.kind === 'string') return 'reads a file directly';
  }
  return null;
}
