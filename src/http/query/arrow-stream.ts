import { makeData, RecordBatch, RecordBatchStreamWriter, Struct, type Schema } from 'apache-arrow';
import type { RowBatch } from '../../connectors/contract.ts';
import type { ArrowColumn } from './arrow-columns.ts';

/** Collects what the writer emits, so each message can be handed to the HTTP response as it is made. */
class ChunkSink {
  private chunks: Uint8Array[] = [];
  closed = false;
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }
  close(): void {
    this.closed = true;
  }
  abort(): void {
    this.closed = true;
  }
  take(): Buffer {
    const out = Buffer.concat(this.chunks);
    this.chunks = [];
    return out;
  }
}

/**
 * An Arrow IPC stream written message by message. apache-arrow's writer queues its output for an async
 * reader without any backpressure; here its sink is swapped for a plain buffer that is emptied after
 * every record batch, so the HTTP response (and its backpressure) pulls the rows.
 */
class IncrementalStreamWriter extends RecordBatchStreamWriter {
  readonly chunks = new ChunkSink();
  constructor() {
    super({ autoDestroy: true });
    (this as unknown as { _sink: ChunkSink })._sink = this.chunks;
  }
}

export class ArrowIpcEncoder {
  private readonly writer = new IncrementalStreamWriter();

  constructor(
    private readonly schema: Schema,
    private readonly columns: readonly ArrowColumn[],
  ) {}

  /** The schema message. */
  start(): Buffer {
    this.writer.reset(undefined, this.schema);
    return this.writer.chunks.take();
  }

  /** One record batch message for rows [from, to) of an engine batch. */
  batch(rows: RowBatch, from: number, to: number): Buffer {
    const children = this.columns.map((c, i) => c.fill(rows.columns[i]!, from, to));
    const data = makeData({ type: new Struct(this.schema.fields), length: to - from, nullCount: 0, children });
    this.writer.write(new RecordBatch(this.schema, data));
    return this.writer.chunks.take();
  }

  /** The end-of-stream marker. */
  end(): Buffer {
    this.writer.finish();
    return this.writer.chunks.take();
  }
}
