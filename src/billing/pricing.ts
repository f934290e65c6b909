/**
 * What a query costs, the way cloud warehouses bill bytes processed: per table reference, the estimated
 * bytes rounded up to the MiB with a minimum per reference, priced per TiB at the engine's rate. Catalog
 * and session statements, cache hits and failed queries cost nothing (decided by the caller).
 */
export interface BillingPolicy {
  /** Every reference is billed at least this (BigQuery: 10 MB). */
  minimumBytesPerTable: number;
  /** Billed bytes are rounded up to a multiple of this (BigQuery: 1 MB). */
  roundingBytes: number;
  currency: string;
}

export const DEFAULT_BILLING: BillingPolicy = { minimumBytesPerTable: 10 * 2 ** 20, roundingBytes: 2 ** 20, currency: 'USD' };

export const TIB = 2 ** 40;

export interface ReferenceBytes {
  engine: string;
  /** Estimated bytes this reference scans. */
  bytes: number;
}

export interface Charge {
  estimatedBytes: number;
  billedBytes: number;
  /** In the policy's currency. */
  cost: number;
  /** Billed bytes and cost per engine, for the notice and the ledger. */
  byEngine: Array<{ engine: string; billedBytes: number; cost: number }>;
}

/** One reference's billed bytes: rounded up, never under the minimum. */
export function billedBytes(bytes: number, policy: BillingPolicy): number {
  const rounded = Math.ceil(Math.max(0, bytes) / policy.roundingBytes) * policy.roundingBytes;
  return Math.max(rounded, policy.minimumBytesPerTable);
}

/** The charge of a statement reading `refs`, at each engine's price per TiB. */
export function charge(refs: readonly ReferenceBytes[], pricePerTiB: (engine: string) => number, policy: BillingPolicy): Charge {
  const byEngine = new Map<string, { billedBytes: number; cost: number }>();
  let estimatedBytes = 0;
  for (const ref of refs) {
    estimatedBytes += ref.bytes;
    const price = pricePerTiB(ref.engine);
    // A free engine (the ledger's own tables) bills nothing, not a minimum at no price.
    const billed = price > 0 ? billedBytes(ref.bytes, policy) : 0;
    const e = byEngine.get(ref.engine) ?? { billedBytes: 0, cost: 0 };
    e.billedBytes += billed;
    e.cost += (billed / TIB) * price;
    byEngine.set(ref.engine, e);
  }
  const engines = [...byEngine].map(([engine, e]) => ({ engine, ...e }));
  return {
    estimatedBytes,
    billedBytes: engines.reduce((a, e) => a + e.billedBytes, 0),
    cost: engines.reduce((a, e) => a + e.cost, 0),
    byEngine: engines,
  };
}

/** 1.24 GiB, 512 MiB, 10 MiB, 900 B: binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** $0.0076, $12.40, $1,234.50: at least two decimals, four significant ones for amounts under a cent... */
export function formatMoney(amount: number, currency: string): string {
  const symbol = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : `${currency} `;
  const digits = amount === 0 ? 2 : amount < 0.01 ? Math.min(8, 2 + Math.ceil(-Math.log10(amount))) : amount < 1 ? 4 : 2;
  return `${symbol}${moneyFormat(digits).format(amount)}`;
}

/** toLocaleString with options builds an Intl.NumberFormat per call (~0.1 ms); one per digit count is kept. */
const MONEY_FORMATS = new Map<number, Intl.NumberFormat>();
function moneyFormat(digits: number): Intl.NumberFormat {
  let f = MONEY_FORMATS.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits });
    MONEY_FORMATS.set(digits, f);
  }
  return f;
}
