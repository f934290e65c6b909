import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { BudgetStore } from '../../../src/budgets/index.ts';
import type { UserRecord } from '../../../src/executor/users.ts';
import { build, type HttpDeps } from '../../../src/http/index.ts';
import { createLogger } from '../../../src/log/index.ts';
import { createScramVerifier } from '../../../src/wire/index.ts';

/** Users as the config makes them: password = name + '-pw'. */
function user(name: string, team: string, role: 'analyst' | 'admin' = 'analyst', disabled = false): UserRecord {
  return { name, team, role, scramVerifier: createScramVerifier(`${name}-pw`), allowCleartext: false, disabled };
}

export const TEAMS = ['growth', 'pricing', 'platform'];

export const USERS: ReadonlyMap<string, UserRecord> = new Map(
  [user('root', 'platform', 'admin'), user('alice', 'growth'), user('bob', 'pricing'), user('mallory', 'growth', 'analyst', true)].map((u) => [u.name, u]),
);

export function basic(name: string, password = `${name}-pw`): string {
  return `Basic ${Buffer.from(`${name}:${password}`, 'utf8').toString('base64')}`;
}

/** Every log line the app wrote, as text (pino JSON lines). */
export interface LogCapture {
  text(): string;
}

export async function testApp(opts: { budgets?: BudgetStore; extra?: Partial<HttpDeps> } = {}): Promise<{ app: FastifyInstance; logs: LogCapture }> {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  const app = await build({
    logger: createLogger({ level: 'trace', destination }),
    isReady: () => true,
    engineHealth: async () => ({}),
    version: 'test',
    users: USERS,
    teams: TEAMS,
    currency: 'EUR',
    ...(opts.budgets && { budgets: opts.budgets }),
    ...opts.extra,
  });
  return { app, logs: { text: () => text } };
}
