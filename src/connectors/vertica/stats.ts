/**
 * Statistics for estimates, from Vertica's own monitoring tables.
 *
 * Vertica stores a table as projections (sorted, encoded column sets; usually a super projection with
 * every column, twice — buddies _b0/_b1 — when the database is K-safe), each segmented across the
 * nodes or replicated on every node. A query reads one projection, so sizes are reported for one: the
 * first super projection by name (the optimizer's usual pick), with every projection listed besides.
 *
 * - `columnStorage`: v_monitor.column_storage (one row per node, projection and column: used_bytes,
 *   row_count) joined with v_catalog.projections (is_super_projection, is_segmented). `scanBytes` is
 *   what a full scan of the column reads: the sum over nodes for a segmented projection, one node's
 *   share for a replicated one.
 * - `partitions`: v_monitor.partitions (one row per partition key and ROS container: ros_size_bytes,
 *   ros_row_count, deleted_row_count) joined with v_catalog.projections for the anchor table, summed per
 *   partition key for the chosen projection. An unpartitioned table has none.
 * - `queryConsumption`: v_monitor.query_consumption (data_bytes_read and the other counters, keyed by
 *   transaction_id and statement_id) joined with v_monitor.query_requests for the request label: by the
 *   label tollgate put on a statement (its ledger id), or by transaction and statement id. Vertica fills
 *   these tables from its data collector once a statement has ended; an empty answer may just be early.
 */
import type { TableRef } from '../contract.ts';
import type { Fetch } from './catalog.ts';
import { labelFor } from './sql.ts';

const LABEL = "/*+LABEL('tollgate:stats')*/";

export interface ColumnStorage {
  column: string;
  /** Bytes a full scan of the column reads (see above). */
  scanBytes: number;
  /** Bytes stored across all nodes. */
  usedBytes: number;
  rowCount: number;
}

export interface ProjectionStorage {
  name: string;
  isSuper: boolean;
  segmented: boolean;
  nodes: number;
  usedBytes: number;
  scanBytes: number;
}

export interface TableStorage extends TableRef {
  /** The projection `columns` describe (null when Vertica reports no storage for the table). */
  projection: string | null;
  columns: ColumnStorage[];
  /** Sum of the columns' scanBytes. */
  scanBytes: number;
  projections: ProjectionStorage[];
}

export interface PartitionStats {
  key: string;
  bytes: number;
  rowCount: number;
  deletedRowCount: number;
  rosContainers: number;
}

export interface TablePartitions extends TableRef {
  projection: string | null;
  partitions: PartitionStats[];
}

export interface QueryConsumption {
  /** Vertica's transaction id (above 2^53: kept as text). */
  transactionId: string;
  statementId: number;
  label: string | null;
  success: boolean | null;
  durationMs: number | null;
  dataBytesRead: number;
  dataBytesWritten: number;
  networkBytesSent: number;
  networkBytesReceived: number;
  cpuCyclesUs: number;
  bytesSpilled: number;
}

const n = (v: string | null | undefined): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
const flag = (v: string | null | undefined): boolean => v === 't' || v === 'true' || v === '1';

export async function columnStorage(fetch: Fetch, table: TableRef): Promise<TableStorage> {
  const { rows } = await fetch(
    `SELECT ${LABEL} cs.projection_name, cs.column_name, SUM(cs.used_bytes), SUM(cs.row_count), COUNT(DISTINCT cs.node_name),
       p.is_super_projection, p.is_segmented
FROM v_monitor.column_storage cs
JOIN v_catalog.projections p ON p.projection_id = cs.projection_id
WHERE LOWER(cs.anchor_table_schema) = ? AND LOWER(cs.anchor_table_name) = ?
GROUP BY cs.projection_name, cs.column_name, p.is_super_projection, p.is_segmented
ORDER BY 1, 2`,
    [table.schema.toLowerCase(), table.name.toLowerCase()],
  );
  const projections = new Map<string, ProjectionStorage & { columns: ColumnStorage[] }>();
  for (const [name, column, used, count, nodes, isSuper, segmented] of rows) {
    let p = projections.get(name!);
    if (p === undefined) {
      p = { name: name!, isSuper: flag(isSuper), segmented: flag(segmented), nodes: 0, usedBytes: 0, scanBytes: 0, columns: [] };
      projections.set(name!, p);
    }
    const nodeCount = Math.max(n(nodes), 1);
    p.nodes = Math.max(p.nodes, nodeCount);
    const usedBytes = n(used);
    const scanBytes = p.segmented ? usedBytes : Math.round(usedBytes / nodeCount);
    const rowCount = p.segmented ? n(count) : Math.round(n(count) / nodeCount);
    p.usedBytes += usedBytes;
    p.scanBytes += scanBytes;
    p.columns.push({ column: column!, scanBytes, usedBytes, rowCount });
  }
  const all = [...projections.values()];
  const chosen = all.find((p) => p.isSuper) ?? all[0];
  return {
    schema: table.schema,
    name: table.name,
    projection: chosen?.name ?? null,
    columns: chosen?.columns ?? [],
    scanBytes: chosen?.scanBytes ?? 0,
    projections: all.map(({ columns: _columns, ...p }) => p),
  };
}

