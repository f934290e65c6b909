/**
 * Scan estimates for PostgreSQL tables, from the engine's own statistics (never by running the query):
 * the relation's size on disk (heap and TOAST) times the share of the referenced columns in an average
 * row (pg_stats.avg_width), the way a column store would bill the same read. A partitioned table adds
 * up its partitions; a table never analysed falls back to its whole size (said in the notes); a view has
 * no size of its own and is unknown. Predicates do not reduce the estimate: PostgreSQL keeps no
 * per-block min/max that a planner-free estimate could trust.
 */
import type pg from 'pg';
import type { TableRead } from '../../parser/index.ts';
import type { TableScanDetail } from '../../estimate/types.ts';

const STATS_SQL = `
SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind,
       (SELECT coalesce(sum(pg_catalog.pg_total_relation_size(r.oid) - pg_catalog.pg_indexes_size(r.oid)), 0)::int8
          FROM pg_catalog.pg_class r
         WHERE r.oid = c.oid OR r.oid IN (SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent = c.oid)) AS size,
       (SELECT coalesce(json_object_agg(s.attname, s.avg_width), '{}')
          FROM pg_catalog.pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS widths,
       (SELECT json_agg(a.attname ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

interface StatsRow {
  schema_name: string;
  table_name: string;
  relkind: string;
  size: string;
  widths: Record<string, number>;
  columns: string[] | null;
}

export async function estimateScans(client: pg.ClientBase, reads: readonly TableRead[]): Promise<TableScanDetail[]> {
  if (reads.length === 0) return [];
  const r = await client.query<StatsRow>(STATS_SQL, [reads.map((t) => t.schema), reads.map((t) => t.name)]);
  const byName = new Map(r.rows.map((row) => [`${row.schema_name}\u0000${row.table_name}`, row] as const));
  return reads.map((read): TableScanDetail => {
    const row = byName.get(`${read.schema}\u0000${read.name}`);
    const base = { schema: read.schema, name: read.name, position: read.position };
    if (!row) return { ...base, unknown: 'the table is not in the engine’s catalog' };
    if (row.relkind === 'v') return { ...base, unknown: 'a view: its scan depends on the tables it reads' };
    const size = Number(row.size);
    const all = row.columns ?? [];
    const notes: string[] = [];
    let share = 1;
    const widthOf = (c: string): number | undefined => row.widths[c];
    if (all.length > 0 && all.every((c) => widthOf(c) !== undefined)) {
      const total = all.reduce((a, c) => a + widthOf(c)!, 0);
      const used = read.columns.reduce((a, c) => a + (widthOf(c) ?? 0), 0);
      share = total > 0 ? used / total : 1;
    } else if (read.columns.length > 0) {
      notes.push('no column statistics (the table was never analysed): its whole size is counted');
    } else {
      share = 0;
    }
    const bytes = Math.round(size * share);
    return {
      ...base,
      columns: [...read.columns],
      files: { total: 1, kept: 1 },
      rowGroups: { total: 0, kept: 0 },
      bytes,
      dataBytes: bytes,
      metadataBytes: 0,
      chunkBytes: bytes,
      pruned: [],
      notes,
    };
  });
}
