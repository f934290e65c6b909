import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDashboards, MetabaseError, pushDashboards, type PushResult } from '../dashboards/index.ts';
import { GatewayError } from '../errors/index.ts';

/**
 * `tollgate dashboards push`: provision the Metabase dashboards of dashboards/ (cards over the tollgate.*
 * views) into a Metabase, through its REST API with an API key. Idempotent: run it after every change.
 */

/** The dashboards/ directory shipped with tollgate (repo root), whatever the working directory. */
const DEFAULT_DIR = fileURLToPath(new URL('../../dashboards', import.meta.url));

export const DASHBOARDS_HELP = `Usage:
  tollgate dashboards push --metabase URL --api-key KEY [options]
                          create or update, in Metabase, the connection to tollgate, a collection, and the
                          cards and dashboards of dashboards/ (found again by name: running it twice changes nothing)

Options:
  --metabase URL          Metabase's address, e.g. http://metabase:3000     TOLLGATE_METABASE_URL
  --api-key KEY           a Metabase API key (Admin > Authentication > API keys; v0.47+)
                                                                            TOLLGATE_METABASE_API_KEY
  --database-name NAME    the connection's name in Metabase                 (default: tollgate)
  --collection NAME       the collection holding cards and dashboards       (default: tollgate)
  --gateway-host HOST     tollgate's PostgreSQL host, as Metabase reaches it (default: 127.0.0.1)
  --gateway-port PORT     tollgate's PostgreSQL port                         (default: 5433)
  --gateway-database DB   the database name Metabase connects to            (default: tollgate)
  --gateway-user USER     the tollgate user Metabase connects as            TOLLGATE_USER
                          its password comes from TOLLGATE_PASSWORD. Metabase shows everyone what this
                          user may see: an admin sees every team, an analyst their own team.
  --dir DIR               the dashboards directory                          (default: tollgate's dashboards/)
`;

const OPTIONS = {
  metabase: { type: 'string' },
  'api-key': { type: 'string' },
  'database-name': { type: 'string' },
  collection: { type: 'string' },
  'gateway-host': { type: 'string' },
  'gateway-port': { type: 'string' },
  'gateway-database': { type: 'string' },
  'gateway-user': { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', message, { hint: 'Run tollgate dashboards --help.' });
}

function required(value: string | undefined, message: string): string {
  if (value === undefined || value.trim() === '') throw usage(message);
  return value;
}

export async function runDashboards(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [action, ...extra] = positionals;
  if (values.help || action === undefined || action === 'help') {
    process.stdout.write(DASHBOARDS_HELP);
    return values.help || action === 'help' ? 0 : 1;
  }
  if (action !== 'push') throw usage(`unknown dashboards command "${action}"`);
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}"`);
  const port = values['gateway-port'] ?? '5433';
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw usage(`--gateway-port must be a port number, not "${port}"`);
  const options = {
    metabaseUrl: required(values.metabase ?? env.TOLLGATE_METABASE_URL, 'no Metabase: pass --metabase URL or set TOLLGATE_METABASE_URL'),
    apiKey: required(values['api-key'] ?? env.TOLLGATE_METABASE_API_KEY, 'no API key: pass --api-key or set TOLLGATE_METABASE_API_KEY'),
    databaseName: values['database-name'] ?? 'tollgate',
    collectionName: values.collection ?? 'tollgate',
    gateway: {
      host: values['gateway-host'] ?? '127.0.0.1',
      port: Number(port),
      dbname: values['gateway-database'] ?? 'tollgate',
      user: required(values['gateway-user'] ?? env.TOLLGATE_USER, 'no gateway user: pass --gateway-user or set TOLLGATE_USER'),
      password: required(env.TOLLGATE_PASSWORD, 'no password for the gateway user: set TOLLGATE_PASSWORD'),
    },
  };
  // Files first: a mistake in them stops the push before Metabase is touched.
  const spec = await loadDashboards(values.dir ?? DEFAULT_DIR);
  try {
    const results = await pushDashboards(spec, options);
    process.stdout.write(report(results));
    return 0;
  } catch (e) {
    if (!(e instanceof MetabaseError)) throw e;
    process.stderr.write(`tollgate: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return 1;
  }
}

function report(results: readonly PushResult[]): string {
  const lines = results.map((r) => `${r.action.padEnd(9)} ${r.kind} "${r.name}" (id ${r.id})`);
  const count = (a: PushResult['action']) => results.filter((r) => r.action === a).length;
  lines.push(`${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`);
  return lines.join('\n') + '\n';
}
