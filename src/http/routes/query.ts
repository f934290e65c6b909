import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { arrowBody, jsonBody } from '../query/bodies.ts';
import { backendOf, originOf, type QueryRouteOptions } from '../query/origin.ts';
import { startStatement } from '../query/statement.ts';
import { DEFAULT_MAX_ROWS, QUERY_DESCRIPTION, QueryBody, QueryResponse } from '../schemas/query.ts';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/** Printable ASCII stays; '%' and anything else is percent-encoded UTF-8 (decodeURIComponent reverses it). */
export function asciiHeader(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

function wantsArrow(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === ARROW_STREAM);
}

/**
 * Aborted when the client goes away before the answer was sent completely. The response's 'close' is
 * used, not the request's: a request emits 'close' as soon as its body was read.
 */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new GatewayError('QUERY_CANCELED', 'canceling statement due to user request: the HTTP client disconnected'));
  });
  return controller.signal;
}

/**
 * POST /v1/query: one statement through the same executor session path as the PostgreSQL side, answered
 * as streamed JSON or, with `Accept: application/vnd.apache.arrow.stream`, as an Arrow IPC stream.
 */
export async function queryRoutes(app: FastifyInstance, opts: QueryRouteOptions & { ctx: RouteContext }): Promise<void> {
  app.addHook('onRequest', opts.ctx.auth.requireUser);
  app.post<{ Body: QueryBody }>(
    '/query',
    { schema: { description: QUERY_DESCRIPTION, body: QueryBody, response: { 200: QueryResponse, ...errorResponses } } },
    async (request, reply) => {
      const backend = backendOf(opts);
      const signal = disconnectSignal(reply);
      const { sql, params = [], maxRows = DEFAULT_MAX_ROWS } = request.body;
      // Errors up to the first batch (refusals, syntax, unknown tables) go to the error handler: 4xx/5xx.
      const stmt = await startStatement(backend, originOf(request, opts), sql, params, { maxRows, signal });
      const settings = stmt.session.outputSettings();
      let body: Readable;
      if (wantsArrow(request)) {
        // Known now: the cost and budget notices are given before the statement's first row.
        if (stmt.notices.length > 0) void reply.header('x-tollgate-notice', stmt.notices.map(asciiHeader));
        void reply.type(ARROW_STREAM);
        body = Readable.from(arrowBody(stmt, settings), { objectMode: false });
      } else {
        void reply.type('application/json; charset=utf-8');
        body = Readable.from(jsonBody(stmt, settings), { objectMode: false });
      }
      // A body torn down before its generator ran never reaches its finally: finish here too (once).
      body.once('close', () => void stmt.finish().catch((err: unknown) => request.log.warn({ err }, 'closing the statement failed')));
      return reply.send(body);
    },
  );
}
