import { billedBytes, charge, formatBytes, formatMoney, TIB, type BillingPolicy, type Charge } from '../billing/index.ts';
import { isUnknown, type TableScanDetail } from '../estimate/index.ts';
import { GatewayError } from '../errors/index.ts';

export interface CostPolicy extends BillingPolicy {
  /** Price per TiB scanned on an engine. */
  pricePerTiB(engine: string): number;
  /** When an engine cannot estimate a reference: refuse the query, or bill `defaultUnknownBytes` for it. */
  unknownEstimate: 'refuse' | 'charge-default';
  defaultUnknownBytes: number;
}

export type ReferenceEstimate = TableScanDetail & { engine: string };

/** A statement's estimate, priced. */
export interface Costing {
  detail: ReferenceEstimate[];
  charge: Charge;
  /** References no engine could estimate ("crm.events on engine crm: ..."). */
  unknown: string[];
}

export function priceEstimate(detail: ReferenceEstimate[], policy: CostPolicy): Costing {
  const unknown: string[] = [];
  for (const d of detail) if (isUnknown(d)) unknown.push(`${d.schema}.${d.name} on engine ${d.engine}: ${d.unknown}`);
  if (unknown.length > 0 && policy.unknownEstimate === 'refuse')
    throw new GatewayError('ESTIMATE_UNAVAILABLE', `tollgate cannot estimate what this query would scan, and queries it cannot price are refused`, {
      refused: true,
      detail: unknown.join('\n'),
      hint: 'Ask an admin to configure pricing for this engine, or to set billing.unknownEstimate to charge-default.',
    });
  const refs = detail.map((d) => ({ engine: d.engine, bytes: isUnknown(d) ? policy.defaultUnknownBytes : d.bytes }));
  return { detail, charge: charge(refs, (e) => policy.pricePerTiB(e), policy), unknown };
}

/** The session's tollgate.max_bytes_billed (0: no limit), BigQuery's maximum_bytes_billed. */
export function checkMaxBytesBilled(costing: Costing, maxBytes: number): void {
  if (maxBytes <= 0 || costing.charge.billedBytes <= maxBytes) return;
  throw new GatewayError(
    'MAX_BYTES_BILLED_EXCEEDED',
    `query would bill ${formatBytes(costing.charge.billedBytes)}, over this session's tollgate.max_bytes_billed of ${formatBytes(maxBytes)}`,
    {
      refused: true,
      detail: `estimated scan ${formatBytes(costing.charge.estimatedBytes)}; billed ${costing.charge.billedBytes} bytes > limit ${maxBytes} bytes`,
      hint: 'Read fewer columns or filter on partition columns, or raise the limit with SET tollgate.max_bytes_billed.',
    },
  );
}

/**
 * The notice a client sees before the rows: `tollgate: ~1.24 GiB on lake, ~$0.0076 to team growth
 * (month: $12.40 of $200.00)`, the budget part when the team has one.
 */
export function costNotice(costing: Costing, team: string, currency: string, budgetLine?: string): string {
  const engines = [...new Set(costing.detail.map((d) => d.engine))].join(' + ');
  const approx = costing.unknown.length > 0 ? ' (partly unknown: default charged)' : '';
  const budget = budgetLine ? ` (${budgetLine})` : '';
  return `tollgate: ~${formatBytes(costing.charge.estimatedBytes)} on ${engines}, ~${formatMoney(costing.charge.cost, currency)} to team ${team}${approx}${budget}`;
}

/** A dry run's answer: one row per table reference, then the total; nothing ran and nothing is billed. */
export function dryRunRows(costing: Costing, policy: CostPolicy): Array<[string, string, bigint, bigint, string, string]> {
  const rows: Array<[string, string, bigint, bigint, string, string]> = [];
  for (const d of costing.detail) {
    const bytes = isUnknown(d) ? policy.defaultUnknownBytes : d.bytes;
    const price = policy.pricePerTiB(d.engine);
    const billed = price > 0 ? billedBytes(bytes, policy) : 0;
    const detail = isUnknown(d) ? `unknown (${d.unknown}): ${bytes} bytes charged` : [...d.pruned, ...d.notes].join('; ');
    rows.push([`${d.schema}.${d.name}`, d.engine, BigInt(isUnknown(d) ? 0 : d.bytes), BigInt(billed), ((billed / TIB) * price).toFixed(10), detail]);
  }
  const c = costing.charge;
  rows.push(['total', [...new Set(costing.detail.map((d) => d.engine))].join(' + '), BigInt(c.estimatedBytes), BigInt(c.billedBytes), c.cost.toFixed(10), `${policy.currency}`]);
  return rows;
}
