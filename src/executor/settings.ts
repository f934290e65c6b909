import { GatewayError } from '../errors/index.ts';

/**
 * The run-time parameters a session has, PostgreSQL style. Clients SET and SHOW many of them (and read
 * the `report`ed ones from ParameterStatus); tollgate keeps their values per session and validates the
 * few whose value changes how results are printed. Unknown parameters are accepted by SET only when they
 * carry a dot (custom options such as `tollgate.engine`), as PostgreSQL does.
 */
export interface ParameterSpec {
  /** Canonical spelling shown by SHOW ALL and ParameterStatus (e.g. 'DateStyle'). */
  name: string;
  defaultValue: string;
  /** Sent as ParameterStatus at startup and whenever it changes (PostgreSQL's GUC_REPORT). */
  report?: boolean;
  /** Cannot be changed after startup. */
  readOnly?: boolean;
  description: string;
  /** Returns the normalized value, or throws a GatewayError. */
  normalize?: (value: string) => string;
}

function normalizeBool(name: string) {
  return (v: string): string => {
    const s = v.trim().toLowerCase();
    if (['on', 'true', 'yes', '1', 't', 'y'].includes(s)) return 'on';
    if (['off', 'false', 'no', '0', 'f', 'n'].includes(s)) return 'off';
    throw new GatewayError('INVALID_PARAMETER_VALUE', `parameter "${name}" requires a Boolean value`);
  };
}

function normalizeInt(name: string, min: number, max: number) {
  return (v: string): string => {
    const s = v.trim();
    if (!/^[+-]?\d+$/.test(s)) throw new GatewayError('INVALID_PARAMETER_VALUE', `invalid value for parameter "${name}": "${v}"`);
    const n = Number(s);
    if (n < min || n > max)
      throw new GatewayError('INVALID_PARAMETER_VALUE', `${n} is outside the valid range for parameter "${name}" (${min} .. ${max})`);
    return String(n);
  };
}

function normalizeEncoding(v: string): string {
  const s = v.trim().toUpperCase().replace(/[-_]/g, '');
  if (s === 'UTF8' || s === 'UNICODE') return 'UTF8';
  throw new GatewayError('FEATURE_NOT_SUPPORTED', `encoding "${v}" is not supported: tollgate speaks UTF8 only`, { hint: 'Set client_encoding to UTF8.' });
}

/** PostgreSQL accepts 'ISO', 'ISO, MDY', 'MDY', 'German, DMY'...; tollgate prints ISO and records the order. */
function normalizeDateStyle(v: string): string {
  let style = 'ISO';
  let order = 'MDY';
  for (const part of v.split(',').map((p) => p.trim().toUpperCase()).filter(Boolean)) {
    if (['ISO', 'SQL', 'POSTGRES', 'GERMAN'].includes(part)) {
      if (part !== 'ISO')
        throw new GatewayError('FEATURE_NOT_SUPPORTED', `DateStyle "${part}" is not supported: tollgate prints dates in ISO style`, { hint: "Use SET DateStyle = 'ISO'." });
      style = part;
    } else if (['MDY', 'DMY', 'YMD', 'US', 'NONEURO', 'NONEUROPEAN', 'EURO', 'EUROPEAN', 'DEFAULT'].includes(part)) {
      order = part === 'DMY' || part === 'EURO' || part === 'EUROPEAN' ? 'DMY' : part === 'YMD' ? 'YMD' : 'MDY';
    } else {
      throw new GatewayError('INVALID_PARAMETER_VALUE', `invalid value for parameter "DateStyle": "${v}"`, { detail: `Unrecognized key word: "${part}".` });
    }
  }
  return `${style === 'ISO' ? 'ISO' : style}, ${order}`;
}

