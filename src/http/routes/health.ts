import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

export interface HealthDeps {
  /** True once the gateway can serve queries (engines up, demo data ready). */
  isReady(): boolean;
  /** Per-engine health, for operators. */
  engineHealth(): Promise<Record<string, { ok: boolean; detail?: string }>>;
  version: string;
}

const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('starting'), Type.Literal('degraded')]),
  version: Type.String(),
  engines: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) })),
});

/** GET /health: no authentication (load balancers and the test helpers poll it). */
export async function healthRoutes(app: FastifyInstance, opts: { deps: HealthDeps }): Promise<void> {
  const { deps } = opts;
  app.get('/health', { logLevel: 'warn', schema: { security: [], response: { 200: HealthResponse, 503: HealthResponse } } }, async (_req, reply) => {
    if (!deps.isReady()) return reply.code(503).send({ status: 'starting', version: deps.version, engines: {} });
    const engines = await deps.engineHealth();
    const ok = Object.values(engines).every((h) => h.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: deps.version, engines });
  });
}
