import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../../errors/index.ts';
import type { GatewayBackend } from '../../wire/backend.ts';
import { principalOf } from '../auth.ts';
import type { HttpOrigin } from './statement.ts';

/** What the query routes need besides the route context. */
export interface QueryRouteOptions {
  /** The executor, once the gateway serves queries (it starts after the HTTP app). */
  backend: () => GatewayBackend | undefined;
  /** server.database; the user's name when absent (the executor accepts that too). */
  database: string | undefined;
}

/** The executor, or 503 while the gateway is still starting (or runs without one). */
export function backendOf(opts: QueryRouteOptions): GatewayBackend {
  const backend = opts.backend();
  if (backend === undefined)
    throw new GatewayError('ENGINE_UNAVAILABLE', 'queries are not served yet: the gateway is still starting', { hint: 'Try again once GET /health answers 200.' });
  return backend;
}

export function originOf(request: FastifyRequest, opts: QueryRouteOptions): HttpOrigin {
  const principal = principalOf(request);
  return {
    principal,
    database: opts.database ?? principal.user,
    remoteAddress: request.raw.socket?.remoteAddress ?? request.ip,
    tls: (request.raw.socket as TLSSocket | undefined)?.encrypted === true,
  };
}
