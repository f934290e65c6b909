import { existsSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import { startGateway, gatewayCliPath } from './gateway.ts';
import { startPostgres } from './postgres.ts';

/** The demo users; each one's password is its own name. */
export const DEMO_USERS = ['alice', 'bob', 'carol', 'admin'] as const;
export type DemoUser = (typeof DEMO_USERS)[number];
export const DATABASE = 'tollgate';

/**
 * A server that speaks the PostgreSQL wire protocol: either tollgate itself or a real PostgreSQL 15.
 * Every client test is written against this so it can run against both (TOLLGATE_WIRE_TARGET).
 */
export interface Target {
  readonly kind: 'tollgate' | 'postgres';
  readonly host: string;
  readonly port: number;
  /** tollgate's HTTP port (undefined for PostgreSQL). */
  readonly httpPort: number | undefined;
  readonly database: string;
  /** postgresql://user:password@host:port/database (password defaults to the user's name). */
  url(user?: string, password?: string): string;
  /** A node-postgres config for this user (password defaults to the user's name, ssl off). */
  clientConfig(user?: string, password?: string): ClientConfig;
  /** Environment for libpq programs (psql, psycopg2): inherited PG* variables removed, PGHOST etc. set. */
  libpqEnv(user?: string, password?: string): NodeJS.ProcessEnv;
  /** The end of the server log / gateway output so far (default last 20,000 characters), for assertion messages. */
  diagnostics(maxChars?: number): string;
  stop(): Promise<void>;
}

export type TargetKind = Target['kind'];

/** Which server the wire tests talk to: TOLLGATE_WIRE_TARGET=postgres, anything else means tollgate. */
export function targetKind(): TargetKind {
  return process.env.TOLLGATE_WIRE_TARGET === 'postgres' ? 'postgres' : 'tollgate';
}

/**
 * Why the wire tests cannot run here, or undefined when they can. Only one reason today: the target is
 * tollgate and its CLI does not exist yet (the gateway is still being written). Once src/cli/main.ts
 * exists, a gateway that fails to start fails the tests loudly instead.
 */
export function targetSkipReason(): string | undefined {
  if (targetKind() === 'tollgate' && !existsSync(gatewayCliPath)) {
    return `tollgate CLI ${gatewayCliPath} does not exist yet; run with TOLLGATE_WIRE_TARGET=postgres to check these tests against PostgreSQL 15`;
  }
  return undefined;
}

export async function startTarget(): Promise<Target> {
  return targetKind() === 'postgres' ? startPostgres() : startGateway();
}

/** Shared by both targets. */
export function makeTarget(base: {
  kind: TargetKind;
  host: string;
  port: number;
  httpPort?: number;
  diagnostics: (maxChars?: number) => string;
  stop: () => Promise<void>;
}): Target {
  const pw = (user: string, password?: string) => password ?? user;
  return {
    kind: base.kind,
    host: base.host,
    port: base.port,
    httpPort: base.httpPort,
    database: DATABASE,
    url: (user = 'alice', password) =>
      `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw(user, password))}@${base.host}:${base.port}/${DATABASE}`,
    clientConfig: (user = 'alice', password) => ({
      host: base.host,
      port: base.port,
      user,
      password: pw(user, password),
      database: DATABASE,
      ssl: false,
      connectionTimeoutMillis: 10_000,
    }),
    libpqEnv: (user = 'alice', password) => {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
      Object.assign(env, {
        PGHOST: base.host,
        PGPORT: String(base.port),
        PGUSER: user,
        PGPASSWORD: pw(user, password),
        PGDATABASE: DATABASE,
        PGCONNECT_TIMEOUT: '10',
        PGAPPNAME: 'tollgate-wire-test',
      });
      return env;
    },
    diagnostics: base.diagnostics,
    stop: base.stop,
  };
}
