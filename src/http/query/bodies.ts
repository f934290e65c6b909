import { toGatewayError } from '../../errors/index.ts';
import type { OutputSettings } from '../../wire/backend.ts';
import { errorBody } from '../errors.ts';
import { arrowColumn, arrowSchema } from './arrow-columns.ts';
import { ArrowIpcEncoder } from './arrow-stream.ts';
import { columnJson, jsonEncoder, nullable, type JsonValue } from './json-values.ts';
import type { HttpStatement } from './statement.ts';

/**
 * The JSON answer of POST /v1/query, written as the batches arrive (one chunk per engine batch):
 *   {"columns":[…],"rows":[[…],…],"rowCount":n,"truncated":b,"notices":[…],"commandTag":"SELECT n"}
 * The status line is sent before the rows, so an error after the first rows cannot change it: the
 * document then ends with "error" (the error handler's shape) instead of "commandTag".
 * The statement is finished (closed and recorded) when the body ends, also when the client went away.
 */
export async function* jsonBody(stmt: HttpStatement, settings: OutputSettings): AsyncGenerator<string> {
  let error: unknown;
  try {
    const columns = stmt.columns ?? [];
    yield `{"columns":${JSON.stringify(columns.map(columnJson))},"rows":[`;
    const encoders = columns.map((c) => nullable(jsonEncoder(c.typeOid, settings)));
    let first = true;
    try {
      for await (const { batch, from, to } of stmt.rows()) {
        const lines: string[] = [];
        const row: JsonValue[] = new Array<JsonValue>(encoders.length);
        for (let r = from; r < to; r++) {
          for (let c = 0; c < encoders.length; c++) row[c] = encoders[c]!(batch.columns[c]![r]!);
          lines.push(JSON.stringify(row));
        }
        if (lines.length === 0) continue;
        yield (first ? '\n' : ',\n') + lines.join(',\n');
        first = false;
      }
    } catch (e) {
      error = e;
    }
    // Closed (and recorded in the ledger) before the client reads the end, as the wire sends
    // CommandComplete only once the statement is recorded.
    await stmt.finish(error).catch((e: unknown) => {
      error ??= e;
    });
    const tail = { rowCount: stmt.rowsSent, truncated: stmt.truncated, notices: stmt.notices };
    const end = error === undefined ? { ...tail, commandTag: stmt.commandTag() } : { ...tail, ...errorBody(toGatewayError(error)) };
    yield `\n],${JSON.stringify(end).slice(1)}\n`;
  } finally {
    // Already done unless the client went away mid-body; a failure to close is logged by the route.
    await stmt.finish(error).catch(() => {});
  }
}

/**
 * The Arrow IPC stream answer: the schema, one record batch per engine batch, end of stream. An error
 * after the schema was sent is thrown, which aborts the response: the reader sees a stream cut short
 * (no end-of-stream marker), never a complete-looking partial result.
 */
export async function* arrowBody(stmt: HttpStatement, settings: OutputSettings): AsyncGenerator<Buffer> {
  let error: unknown;
  try {
    const columns = (stmt.columns ?? []).map((c) => arrowColumn(c, settings));
    const encoder = new ArrowIpcEncoder(arrowSchema(columns, stmt.notices), columns);
    yield encoder.start();
    for await (const { batch, from, to } of stmt.rows()) {
      if (to > from) yield encoder.batch(batch, from, to);
    }
    // Recorded before the end-of-stream marker, as on the wire before CommandComplete.
    await stmt.finish();
    yield encoder.end();
  } catch (e) {
    error = e;
    throw e;
  } finally {
    // Already done unless the client went away mid-body; a failure to close is logged by the route.
    await stmt.finish(error).catch(() => {});
  }
}
