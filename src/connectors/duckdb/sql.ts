/** Quoting for the few statements the connector writes itself (setup, wrappers). */

/** `"name"` with embedded double quotes doubled. NUL is refused: DuckDB cannot hold it in a name. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new TypeError('identifier contains a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'` with embedded single quotes doubled (DuckDB strings have no backslash escapes). */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new TypeError('string literal contains a NUL character');
  return `'${text.replaceAll("'", "''")}'`;
}

/** Drops trailing semicolons and whitespace so a statement can be wrapped in a subquery. */
export function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/**
 * The first keyword of a statement, upper-cased, skipping whitespace, comments and opening
 * parentheses; '' when there is none.
 */
export function leadingKeyword(sql: string): string {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (ch === '(' || /\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else {
      break;
    }
  }
  const m = /^[A-Za-z_]+/.exec(sql.slice(i, i + 64));
  return m ? m[0].toUpperCase() : '';
}
