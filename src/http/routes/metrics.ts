import type { FastifyInstance } from 'fastify';
import { isLoopback } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';

/** The exposition: one process's Metrics, or every serving process's merged. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * GET /metrics, Prometheus text. A scraper on this host needs no credentials; from anywhere else it is
 * an admin's (Basic or Bearer, over TLS like every credential).
 */
export async function metricsRoutes(app: FastifyInstance, opts: { ctx: RouteContext; metrics: MetricsSource }): Promise<void> {
  const { ctx, metrics } = opts;
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      onRequest: async (request, reply) => {
        if (!isLoopback(request)) await ctx.auth.requireAdmin.call(app, request, reply);
      },
      schema: {
        security: [],
        description: 'Prometheus metrics (text exposition format). No credentials from the gateway host; an admin otherwise.',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );
}
