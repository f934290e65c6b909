/**
 * Scan estimates for Vertica tables, from Vertica's storage monitoring (never by running the query):
 *
 * - the bytes of the needed columns in the projection a query reads (stats.ts `columnStorage`:
 *   v_monitor.column_storage used_bytes of the first super projection, summed over the nodes of a
 *   segmented projection, one node's copy of a replicated one); count(*) reads one column: the smallest;
 * - partition pruning when the table is partitioned by a plain column (v_catalog.tables
 *   partition_expression `t.col`) and the statement has predicates on that column: the predicates are
 *   evaluated against the partition keys (stats.ts `partitions`: v_monitor.partitions), and the column
 *   bytes scaled by the kept partitions' share of the ROS bytes. A partition expression that is not a
 *   plain column (date_trunc(…), hash(…)), or a predicate whose value cannot be compared with the key
 *   text (timestamps, intervals, …), prunes nothing, and the notes say so.
 *
 * The storage of a table is cached for a few minutes. A reference that cannot be estimated (a view, a
 * table Vertica does not know, a failed statement) is answered `{ unknown }`, never a throw.
 *
 * Approximate: the scaling assumes every column is spread over the partitions like the ROS bytes
 * (Vertica prunes whole ROS containers, so with the per-partition column bytes unknown this is a share);
 * deleted rows still stored are counted; the projection the optimizer picks may be a narrower one.
 */
import type { TableRef } from '../contract.ts';
import type { Predicate, TableRead } from '../../parser/analysis/types.ts';
import type { TableScanDetail } from '../../estimate/types.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import type { Fetch } from './catalog.ts';
import { columnStorage, partitions, type TablePartitions, type TableStorage } from './stats.ts';

/** Runs work on one leased session of the connector. */
export type WithFetch = <T>(work: (fetch: Fetch) => Promise<T>) => Promise<T>;

export const STORAGE_TTL_MS = 5 * 60 * 1000;

const LABEL = "/*+LABEL('tollgate:stats')*/";

interface TableMeta {
  /** False when v_catalog.tables has no such table (a view, or nothing). */
  exists: boolean;
  partitionExpression: string;
  storage: TableStorage;
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));