export async function partitions(fetch: Fetch, table: TableRef): Promise<TablePartitions> {
  const { rows } = await fetch(
    `SELECT ${LABEL} pt.projection_name, pt.partition_key, SUM(pt.ros_size_bytes), SUM(pt.ros_row_count), SUM(pt.deleted_row_count),
       COUNT(DISTINCT pt.ros_id), p.is_super_projection
FROM v_monitor.partitions pt
JOIN v_catalog.projections p ON p.projection_id = pt.projection_id
WHERE LOWER(p.projection_schema) = ? AND LOWER(p.anchor_table_name) = ?
GROUP BY pt.projection_name, pt.partition_key, p.is_super_projection
ORDER BY 1, 2`,
    [table.schema.toLowerCase(), table.name.toLowerCase()],
  );
  const byProjection = new Map<string, { isSuper: boolean; partitions: PartitionStats[] }>();
  for (const [projection, key, bytes, count, deleted, containers, isSuper] of rows) {
    let p = byProjection.get(projection!);
    if (p === undefined) {
      p = { isSuper: flag(isSuper), partitions: [] };
      byProjection.set(projection!, p);
    }
    p.partitions.push({ key: key ?? '', bytes: n(bytes), rowCount: n(count), deletedRowCount: n(deleted), rosContainers: n(containers) });
  }
  const chosen = [...byProjection.entries()].find(([, p]) => p.isSuper) ?? [...byProjection.entries()][0];
  return { schema: table.schema, name: table.name, projection: chosen?.[0] ?? null, partitions: chosen?.[1].partitions ?? [] };
}

export type ConsumptionKey = { queryId: string } | { label: string } | { transactionId: string | bigint; statementId: number };

export async function queryConsumption(fetch: Fetch, key: ConsumptionKey): Promise<QueryConsumption[]> {
  let where: string;
  let values: string[];
  if ('transactionId' in key) {
    where = 'c.transaction_id = ? AND c.statement_id = ?';
    values = [String(key.transactionId), String(key.statementId)];
  } else {
    where = 'r.request_label = ?';
    values = ['label' in key ? key.label : labelFor(key.queryId)];
  }
  const { rows } = await fetch(
    `SELECT ${LABEL} c.transaction_id, c.statement_id, r.request_label, r.success, r.request_duration_ms,
       c.data_bytes_read, c.data_bytes_written, c.network_bytes_sent, c.network_bytes_received, c.cpu_cycles_us, c.bytes_spilled
FROM v_monitor.query_consumption c
LEFT JOIN v_monitor.query_requests r ON r.transaction_id = c.transaction_id AND r.statement_id = c.statement_id
WHERE ${where}
ORDER BY 1, 2`,
    values,
  );
  return rows.map(([tx, stmt, label, success, duration, read, written, sent, received, cpu, spilled]) => ({
    transactionId: tx ?? '',
    statementId: n(stmt),
    label: label ?? null,
    success: success === null || success === undefined ? null : flag(success),
    durationMs: duration === null || duration === undefined ? null : n(duration),
    dataBytesRead: n(read),
    dataBytesWritten: n(written),
    networkBytesSent: n(sent),
    networkBytesReceived: n(received),
    cpuCyclesUs: n(cpu),
    bytesSpilled: n(spilled),
  }));
}
