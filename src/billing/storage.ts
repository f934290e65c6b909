import type { ServedTables } from '../catalog/index.ts';
import type { Connector } from '../connectors/contract.ts';
import type { Logger } from '../log/index.ts';
import { TIB } from './pricing.ts';

export interface StorageOwner {
  schema: string;
  /** Absent: every table of the schema. */
  table?: string;
  team: string;
}

export interface StorageCharge {
  day: string;
  schema: string;
  name: string;
  engine: string;
  team: string;
  bytes: number;
  cost: number;
}

/** The owning team of a table: an entry naming the table wins over one naming its schema. */
export function ownerOf(owners: readonly StorageOwner[], schema: string, table: string): string | undefined {
  return owners.find((o) => o.schema === schema && o.table === table)?.team ?? owners.find((o) => o.schema === schema && o.table === undefined)?.team;
}

/** One day's share of a monthly price: the month's days as the calendar has them (UTC). */
export function dailyStorageCost(bytes: number, perTiBMonth: number, day: Date): number {
  const days = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
  return ((bytes / TIB) * perTiBMonth) / days;
}

/**
 * Today's storage charges: every served table that has an owner, measured by the engine holding it
 * ("how much data you store, you pay for it"). A table on several engines is charged per engine (each
 * copy takes space). Tables without an owner, or an engine that cannot measure, are skipped and logged.
 */
export async function measureStorage(opts: {
  day: Date;
  served: ServedTables;
  connectors: readonly Connector[];
  owners: readonly StorageOwner[];
  perTiBMonth: number;
  logger: Logger;
}): Promise<StorageCharge[]> {
  const day = opts.day.toISOString().slice(0, 10);
  const out: StorageCharge[] = [];
  for (const c of opts.connectors) {
    if (!c.storedBytes) continue;
    const tables = opts.served
      .distinct()
      .flatMap((t) => opts.served.replicas(t.schema, t.name))
      .filter((r) => r.engine === c.name)
      .map((r) => ({ schema: r.schema, name: r.name, team: ownerOf(opts.owners, r.schema, r.name) }))
      .filter((t): t is { schema: string; name: string; team: string } => t.team !== undefined);
    if (tables.length === 0) continue;
    let sizes: Array<number | undefined>;
    try {
      sizes = await c.storedBytes(tables);
    } catch (err) {
      opts.logger.warn({ err, engine: c.name }, 'storage could not be measured; no storage charge today for its tables');
      continue;
    }
    tables.forEach((t, i) => {
      const bytes = sizes[i];
      if (bytes === undefined) return;
      out.push({ day, schema: t.schema, name: t.name, engine: c.name, team: t.team, bytes, cost: dailyStorageCost(bytes, opts.perTiBMonth, opts.day) });
    });
  }
  return out;
}
