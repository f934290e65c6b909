import { availableParallelism, totalmem } from 'node:os';

/**
 * server.processes 'auto': one serving process per core, at most this many. One Node process runs its
 * JavaScript on one core, so a single process caps a gateway at about a core's worth of statements
 * (cache hits and catalog queries are all JavaScript), while each process beyond the first costs
 * memory (a Node heap and a DuckDB instance, ~150 MB idle) and metastore connections. Four covers the
 * statement rates one gateway sees in practice; more are a number away.
 */
export const AUTO_PROCESSES_MAX = 4;

/** What DuckDB takes by default when no memory_limit is given: 80% of the machine's memory. */
const DUCKDB_DEFAULT_MEMORY_SHARE = 0.8;

export function servingProcesses(setting: number | 'auto', cores = availableParallelism()): number {
  return setting === 'auto' ? Math.max(1, Math.min(cores, AUTO_PROCESSES_MAX)) : setting;
}

/**
 * Every serving process runs its own DuckDB engines. Each would take DuckDB's default of 80% of the
 * memory, so N processes could together ask for N times that: an engine without a memoryLimit gets its
 * share of that default instead (in MB), and together they ask for what one process would.
 */
export function shareDuckDBMemory(engines: ReadonlyArray<{ kind: string; memoryLimit?: string }>, processes: number, memoryBytes = machineMemory()): void {
  const share = `${Math.max(64, Math.floor((DUCKDB_DEFAULT_MEMORY_SHARE * memoryBytes) / processes / 2 ** 20))}MB`;
  for (const e of engines) if (e.kind === 'duckdb' && e.memoryLimit === undefined) e.memoryLimit = share;
}

/** The memory this process may use: its cgroup's limit when there is one, else the machine's. */
function machineMemory(): number {
  const total = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}
