// Number formatting for the dashboard: plain functions with no DOM, so the unit tests import them too.

const FORMATS = new Map();
function numberFormat(min, max) {
  const key = `${min}/${max}`;
  let f = FORMATS.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: min, maximumFractionDigits: max });
    FORMATS.set(key, f);
  }
  return f;
}

const SYMBOLS = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

/**
 * Money as the gateway's cost notices show it (src/billing/pricing.ts formatMoney): small amounts get
 * enough decimals to show their first significant digits ($0.000048, not $0.00).
 */
export function formatMoney(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs === 0 ? 2 : abs < 0.01 ? Math.min(8, 2 + Math.ceil(-Math.log10(abs))) : abs < 1 ? 4 : 2;
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${value < 0 ? '-' : ''}${symbol}${numberFormat(2, digits).format(abs)}`;
}

/** A count: 12,345. */
export function formatCount(n) {
  return Number.isFinite(Number(n)) ? numberFormat(0, 0).format(Number(n)) : '—';
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units: 10 MiB, 1.5 GiB. */
export function formatBytes(n) {
  let v = Number(n);
  if (!Number.isFinite(v)) return '—';
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${numberFormat(0, i === 0 ? 0 : 1).format(v)} ${UNITS[i]}`;
}

/** A fraction as a percentage: 0.8 → 80%. */
export function formatPercent(fraction) {
  return Number.isFinite(Number(fraction)) ? `${numberFormat(0, 1).format(Number(fraction) * 100)}%` : '—';
}

/** The first characters of a fingerprint, enough to tell queries apart in a table. */
export function shortFingerprint(fp) {
  return typeof fp === 'string' ? fp.slice(0, 12) : '';
}

/** SQL on one line, cut to `max` characters with an ellipsis. */
export function truncateSql(sql, max = 80) {
  const one = String(sql ?? '').replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive), at most `max` of them. */
export function daysBetween(from, to, max = 92) {
  const out = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); Number.isFinite(t) && t <= end && out.length < max; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
