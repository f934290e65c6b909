/**
 * PostgreSQL's COPY text format, as much of it as the ledger writes: fields separated by tabs, rows by
 * newlines, `\N` for NULL, and backslash, tab, newline and carriage return escaped with a backslash.
 * Every other character goes as it is (UTF-8 on the wire); a NUL, which no text value may hold, is
 * refused by PostgreSQL (SQLSTATE 22021) like any other bad value.
 */

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text field; NULL for null or undefined. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  // Most values (names, statements) hold none of the four: one scan, no copy.
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]!) : value;
}

/** A number field (integer, float or numeric column); NULL for undefined. */
export function copyNumber(value: number | undefined): string {
  return value === undefined ? '\\N' : String(value);
}

let formattedSecond = Number.NaN;
let secondPrefix = '';

/**
 * A timestamptz field in UTC with milliseconds ('2026-11-27T04:49:37.860Z'), `ms` since the epoch.
 * Date.prototype.toISOString took ~1 µs a call, two per ledger record; the part up to the second is
 * kept for the next call, since records come in bursts within one second.
 */
export function copyTimestamp(ms: number): string {
  if (!Number.isFinite(ms)) return '\\N';
  const second = Math.floor(ms / 1000);
  if (second !== formattedSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years past 9999 come out as '+0100000-...': no fixed-width prefix to keep; formatted whole.
    if (iso.length !== 24) return new Date(ms).toISOString();
    formattedSecond = second;
    secondPrefix = iso.slice(0, 19);
  }
  const millis = Math.floor(ms - second * 1000);
  return `${secondPrefix}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
