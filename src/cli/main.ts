#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import { VERSION } from '../version.ts';
import { runServe } from './serve.ts';
import { runHashPassword } from './hash-password.ts';
import { runBudget } from './budget.ts';
import { runUser } from './user.ts';
import { runDashboards } from './dashboards.ts';
import { runMigrate } from './migrate.ts';

const HELP = `tollgate ${VERSION}: a PostgreSQL-protocol SQL gateway that prices and budgets every query

Usage:
  tollgate serve [options]          run the gateway (PostgreSQL protocol + HTTP)
  tollgate hash-password [--user N] read a password from stdin, print a SCRAM-SHA-256 verifier for the config
  tollgate budget show|set|history|override <team> [options]
                                    manage team budgets through a running gateway (tollgate budget --help)
  tollgate user list|create|set|password [name] [options]
                                    manage users through a running gateway (tollgate user --help)
  tollgate migrate show|set|rollback|history [schema.table] [options]
                                    move a table between engines: shadow, canary, rollback (tollgate migrate --help)
  tollgate dashboards push --metabase URL --api-key KEY [options]
                                    create or update the Metabase dashboards of dashboards/ (tollgate dashboards --help)
  tollgate --help | --version

Options for serve (each also read from the environment variable shown):
  --config FILE       config file, YAML or JSON        TOLLGATE_CONFIG     (default: config/demo.yaml)
  --host ADDR         address to listen on             TOLLGATE_HOST       (default: from config, 127.0.0.1)
  --pg-port N         PostgreSQL protocol port         TOLLGATE_PG_PORT    (default: from config, 5433)
  --http-port N       HTTP port (/health, API)         TOLLGATE_HTTP_PORT  (default: from config, 8080)
  --data-dir DIR      data directory (Parquet, state)  TOLLGATE_DATA_DIR   (default: from config, ./data)
  --processes N|auto  processes serving connections    TOLLGATE_PROCESSES  (default: from config, auto: one per core, at most 4)
  --log-level LEVEL   trace|debug|info|warn|error      TOLLGATE_LOG_LEVEL  (default: from config, info)

Command-line flags win over environment variables, which win over the config file.
SIGINT or SIGTERM stops accepting connections, lets running queries finish for server.shutdownGraceMs,
cancels what is left, and exits 0.
`;

function processCount(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto') return value;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new GatewayError('CONFIG_INVALID', `--processes must be "auto" or a whole number from 1 to 64, got "${value}"`);
  return Number(value);
}

function port(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new GatewayError('CONFIG_INVALID', `${what} must be a port number between 0 and 65535, got "${value}"`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  // budget, user, migrate and dashboards have options of their own; they parse them themselves.
  if (argv[0] === 'budget') return runBudget(argv.slice(1));
  if (argv[0] === 'user') return runUser(argv.slice(1));
  if (argv[0] === 'dashboards') return runDashboards(argv.slice(1));
  if (argv[0] === 'migrate') return runMigrate(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      'pg-port': { type: 'string' },
      'http-port': { type: 'string' },
      'data-dir': { type: 'string' },
      processes: { type: 'string' },
      'log-level': { type: 'string' },
      user: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`tollgate ${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 1 : 0;
  }
  const env = process.env;
  switch (command) {
    case 'serve':
      return runServe({
        configPath: values.config ?? env.TOLLGATE_CONFIG ?? 'config/demo.yaml',
        overrides: {
          host: values.host ?? (env.TOLLGATE_HOST || undefined),
          pgPort: port(values['pg-port'] ?? env.TOLLGATE_PG_PORT, '--pg-port'),
          httpPort: port(values['http-port'] ?? env.TOLLGATE_HTTP_PORT, '--http-port'),
          dataDir: values['data-dir'] ?? (env.TOLLGATE_DATA_DIR || undefined),
          processes: processCount(values.processes ?? env.TOLLGATE_PROCESSES),
        },
        logLevel: values['log-level'] ?? env.TOLLGATE_LOG_LEVEL,
      });
    case 'hash-password':
      return runHashPassword({ user: values.user });
    default:
      throw new GatewayError('CONFIG_INVALID', `unknown command "${command}"; run tollgate --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const msg = isGatewayError(e) || (e instanceof Error && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
      ? (e as Error).message
      : e instanceof Error ? (e.stack ?? e.message) : String(e);
    const hint = isGatewayError(e) ? e.hint : undefined;
    process.stderr.write(`tollgate: ${msg}\n${hint ? `hint: ${hint}\n` : ''}`);
    process.exitCode = 2;
  },
);
