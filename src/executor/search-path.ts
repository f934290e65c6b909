/** Schemas every PostgreSQL database has, whatever tollgate serves. */
const BUILTIN_SCHEMAS = ['public', 'pg_catalog', 'information_schema'];

/**
 * The schema names a search_path value lists, in order, as PostgreSQL reads them: unquoted names fold
 * to lower case, quoted ones are taken as written, and "$user" stands for the session user.
 */
export function searchPathSchemas(value: string, user: string): string[] {
  const names: string[] = [];
  // An element is "quoted" (with "" for a quote) or a run of anything but commas, trimmed.
  for (const m of value.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,]*?))\s*(?:,|$)/gy)) {
    if (m[0] === '') break;
    const name = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
    if (name !== '') names.push(name === '$user' ? user : name);
  }
  return names;
}

/** current_schema(): the first schema on the search path that exists, or null when none does. */
export function currentSchema(searchPath: string, user: string, servedSchemas: ReadonlySet<string>): string | null {
  for (const name of searchPathSchemas(searchPath, user)) if (servedSchemas.has(name) || BUILTIN_SCHEMAS.includes(name)) return name;
  return null;
}