export function isValidTimeZone(tz: string): boolean {
  if (/^[+-]?\d{1,2}(:\d{2})?$/.test(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function normalizeTimeZone(v: string): string {
  const s = v.trim();
  if (s.toLowerCase() === 'utc' || s.toLowerCase() === 'z') return 'UTC';
  if (s.toLowerCase() === 'gmt') return 'GMT';
  if (!isValidTimeZone(s)) throw new GatewayError('INVALID_PARAMETER_VALUE', `invalid value for parameter "TimeZone": "${v}"`);
  return s;
}

function oneOf(name: string, allowed: string[]) {
  return (v: string): string => {
    const s = v.trim().toLowerCase();
    if (!allowed.includes(s))
      throw new GatewayError('INVALID_PARAMETER_VALUE', `invalid value for parameter "${name}": "${v}"`, { hint: `Available values: ${allowed.join(', ')}.` });
    return s;
  };
}

export function parameterSpecs(serverVersion: string): ParameterSpec[] {
  return [
    { name: 'server_version', defaultValue: serverVersion, report: true, readOnly: true, description: 'Shows the server version.' },
    { name: 'server_version_num', defaultValue: '150000', readOnly: true, description: 'Shows the server version as an integer.' },
    { name: 'server_encoding', defaultValue: 'UTF8', report: true, readOnly: true, description: 'Shows the server (database) character set encoding.' },
    { name: 'client_encoding', defaultValue: 'UTF8', report: true, description: "Sets the client's character set encoding.", normalize: normalizeEncoding },
    { name: 'application_name', defaultValue: '', report: true, description: 'Sets the application name to be reported in statistics and logs.', normalize: (v) => v.slice(0, 63) },
    { name: 'DateStyle', defaultValue: 'ISO, MDY', report: true, description: 'Sets the display format for date and time values.', normalize: normalizeDateStyle },
    { name: 'IntervalStyle', defaultValue: 'postgres', report: true, description: 'Sets the display format for interval values.', normalize: oneOf('IntervalStyle', ['postgres', 'postgres_verbose', 'sql_standard', 'iso_8601']) },
    { name: 'TimeZone', defaultValue: 'UTC', report: true, description: 'Sets the time zone for displaying and interpreting time stamps.', normalize: normalizeTimeZone },
    { name: 'integer_datetimes', defaultValue: 'on', report: true, readOnly: true, description: 'Shows whether datetimes are integer based.' },
    { name: 'standard_conforming_strings', defaultValue: 'on', report: true, description: "Causes '...' strings to treat backslashes literally.", normalize: (v) => {
      const b = normalizeBool('standard_conforming_strings')(v);
      if (b !== 'on') throw new GatewayError('FEATURE_NOT_SUPPORTED', 'standard_conforming_strings cannot be turned off in tollgate');
      return b;
    } },
    { name: 'is_superuser', defaultValue: 'off', report: true, readOnly: true, description: 'Shows whether the current user is a superuser.' },
    { name: 'session_authorization', defaultValue: '', report: true, readOnly: true, description: 'Sets the session user name.' },
    { name: 'default_transaction_read_only', defaultValue: 'on', report: true, description: 'Sets the default read-only status of new transactions.', normalize: normalizeBool('default_transaction_read_only') },
    { name: 'in_hot_standby', defaultValue: 'off', report: true, readOnly: true, description: 'Shows whether hot standby is currently active.' },
    { name: 'extra_float_digits', defaultValue: '1', description: 'Sets the number of digits displayed for floating-point values.', normalize: normalizeInt('extra_float_digits', -15, 3) },
    { name: 'search_path', defaultValue: '"$user", public', description: 'Sets the schema search order for names that are not schema-qualified.' },
    { name: 'transaction_isolation', defaultValue: 'read committed', description: "Sets the current transaction's isolation level.", normalize: oneOf('transaction_isolation', ['serializable', 'repeatable read', 'read committed', 'read uncommitted']) },
    { name: 'default_transaction_isolation', defaultValue: 'read committed', description: 'Sets the transaction isolation level of each new transaction.', normalize: oneOf('default_transaction_isolation', ['serializable', 'repeatable read', 'read committed', 'read uncommitted']) },
    { name: 'transaction_read_only', defaultValue: 'on', description: "Sets the current transaction's read-only status.", normalize: normalizeBool('transaction_read_only') },
    { name: 'statement_timeout', defaultValue: '0', description: 'Sets the maximum allowed duration of any statement.', normalize: (v) => v.trim() },
    { name: 'lock_timeout', defaultValue: '0', description: 'Sets the maximum allowed duration of any wait for a lock.' },
    { name: 'idle_in_transaction_session_timeout', defaultValue: '0', description: 'Sets the maximum allowed idle time between queries, when in a transaction.' },
    { name: 'bytea_output', defaultValue: 'hex', description: 'Sets the output format for bytea.', normalize: oneOf('bytea_output', ['hex', 'escape']) },
    { name: 'client_min_messages', defaultValue: 'notice', description: 'Sets the message levels that are sent to the client.', normalize: oneOf('client_min_messages', ['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'warning', 'error']) },
    { name: 'max_identifier_length', defaultValue: '63', readOnly: true, description: 'Shows the maximum identifier length.' },
    { name: 'lc_collate', defaultValue: 'C.UTF-8', readOnly: true, description: "Shows the collation order locale." },
    { name: 'lc_ctype', defaultValue: 'C.UTF-8', readOnly: true, description: 'Shows the character classification and case conversion locale.' },
    { name: 'lc_messages', defaultValue: 'C.UTF-8', description: 'Sets the language in which messages are displayed.' },
    { name: 'lc_monetary', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting monetary amounts.' },
    { name: 'lc_numeric', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting numbers.' },
    { name: 'lc_time', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting date and time values.' },
    { name: 'max_connections', defaultValue: '500', readOnly: true, description: 'Sets the maximum number of concurrent connections.' },
    { name: 'block_size', defaultValue: '8192', readOnly: true, description: 'Shows the size of a disk block.' },
    { name: 'row_security', defaultValue: 'on', description: 'Enable row security.', normalize: normalizeBool('row_security') },
    { name: 'jit', defaultValue: 'off', description: 'Allow JIT compilation.', normalize: normalizeBool('jit') },
    { name: 'geqo', defaultValue: 'on', description: 'Enables genetic query optimization.', normalize: normalizeBool('geqo') },
    { name: 'work_mem', defaultValue: '4MB', description: 'Sets the maximum memory to be used for query workspaces.' },
    { name: 'tollgate.cache', defaultValue: 'on', description: 'Use the result cache for this session.', normalize: normalizeBool('tollgate.cache') },
    { name: 'tollgate.engine', defaultValue: '', description: 'Prefer this engine when a table has replicas.' },
  ];
}