/** The column of a partition expression that is a plain column reference (`t.col`, `"s"."t"."col"`), else null. */
export function partitionColumnOf(expression: string): string | null {
  const m = /^\s*(?:(?:"[^"]+"|[A-Za-z_][\w$]*)\s*\.\s*){0,2}(?:"([^"]+)"|([A-Za-z_][\w$]*))\s*$/.exec(expression);
  if (!m) return null;
  return (m[1] ?? m[2])!;
}

type Comparable = { kind: 'num'; n: number } | { kind: 'str'; s: string };

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

function isoDate(days: number): string | null {
  if (!Number.isFinite(days)) return null;
  const d = new Date(days * 86_400_000);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return null;
  return d.toISOString().slice(0, 10);
}

/** A predicate value as something the key text can be compared with; null when it cannot be. */
function comparable(v: PgValue, type: string): Comparable | null {
  if (v === null) return null;
  if (type === 'date') return typeof v === 'number' ? ((s) => (s === null ? null : { kind: 'str' as const, s }))(isoDate(v)) : typeof v === 'string' ? { kind: 'str', s: v } : null;
  if (typeof v === 'number') return Number.isFinite(v) ? { kind: 'num', n: v } : null;
  if (typeof v === 'bigint') return { kind: 'num', n: Number(v) };
  if (typeof v === 'string') {
    if (type === 'numeric' || type.startsWith('int') || type.startsWith('float')) return NUMERIC.test(v) ? { kind: 'num', n: Number(v) } : null;
    if (type === 'unknown' || type === 'text' || type === 'varchar' || type === 'bpchar' || type === 'name') return { kind: 'str', s: v };
    return null;
  }
  return null;
}

/** -1, 0, 1 comparing a partition key with a value; null when they do not compare. */
function compareKey(key: string, v: Comparable): number | null {
  if (v.kind === 'num') {
    if (!NUMERIC.test(key)) return null;
    const k = Number(key);
    return k < v.n ? -1 : k > v.n ? 1 : 0;
  }
  const a = key.replace(/ +$/, '');
  const b = v.s.replace(/ +$/, '');
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a partition with this key can hold rows satisfying the predicate; null when it cannot tell. */
export function keyMayMatch(key: string, p: Predicate): boolean | null {
  if (!('type' in p)) return null;
  const type = p.type;
  const cmp = (v: PgValue): number | null => {
    const c = comparable(v, type);
    return c === null ? null : compareKey(key, c);
  };
  switch (p.op) {
    case 'in': {
      const cs = p.values.map(cmp);
      if (cs.some((c) => c === 0)) return true;
      return cs.every((c) => c !== null) ? false : null;
    }
    case 'between': {
      const lo = cmp(p.low);
      const hi = cmp(p.high);
      if (lo === null || hi === null) return null;
      return lo >= 0 && hi <= 0;
    }
    default: {
      if (!('value' in p)) return null;
      const c = cmp(p.value);
      if (c === null) return null;
      switch (p.op) {
        case '=':
          return c === 0;
        case '<>':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
    }
  }
  return null;
}

const describePredicate = (p: Predicate): string => {
  const show = (v: PgValue): string => (typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '…');
  switch (p.op) {
    case 'is null':
    case 'is not null':
      return `${p.column} ${p.op}`;
    case 'between':
      return `${p.column} between ${show(p.low)} and ${show(p.high)}`;
    case 'in':
      return `${p.column} in (${p.values.map(show).join(', ')})`;
    default:
      return `${p.column} ${p.op} ${show(p.value)}`;
  }
};

export class VerticaEstimator {
  private readonly cache = new Map<string, { at: number; value: Promise<TableMeta> }>();
  private readonly partitionCache = new Map<string, { at: number; value: Promise<TablePartitions> }>();

  constructor(
    private readonly withFetch: WithFetch,
    private readonly ttlMs = STORAGE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  private key = (t: TableRef): string => `${t.schema.toLowerCase()}\u0000${t.name.toLowerCase()}`;

  private cached<T>(map: Map<string, { at: number; value: Promise<T> }>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    map.set(key, { at: this.now(), value });
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    return value;
  }

  private meta(table: TableRef): Promise<TableMeta> {
    return this.cached(this.cache, this.key(table), () =>
      this.withFetch(async (fetch) => {
        const { rows } = await fetch(
          `SELECT ${LABEL} partition_expression FROM v_catalog.tables WHERE LOWER(table_schema) = ? AND LOWER(table_name) = ?`,
          [table.schema.toLowerCase(), table.name.toLowerCase()],
        );
        const storage = await columnStorage(fetch, table);
        return { exists: rows.length > 0, partitionExpression: rows[0]?.[0] ?? '', storage };
      }),
    );
  }

  private partitions(table: TableRef): Promise<TablePartitions> {
    return this.cached(this.partitionCache, this.key(table), () =>
      this.withFetch((fetch) => partitions(fetch, table)),
    );
  }

  /** Forgets cached storage (all, or one table's). */
  invalidate(table?: TableRef): void {
    if (table === undefined) {
      this.cache.clear();
      this.partitionCache.clear();
    } else {
      this.cache.delete(this.key(table));
      this.partitionCache.delete(this.key(table));
    }
  }

  async estimate(reads: readonly TableRead[]): Promise<TableScanDetail[]> {
    return Promise.all(reads.map((r) => this.estimateOne(r)));
  }

  /** Bytes every projection of each table stores (all nodes, buddies included); undefined where unknown. */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    return Promise.all(
      tables.map(async (t) => {
        try {
          const m = await this.meta(t);
          return m.exists ? m.storage.projections.reduce((a, p) => a + p.usedBytes, 0) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
  }

  private async estimateOne(read: TableRead): Promise<TableScanDetail> {
    const base = { schema: read.schema, name: read.name, position: read.position };
    let meta: TableMeta;
    try {
      meta = await this.meta(read);
    } catch (e) {
      return { ...base, unknown: `reading Vertica's storage failed: ${message(e)}` };
    }
    if (!meta.exists) return { ...base, unknown: 'not a table of the engine (a view: its scan is that of the tables it reads)' };
    const notes: string[] = [];
    const pruned: string[] = [];
    const storage = meta.storage;
    const byName = new Map(storage.columns.map((c) => [c.column.toLowerCase(), c] as const));
    let columnBytes = 0;
    if (storage.columns.length === 0) {
      notes.push('Vertica reports no storage for the table (no data loaded)');
    } else if (read.columns.length === 0) {
      columnBytes = Math.min(...storage.columns.map((c) => c.scanBytes));
      notes.push('no column is needed: the smallest column is counted');
    } else {
      const largest = Math.max(...storage.columns.map((c) => c.scanBytes));
      for (const col of read.columns) {
        const s = byName.get(col.toLowerCase());
        if (s !== undefined) columnBytes += s.scanBytes;
        else {
          columnBytes += largest;
          notes.push(`no storage reported for column ${col} in ${storage.projection}: the largest column is counted for it`);
        }
      }
    }
    if (storage.projection !== null) notes.push(`projection ${storage.projection}`);

    let files = { total: 1, kept: 1 };
    let share = 1;
    const partitionColumn = meta.partitionExpression.trim() === '' ? null : partitionColumnOf(meta.partitionExpression);
    const onPartition = partitionColumn === null ? [] : read.predicates.filter((p) => p.column.toLowerCase() === partitionColumn.toLowerCase());
    if (meta.partitionExpression.trim() !== '' && partitionColumn === null && read.predicates.length > 0) {
      notes.push(`partitioned by ${meta.partitionExpression}, not a plain column: partitions not pruned`);
    }
    if (onPartition.length > 0 && columnBytes > 0) {
      try {
        const parts = (await this.partitions(read)).partitions;
        const totalBytes = parts.reduce((a, p) => a + p.bytes, 0);
        const unusable = new Set<string>();
        const kept = parts.filter((part) =>
          onPartition.every((p) => {
            const m = keyMayMatch(part.key, p);
            if (m === null) unusable.add(describePredicate(p));
            return m !== false;
          }),
        );
        for (const u of unusable) notes.push(`predicate ${u} not compared with the partition keys`);
        const keptBytes = kept.reduce((a, p) => a + p.bytes, 0);
        files = { total: parts.reduce((a, p) => a + p.rosContainers, 0), kept: kept.reduce((a, p) => a + p.rosContainers, 0) };
        if (totalBytes > 0) share = keptBytes / totalBytes;
        if (kept.length < parts.length) {
          pruned.push(`${onPartition.map(describePredicate).join(' and ')}: ${kept.length} of ${parts.length} partitions`);
        }
      } catch (e) {
        notes.push(`partitions not pruned (reading v_monitor.partitions failed: ${message(e)})`);
      }
    }
    const bytes = Math.round(columnBytes * share);
    return {
      ...base,
      columns: [...read.columns],
      files,
      rowGroups: { total: 0, kept: 0 },
      bytes,
      dataBytes: bytes,
      metadataBytes: 0,
      chunkBytes: bytes,
      pruned,
      notes,
    };
  }
}
