import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../errors/index.ts';
import type { UserRecord } from '../executor/users.ts';
import { createScramVerifier, verifyScramPassword } from '../wire/index.ts';
import { VerifiedCache, type VerifiedCacheOptions } from './auth-cache.ts';

/** Who made a request. `via` leaves room for API tokens (issue 9) beside Basic. */
export interface Principal {
  user: string;
  team: string;
  role: 'analyst' | 'admin';
  via: 'basic';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook of the routes that need it; null elsewhere. */
    principal: Principal | null;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Credentials may travel only where nobody can read them on the way: over TLS, or from this host.
 * The socket's own address counts, never X-Forwarded-For (a client could send anything there).
 */
export function isSecureTransport(request: FastifyRequest): boolean {
  const socket = request.raw.socket as TLSSocket | undefined;
  if (socket?.encrypted === true) return true;
  const remote = socket?.remoteAddress ?? request.ip;
  return remote !== undefined && LOOPBACK.has(remote);
}

/** The user and password of an `Authorization: Basic …` header (RFC 7617), or null when malformed. */
export function parseBasic(value: string): { user: string; password: string } | null {
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i.exec(value);
  if (m === null) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface AuthenticatorOptions {
  users: ReadonlyMap<string, UserRecord>;
  cache?: VerifiedCacheOptions;
}

/** Checks HTTP credentials against the same users (and SCRAM verifiers) as the PostgreSQL side. */
export class Authenticator {
  private readonly users: ReadonlyMap<string, UserRecord>;
  private readonly cache: VerifiedCache;
  private dummyVerifier: string | null = null;

  constructor(opts: AuthenticatorOptions) {
    this.users = opts.users;
    this.cache = new VerifiedCache(opts.cache);
  }

  /** The request's principal; throws the GatewayError to answer with (401, or 403 for the transport). */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    if (!isSecureTransport(request)) {
      // Refused before the header is even read: a 401 challenge would invite the client to send a password in clear.
      throw new GatewayError('INSECURE_TRANSPORT', 'HTTP Basic authentication is accepted only over TLS or from the gateway\'s own host; this connection is plain HTTP from another host', {
        hint: 'Connect through https, or from the gateway host (127.0.0.1).',
      });
    }
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new GatewayError('AUTHENTICATION_REQUIRED', 'authentication required', { hint: 'Send HTTP Basic credentials of a tollgate user.' });
    }
    if (/^Bearer\s/i.test(header)) {
      throw new GatewayError('AUTHENTICATION_REQUIRED', 'API tokens are not supported yet', { hint: 'Use HTTP Basic with a tollgate user and password.' });
    }
    const creds = parseBasic(header);
    if (creds === null) throw new GatewayError('AUTHENTICATION_REQUIRED', 'malformed Authorization header; expected HTTP Basic credentials');
    return this.verify(creds.user, creds.password);
  }

  private async verify(name: string, password: string): Promise<Principal> {
    const user = this.users.get(name);
    const failed = new GatewayError('INVALID_PASSWORD', `password authentication failed for user "${name}"`);
    if (user === undefined) {
      // Same work as for a real user, so the answer time does not tell which users exist.
      await verifyScramPassword(password || 'x', this.dummy());
      throw failed;
    }
    const ok = this.cache.has(name, user.scramVerifier, password) || (await verifyScramPassword(password, user.scramVerifier));
    if (!ok) throw failed;
    // Checked after the password, so a disabled account is revealed only to someone who knows it.
    if (user.disabled) throw new GatewayError('INVALID_AUTHORIZATION', `user "${name}" is disabled`, { hint: 'Ask a tollgate admin to enable the account.' });
    this.cache.add(name, user.scramVerifier, password);
    return { user: user.name, team: user.team, role: user.role, via: 'basic' };
  }

  private dummy(): string {
    this.dummyVerifier ??= createScramVerifier('not a password of anyone');
    return this.dummyVerifier;
  }

  /** onRequest hook: any authenticated user. */
  readonly requireUser: onRequestAsyncHookHandler = async (request) => {
    request.principal = await this.authenticate(request);
  };

  /** onRequest hook: an authenticated admin; others get 403. */
  readonly requireAdmin: onRequestAsyncHookHandler = async (request) => {
    const principal = await this.authenticate(request);
    request.principal = principal;
    if (principal.role !== 'admin') {
      throw new GatewayError('INSUFFICIENT_PRIVILEGE', `user "${principal.user}" is not an admin; this needs the admin role`, { hint: 'Sign in as a user with role admin.' });
    }
  };
}

/** The principal set by requireUser/requireAdmin; a route without either hook is a bug. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new GatewayError('INTERNAL', 'route has no authentication hook');
  return request.principal;
}
