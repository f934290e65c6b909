import type { ColumnInfo, ResultStream, ResultSummary, RowBatch } from '../connectors/contract.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { BatchSource, type RecordedResult } from '../cache/index.ts';
import type { StatementExecution } from '../wire/backend.ts';

/** A statement that returns no rows (SET, BEGIN, ...). */
export function commandExecution(tag: string): StatementExecution {
  return { columns: null, commandTag: () => tag, close: async () => {} };
}

/** A small result computed inside tollgate (SHOW, constant answers), given row-major. */
export function rowsExecution(columns: readonly ColumnInfo[], rows: PgValue[][], tag = 'SELECT'): StatementExecution {
  const batch: RowBatch = {
    rowCount: rows.length,
    columns: columns.map((_, c) => rows.map((r) => r[c] ?? null)),
  };
  return batchesExecution(columns, rows.length > 0 ? [batch] : [], (n) => (tag === 'SELECT' ? `SELECT ${n}` : tag));
}

/** Rows already in memory, as batches. */
export function batchesExecution(columns: readonly ColumnInfo[], batches: RowBatch[], commandTag: (rowsSent: number) => string): StatementExecution {
  async function* each(): AsyncGenerator<RowBatch> {
    yield* batches;
  }
  return { columns, batches: each(), commandTag, close: async () => {} };
}

/** Rows streamed from an engine; `onClose` sees how the statement ended. */
export function streamExecution(
  stream: ResultStream,
  columns: readonly ColumnInfo[],
  onClose: (outcome: { error?: unknown; rowsSent: number }) => void | Promise<void>,
): StatementExecution {
  const it = stream[Symbol.asyncIterator]();
  let closed = false;
  return {
    columns,
    batches: it,
    commandTag: (n) => `SELECT ${n}`,
    summary: () => {
      try {
        return stream.summary();
      } catch {
        return undefined;
      }
    },
    close: async (outcome) => {
      if (closed) return;
      closed = true;
      try {
        await stream.close();
      } finally {
        await onClose(outcome);
      }
    },
  };
}

/**
 * A cached result, replayed through the same wire encoder as a live one. Its batches are in memory, so
 * each is handed over without a promise, and closing has nothing to wait for.
 */
export function replayExecution(result: RecordedResult, columns: readonly ColumnInfo[]): StatementExecution {
  return new ReplayExecution(result, columns);
}

/** A class, not an object of closures: one per cache hit, and each named closure costs a __name call (keepNames). */
class ReplayExecution implements StatementExecution {
  readonly batches: BatchSource;
  private readonly started = performance.now();

  constructor(
    private readonly result: RecordedResult,
    readonly columns: readonly ColumnInfo[],
  ) {
    this.batches = new BatchSource(result.batches);
  }

  commandTag(rowsSent: number): string {
    return `SELECT ${rowsSent}`;
  }

  summary(): ResultSummary {
    return { rowCount: this.result.rowCount, bytesRead: 0, elapsedMs: performance.now() - this.started };
  }

  close(): void {}
}

export function textColumn(name: string): ColumnInfo {
  return { name, typeOid: 25, typeModifier: -1 };
}
