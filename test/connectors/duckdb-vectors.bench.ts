/**
 * How fast can a DuckDB result be turned into canonical values with @duckdb/node-api 1.5?
 *
 *   node --import tsx test/connectors/duckdb-vectors.bench.ts [rows=10000000] [repeats=3] [threads=2]
 *
 * The result of SELECT (int with 1% NULLs, double, varchar) FROM range(rows) is fetched whole first,
 * then every chunk is converted column-wise with each approach; conversion is timed in CPU time of this
 * process (DuckDB is idle by then), which stays meaningful on a busy machine. Approaches:
 *   getItem           node-api: chunk.getColumnVector(c).getItem(r) for every row
 *   getColumns        node-api: chunk.getColumns() (DuckDBValue arrays)
 *   private arrays    node-api vectors' internal typed arrays for int/double, getItem for varchar
 *   tollgate readers  src/connectors/duckdb/vectors.ts (raw buffers, clustered string copies)
 * for short strings (<= 12 bytes, inlined in the vector) and long ones (behind a pointer). Then, end to
 * end in wall-clock time (noisy when the machine is shared): fetching alone, and DuckDBConnector.execute
 * consumed to the end (readers + one chunk fetched ahead, so conversion overlaps DuckDB's work).
 * Best of `repeats` runs. Baselines measured on a shared 2-core VM with Node 20 are printed beside.
 */
import { DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import { DuckDBConnector } from '../../src/connectors/duckdb/index.ts';
import { chunkToBatch } from '../../src/connectors/duckdb/stream.ts';
import { readerFor } from '../../src/connectors/duckdb/vectors.ts';

const ROWS = Number(process.argv[2] ?? 10_000_000);
const REPEATS = Number(process.argv[3] ?? 3);
const THREADS = Number(process.argv[4] ?? 2);

function sqlFor(long: boolean): string {
  const s = long ? `'a somewhat longer string #' || range` : `'s' || range`;
  return `SELECT (CASE WHEN range % 100 = 0 THEN NULL ELSE range END)::INTEGER AS i, range * 1.5::DOUBLE AS d, ${s} AS s FROM range(${ROWS})`;
}

interface VectorInternals {
  items?: ArrayLike<number>;
  validity?: { data?: BigUint64Array | null };
}

/** Each approach gets fresh node-api wrappers: node-api caches vectors and decoded strings per chunk. */
type Convert = (chunk: DuckDBDataChunk) => unknown;

function approaches(types: Parameters<typeof readerFor>[0][]): Record<string, Convert> {
  const readers = types.map(readerFor);
  return {
    getItem: (chunk) => {
      const n = chunk.rowCount;
      const out: unknown[][] = [];
      for (let c = 0; c < chunk.columnCount; c++) {
        const v = chunk.getColumnVector(c);
        const col = new Array(n);
        for (let r = 0; r < n; r++) col[r] = v.getItem(r);
        out.push(col);
      }
      return out;
    },
    getColumns: (chunk) => chunk.getColumns(),
    'private arrays': (chunk) => {
      const n = chunk.rowCount;
      const out: unknown[][] = [];
      for (let c = 0; c < 2; c++) {
        const v = chunk.getColumnVector(c) as unknown as VectorInternals;
        const items = v.items!;
        const bits = v.validity?.data ?? null;
        const bytes = bits === null ? null : new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
        const col = new Array(n);
        for (let r = 0; r < n; r++) col[r] = bytes === null || bytes[r >> 3]! & (1 << (r & 7)) ? items[r] : null;
        out.push(col);
      }
      const sv = chunk.getColumnVector(2);
      const col = new Array(n);
      for (let r = 0; r < n; r++) col[r] = sv.getItem(r);
      out.push(col);
      return out;
    },
    'tollgate readers': (chunk) => chunkToBatch(chunk, readers),
  };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function convertOnly(long: boolean): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS) });
  const conn = await instance.connect();
  const result = await conn.stream(sqlFor(long));
  const handles: DuckDBDataChunk[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    handles.push(chunk);
  }
  const list = approaches(result.columnTypes());
  const best: Record<string, number> = Object.create(null);
  for (let round = 0; round < REPEATS; round++) {
    for (const [name, convert] of Object.entries(list)) {
      const fresh = handles.map((h) => new DuckDBDataChunk(h.chunk));
      global.gc?.();
      const t0 = cpuMs();
      let rows = 0;
      for (const chunk of fresh) {
        convert(chunk);
        rows += chunk.rowCount;
      }
      const ms = cpuMs() - t0;
      if (rows !== ROWS) throw new Error(`converted ${rows} rows`);
      best[name] = Math.min(best[name] ?? Infinity, ms);
    }
  }
  for (const [name, ms] of Object.entries(best)) report(`${name} (cpu)`, long, ms);
  conn.closeSync();
  instance.closeSync();
}

async function fetchOnly(long: boolean): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS) });
  const conn = await instance.connect();
  const t0 = performance.now();
  const result = await conn.stream(sqlFor(long));
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    rows += chunk.rowCount;
  }
  const ms = performance.now() - t0;
  conn.closeSync();
  instance.closeSync();
  if (rows !== ROWS) throw new Error(`fetched ${rows} rows`);
  return ms;
}

async function connectorStream(long: boolean): Promise<number> {
  const connector = await DuckDBConnector.create({ name: 'bench', tables: [], threads: THREADS });
  const t0 = performance.now();
  const stream = await connector.execute({ sql: sqlFor(long), params: [], paramTypes: [] }, { signal: new AbortController().signal });
  let rows = 0;
  for await (const batch of stream) rows += batch.rowCount;
  const ms = performance.now() - t0;
  await connector.close();
  if (rows !== ROWS) throw new Error(`streamed ${rows} rows`);
  return ms;
}

async function bestOf(fn: () => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < REPEATS; i++) min = Math.min(min, await fn());
  return min;
}

/** 10M rows, best of 3, shared 2-core VM, Node 20.20, @duckdb/node-api 1.5.6-r.1, DuckDB threads = 2. */
const BASELINE: Record<string, string> = {
  'getItem (cpu)/short': '4.59 s',
  'getColumns (cpu)/short': '4.52 s',
  'private arrays (cpu)/short': '3.88 s',
  'tollgate readers (cpu)/short': '1.04 s',
  'fetch only (wall)/short': '1.88 s',
  'connector stream (wall)/short': '1.36 s',
  'getItem (cpu)/long': '19.70 s',
  'getColumns (cpu)/long': '27.02 s',
  'private arrays (cpu)/long': '17.85 s',
  'tollgate readers (cpu)/long': '1.81 s',
  'fetch only (wall)/long': '2.46 s',
  'connector stream (wall)/long': '3.20 s',
};

function report(name: string, long: boolean, ms: number): void {
  const key = `${name}/${long ? 'long' : 'short'}`;
  const rate = (ROWS / ms / 1000).toFixed(2);
  console.log(
    `${key.padEnd(32)} ${ROWS} rows ${(ms / 1000).toFixed(2).padStart(7)} s ${rate.padStart(6)} M rows/s   baseline ${BASELINE[key] ?? '-'}`,
  );
}

for (const long of [false, true]) {
  await convertOnly(long);
  report('fetch only (wall)', long, await bestOf(() => fetchOnly(long)));
  report('connector stream (wall)', long, await bestOf(() => connectorStream(long)));
}
