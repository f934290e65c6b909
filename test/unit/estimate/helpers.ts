/** Small Parquet files written by DuckDB for the estimator's tests, and DuckDB's own view of their metadata. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Predicate, TableRead } from '../../../src/parser/analysis/types.ts';

export interface Lake {
  dir: string;
  conn: DuckDBConnection;
  /** COPY (query) TO dir/file with one writer thread (row groups of exactly `rowGroupSize` rows). */
  write(file: string, query: string, rowGroupSize: number, extra?: string): Promise<string>;
  /** parquet_metadata rows of a file or glob. */
  metadata(pathOrGlob: string): Promise<ChunkRow[]>;
  /** DuckDB's footer_size per file. */
  footerSizes(pathOrGlob: string): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface ChunkRow {
  file: string;
  rowGroup: number;
  column: string;
  totalCompressedSize: number;
  bloom: boolean;
}

export async function makeLake(prefix: string): Promise<Lake> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return {
    dir,
    conn,
    async write(file, query, rowGroupSize, extra = '') {
      const abs = path.join(dir, file);
      await mkdir(path.dirname(abs), { recursive: true });
      await conn.run(`COPY (${query}) TO ${q(abs)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroupSize}${extra})`);
      return abs;
    },
    async metadata(p) {
      const r = await conn.runAndReadAll(
        `SELECT file_name, row_group_id, path_in_schema, total_compressed_size, bloom_filter_offset IS NOT NULL AS bloom FROM parquet_metadata(${q(p)}) ORDER BY file_name, row_group_id, column_id`,
      );
      return r.getRows().map((row) => ({
        file: String(row[0]),
        rowGroup: Number(row[1]),
        column: String(row[2]),
        totalCompressedSize: Number(row[3]),
        bloom: Boolean(row[4]),
      }));
    },
    async footerSizes(p) {
      const r = await conn.runAndReadAll(`SELECT file_name, footer_size FROM parquet_file_metadata(${q(p)})`);
      return new Map(r.getRows().map((row) => [String(row[0]), Number(row[1])]));
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function tableRead(name: string, columns: string[], predicates: Predicate[] = [], schema = 'lake'): TableRead {
  return { schema, name, columns: [...columns].sort(), predicates, position: 1 };
}

/** Sum of total_compressed_size over the chunks that pass `keep`. */
export function sumChunks(rows: readonly ChunkRow[], keep: (r: ChunkRow) => boolean): number {
  return rows.filter(keep).reduce((a, r) => a + r.totalCompressedSize, 0);
}

export const ts = (s: string): bigint => BigInt(Date.parse(s.replace(' ', 'T') + 'Z')) * 1000n;
export const day = (iso: string): number => Date.parse(iso + 'T00:00:00Z') / 86_400_000;
