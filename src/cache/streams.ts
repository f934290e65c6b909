import type { ColumnInfo, ResultStream, RowBatch } from '../connectors/contract.ts';
import { compactBatch } from './encoding.ts';

/** A complete result as the cache keeps it. */
export interface RecordedResult {
  columns: readonly ColumnInfo[];
  batches: readonly RowBatch[];
  rowCount: number;
  bytes: number;
}

/**
 * Passes an engine's stream through while recording it. `done` is called once: with the result when the
 * stream ended without error, with null when it failed, was closed early, or grew past `maxBytes`
 * (recording then stops; the client still gets every row).
 */
export function recordingStream(stream: ResultStream, maxBytes: number, done: (result: RecordedResult | null) => void): ResultStream {
  let batches: RowBatch[] | null = [];
  let bytes = 0;
  let rowCount = 0;
  let finished = false;
  const finish = (ok: boolean) => {
    if (finished) return;
    finished = true;
    done(ok && batches ? { columns: stream.columns, batches, rowCount, bytes } : null);
    batches = null;
  };
  async function* iterate(): AsyncGenerator<RowBatch> {
    const it = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        const b = next.value;
        rowCount += b.rowCount;
        if (batches) {
          const c = compactBatch(b);
          bytes += c.bytes;
          if (bytes > maxBytes) batches = null;
          else batches.push(c.batch);
        }
        yield b;
      }
    } catch (e) {
      finish(false);
      throw e;
    }
    finish(true);
  }
  return {
    columns: stream.columns,
    [Symbol.asyncIterator]: iterate,
    summary: () => stream.summary(),
    close: async () => {
      finish(false);
      await stream.close();
    },
  };
}

/** A cached result served as a stream, to the same wire encoder as a live one. */
export function replayStream(result: RecordedResult): ResultStream {
  const started = performance.now();
  return {
    columns: result.columns,
    [Symbol.asyncIterator]: () => new BatchReplay(result.batches),
    summary: () => ({ rowCount: result.rowCount, bytesRead: 0, elapsedMs: performance.now() - started }),
    close: async () => {},
  };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Stored batches handed out one by one, each without a promise (the wire's RowSource). */
export class BatchSource {
  private next_ = 0;

  constructor(private readonly batches: readonly RowBatch[]) {}

  next(): IteratorResult<RowBatch> {
    return this.next_ < this.batches.length ? { done: false, value: this.batches[this.next_++]! } : DONE;
  }

  /** Nothing more will be handed out. */
  end(): void {
    this.next_ = this.batches.length;
  }
}

/**
 * The stored batches as an async iterator (for cursors and COPY, which read streams): already-settled
 * promises, where an async generator would cost a generator object and its promise machinery.
 */
class BatchReplay implements AsyncIterator<RowBatch> {
  private readonly source: BatchSource;

  constructor(batches: readonly RowBatch[]) {
    this.source = new BatchSource(batches);
  }

  next(): Promise<IteratorResult<RowBatch>> {
    return Promise.resolve(this.source.next());
  }

  return(): Promise<IteratorResult<RowBatch>> {
    this.source.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterator<RowBatch> {
    return this;
  }
}
