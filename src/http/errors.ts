import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { GatewayError, toGatewayError, type ErrorCode, type ErrorKind } from '../errors/index.ts';

/**
 * Errors are mapped to HTTP once, here: every route throws GatewayError (or lets fastify's own errors
 * through) and the error handler turns it into a status and one JSON shape.
 */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      sqlstate: Type.String(),
      message: Type.String(),
      hint: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/**
 * A refusal the client may retry after some seconds (too many failed sign-ins): 429 with Retry-After.
 * TOO_MANY_CONNECTIONS is the closest coded error (class 53, a quota) and maps to 429 by its kind.
 */
export class RetryLaterError extends GatewayError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super('TOO_MANY_CONNECTIONS', message, { hint: 'Check the user name and password, then wait before trying again.' });
  }
}

/** For route schemas: every 4xx and 5xx answer has the error shape. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse } as const;

/** Codes whose status is not their kind's. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  INSECURE_TRANSPORT: 403,
  INSUFFICIENT_PRIVILEGE: 403,
  /** A disabled user: the password was right, so asking again would not help. */
  INVALID_AUTHORIZATION: 403,
  DUPLICATE_OBJECT: 409,
  MANAGED_BY_CONFIG: 409,
  DEPENDENT_OBJECTS_STILL_EXIST: 409,
  /** The server is short of memory: not the caller's quota, try again later. */
  OUT_OF_MEMORY: 503,
};

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  user: 400,
  auth: 401,
  // A budget, a byte cap or a connection limit the caller ran into: a quota, hence 429.
  resources: 429,
  external: 503,
  internal: 500,
  // Cancelled by an admin, a timeout or a shutdown: the server did not finish, the request was fine.
  cancelled: 503,
};

export function statusFor(e: GatewayError): number {
  return STATUS_BY_CODE[e.code] ?? STATUS_BY_KIND[e.kind];
}

export function errorBody(e: GatewayError): ErrorResponse {
  return { error: { code: e.code, sqlstate: e.sqlstate, message: e.message, ...(e.hint !== undefined && { hint: e.hint }) } };
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "monthly must be >= 0", "unknown field \"foo\" in the body": the field is always named. */
export function validationMessage(context: string | undefined, errors: readonly AjvError[]): string {
  const e = errors[0];
  if (e === undefined) return `invalid ${context ?? 'request'}`;
  const where = context === 'body' ? 'the body' : (context ?? 'the request');
  const path = (e.instancePath ?? '').split('/').filter(Boolean).join('.');
  if (e.keyword === 'additionalProperties' && typeof e.params?.additionalProperty === 'string') {
    const field = path ? `${path}.${e.params.additionalProperty}` : e.params.additionalProperty;
    return `unknown field "${field}" in ${where}`;
  }
  if (e.keyword === 'required' && typeof e.params?.missingProperty === 'string') {
    const field = path ? `${path}.${e.params.missingProperty}` : e.params.missingProperty;
    return `${field} is required in ${where}`;
  }
  return path ? `${path} ${e.message ?? 'is invalid'}` : `${where} ${e.message ?? 'is invalid'}`;
}

/** Any error a handler or fastify raised, as the GatewayError and status the client sees. */
export function toHttpError(err: unknown): { error: GatewayError; status: number } {
  if (err instanceof GatewayError) return { error: err, status: statusFor(err) };
  const fe = err as Partial<FastifyError> & { validation?: AjvError[] };
  if (fe && Array.isArray(fe.validation)) {
    const e = new GatewayError('INVALID_PARAMETER_VALUE', validationMessage(fe.validationContext, fe.validation));
    return { error: e, status: 400 };
  }
  // fastify's own client errors (bad JSON, body too large, wrong content type): its status, its message.
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && typeof fe.message === 'string') {
    const code: ErrorCode = fe.statusCode === 404 ? 'NOT_FOUND' : 'INVALID_PARAMETER_VALUE';
    return { error: new GatewayError(code, fe.message), status: fe.statusCode };
  }
  const e = toGatewayError(err);
  return { error: e, status: statusFor(e) };
}

export const BASIC_CHALLENGE = 'Basic realm="tollgate", charset="UTF-8"';

/** Installs the one error handler and a JSON 404 for unknown routes. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { error, status } = toHttpError(err);
    if (status >= 500) request.log.error({ err, code: error.code }, 'request failed');
    else request.log.info({ code: error.code, status, reason: error.message }, 'request refused');
    if (status === 401) void reply.header('www-authenticate', BASIC_CHALLENGE);
    if (error instanceof RetryLaterError) void reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(status).send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new GatewayError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send(errorBody(e));
  });
}
