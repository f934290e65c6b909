import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../errors/index.ts';
import type { UserRecord } from '../executor/users.ts';
import { createScramVerifier, verifyScramPassword } from '../wire/index.ts';
import { VerifiedCache, type VerifiedCacheOptions } from './auth-cache.ts';
import { RetryLaterError } from './errors.ts';
import { SignInLimiter } from './rate-limit.ts';
import { TOKEN_PREFIX, type ApiTokenStore } from './tokens.ts';

/** Who made a request, and how they proved it: a password (Basic) or an API token (Bearer). */
export interface Principal {
  user: string;
  team: string;
  role: 'analyst' | 'admin';
  via: 'basic' | 'token';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook of the routes that need it; null elsewhere. */
    principal: Principal | null;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The request comes from this host (the socket's address, never a header). */
export function isLoopback(request: FastifyRequest): boolean {
  const remote = request.raw.socket?.remoteAddress ?? request.ip;
  return remote !== undefined && LOOPBACK.has(remote);
}

/**
 * Credentials may travel only where nobody can read them on the way: over TLS, or from this host.
 * The socket's own address counts, never X-Forwarded-For (a client could send anything there).
 */
export function isSecureTransport(request: FastifyRequest): boolean {
  const socket = request.raw.socket as TLSSocket | undefined;
  if (socket?.encrypted === true) return true;
  return isLoopback(request);
}

/** The token of an `Authorization: Bearer …` header, or null when malformed. */
export function parseBearer(value: string): string | null {
  const m = /^Bearer[ ]+([A-Za-z0-9_-]{1,200})[ ]*$/i.exec(value);
  return m === null ? null : m[1]!;
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
  /** Failed sign-ins per user and address; default: 5 per pair and 20 per address a minute. */
  limiter?: SignInLimiter;
  /** The API token store, once the ledger is up; undefined: Bearer tokens answer 503. */
  tokens?: () => ApiTokenStore | undefined;
  now?: () => Date;
}

/** Checks HTTP credentials against the same users (and SCRAM verifiers) as the PostgreSQL side. */
export class Authenticator {
  private readonly users: ReadonlyMap<string, UserRecord>;
  private readonly cache: VerifiedCache;
  private readonly limiter: SignInLimiter;
  private readonly tokens: () => ApiTokenStore | undefined;
  private readonly now: () => Date;
  private dummyVerifier: string | null = null;

  constructor(opts: AuthenticatorOptions) {
    this.users = opts.users;
    this.cache = new VerifiedCache(opts.cache);
    this.limiter = opts.limiter ?? new SignInLimiter();
    this.tokens = opts.tokens ?? (() => undefined);
    this.now = opts.now ?? (() => new Date());
  }

  /** The request's principal; throws the GatewayError to answer with (401, or 403 for the transport). */
  async authenticate(request: FastifyRequest): Promise<Principal> {
    if (!isSecureTransport(request)) {
      // Refused before the header is even read: a 401 challenge would invite the client to send a password in clear.
      throw new GatewayError('INSECURE_TRANSPORT', 'credentials (HTTP Basic or an API token) are accepted only over TLS or from the gateway\'s own host; this connection is plain HTTP from another host', {
        hint: 'Connect through https, or from the gateway host (127.0.0.1).',
      });
    }
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new GatewayError('AUTHENTICATION_REQUIRED', 'authentication required', { hint: 'Send HTTP Basic credentials of a tollgate user, or an API token as Bearer.' });
    }
    const address = request.raw.socket?.remoteAddress ?? request.ip;
    if (/^Bearer\s/i.test(header)) return this.verifyToken(header, address);
    const creds = parseBasic(header);
    if (creds === null) throw new GatewayError('AUTHENTICATION_REQUIRED', 'malformed Authorization header; expected HTTP Basic credentials or a Bearer token');
    this.throttle(creds.user, address);
    try {
      const principal = await this.verify(creds.user, creds.password);
      this.limiter.succeeded(creds.user, address);
      return principal;
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'INVALID_PASSWORD') this.limiter.failed(creds.user, address);
      throw e;
    }
  }

  /** Over the limit: 429 before any password work (which is what a guesser wants us to spend). */
  private throttle(user: string | null, address: string): void {
    const wait = this.limiter.retryAfter(user, address);
    if (wait > 0) throw new RetryLaterError(`too many failed sign-in attempts; try again in ${wait} s`, wait);
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
    this.cache.add(name, user.scramVerifier, password);
    return this.principal(user, 'basic');
  }

  /**
   * An API token acts as its user with the user's current role and team (from the config, not from the
   * time it was issued). Bad tokens count against the address only: there is no user to hold off.
   */
  private async verifyToken(header: string, address: string): Promise<Principal> {
    this.throttle(null, address);
    const token = parseBearer(header);
    const invalid = new GatewayError('INVALID_PASSWORD', 'invalid, expired or revoked API token');
    if (token === null || !token.startsWith(TOKEN_PREFIX)) {
      this.limiter.failed(null, address);
      throw invalid;
    }
    const store = this.tokens();
    if (store === undefined) {
      throw new GatewayError('LEDGER_UNAVAILABLE', 'API tokens are not available: this gateway runs without a ledger database (or has not started it yet)', {
        hint: 'Use HTTP Basic, or try again once the gateway is ready.',
      });
    }
    const name = await store.use(token, this.now());
    const user = name === null ? undefined : this.users.get(name);
    if (user === undefined) {
      this.limiter.failed(null, address);
      throw invalid;
    }
    return this.principal(user, 'token');
  }

  private principal(user: UserRecord, via: Principal['via']): Principal {
    // Checked after the credentials, so a disabled account is revealed only to someone who holds them.
    if (user.disabled) throw new GatewayError('INVALID_AUTHORIZATION', `user "${user.name}" is disabled`, { hint: 'Ask a tollgate admin to enable the account.' });
    return { user: user.name, team: user.team, role: user.role, via };
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
