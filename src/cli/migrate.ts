import { parseArgs } from 'node:util';
import { GatewayError } from '../errors/index.ts';
import { adminUser, API_OPTIONS, API_OPTIONS_HELP, chooseAction, exitCodeOf, openAdminApi } from './admin-api.ts';

export const MIGRATE_HELP = `Usage:
  tollgate migrate show                          every migrating table: state, comparisons, mismatches
  tollgate migrate set <schema.table> --state S [--old ENGINE --new ENGINE] [--sample R] [--percent P] [--teams a,b]
  tollgate migrate rollback <schema.table>       back to old-only, for the next query on every instance
  tollgate migrate history <schema.table>        who changed the table's state, and when

States: old-only, shadow (answered by the old engine; a sample --sample R (0-1) also runs on both and is
compared), canary (--percent P of queries and --teams answered by the new engine), new-only.
--old and --new are needed the first time; later they keep their values.

${API_OPTIONS_HELP}`;

const OPTIONS = {
  state: { type: 'string' },
  old: { type: 'string' },
  new: { type: 'string' },
  sample: { type: 'string' },
  percent: { type: 'string' },
  teams: { type: 'string' },
  ...API_OPTIONS,
} as const;

interface Migration {
  schema: string;
  table: string;
  oldEngine: string;
  newEngine: string;
  state: string;
  canaryPercent: number;
  canaryTeams: string[];
  shadowSampleRate: number;
  updatedAt: string;
  updatedBy: string;
}
interface Side {
  engine: string;
  avgMs: number | null;
  estimatedBytes: number;
  cost: number;
}
interface Summary {
  migration: Migration;
  compared: number;
  matches: number;
  mismatches: number;
  errors: number;
  examples: Array<{ at: string; statement: string; reason: string }>;
  old: Side;
  new: Side;
}

function usage(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', message, { hint: 'Run tollgate migrate --help.' });
}

function fraction(flag: string, v: string, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw usage(`--${flag} must be a number from 0 to ${max}, not "${v}"`);
  return n;
}

function table(arg: string | undefined, action: string): { schema: string; name: string } {
  const m = arg === undefined ? null : /^([^.\s]+)\.([^.\s]+)$/.exec(arg);
  if (!m) throw usage(`tollgate migrate ${action} needs a table as schema.table`);
  return { schema: m[1]!, name: m[2]! };
}

const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)} ms`);

function summaryText(list: Summary[]): string {
  if (list.length === 0) return 'No table is migrating.\n';
  return list
    .map((s) => {
      const m = s.migration;
      const how = m.state === 'canary' ? ` (${m.canaryPercent}% of queries${m.canaryTeams.length > 0 ? `, teams ${m.canaryTeams.join(', ')}` : ''})` : m.state === 'shadow' ? ` (sample ${m.shadowSampleRate})` : '';
      const lines = [
        `${m.schema}.${m.table}: ${m.oldEngine} -> ${m.newEngine}, ${m.state}${how}; set by ${m.updatedBy} at ${m.updatedAt}`,
        `  compared ${s.compared}: ${s.matches} match, ${s.mismatches} mismatch, ${s.errors} error`,
        `  ${s.old.engine}: avg ${ms(s.old.avgMs)}, ${s.old.estimatedBytes} bytes estimated; ${s.new.engine}: avg ${ms(s.new.avgMs)}, ${s.new.estimatedBytes} bytes estimated`,
        ...s.examples.map((e) => `  mismatch ${e.at}: ${e.reason}\n    ${e.statement.replace(/\s+/g, ' ')}`),
      ];
      return lines.join('\n');
    })
    .join('\n\n') + '\n';
}

/** `tollgate migrate ...`: table migrations through a running gateway's admin API. */
export async function runMigrate(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [first, target, ...extra] = positionals;
  const action = chooseAction('migrate', values, first, ['show', 'set', 'rollback', 'history'], MIGRATE_HELP, usage);
  if (typeof action === 'number') return action;
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}"`);
  const t = action === 'show' ? undefined : table(target, action);
  if (action === 'set' && values.state === undefined) throw usage('tollgate migrate set needs --state');
  const api = await openAdminApi(values, adminUser(values, env, usage), env);
  return exitCodeOf(async () => {
    const list = async (): Promise<Summary[]> => (await api.call<{ migrations: Summary[] }>('GET', '/v1/admin/migrations')).migrations;
    const path = t && `/v1/admin/migrations/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.name)}`;
    switch (action) {
      case 'show':
        process.stdout.write(summaryText(await list()));
        break;
      case 'set':
      case 'rollback': {
        const current = (await list()).find((s) => s.migration.schema === t!.schema && s.migration.table === t!.name)?.migration;
        const oldEngine = values.old ?? current?.oldEngine;
        const newEngine = values.new ?? current?.newEngine;
        if (!oldEngine || !newEngine) throw usage(`${t!.schema}.${t!.name} is not migrating yet: give --old and --new`);
        const body = {
          oldEngine,
          newEngine,
          state: action === 'rollback' ? 'old-only' : values.state,
          canaryPercent: values.percent !== undefined ? fraction('percent', values.percent, 100) : (current?.canaryPercent ?? 0),
          canaryTeams: values.teams !== undefined ? values.teams.split(',').map((x) => x.trim()).filter((x) => x !== '') : (current?.canaryTeams ?? []),
          shadowSampleRate: values.sample !== undefined ? fraction('sample', values.sample, 1) : (current?.shadowSampleRate ?? 1),
        };
        const stored = await api.call<Migration>('PUT', path!, body);
        process.stdout.write(`${stored.schema}.${stored.table} is now ${stored.state} (${stored.oldEngine} -> ${stored.newEngine}).\n`);
        break;
      }
      case 'history': {
        const r = await api.call<{ changes: Array<{ at: string; by: string; after: { state?: string } }> }>('GET', `${path!}/changes`);
        process.stdout.write(r.changes.length === 0 ? 'No changes.\n' : r.changes.map((c) => `${c.at}  ${c.by}  ${c.after.state ?? ''}`).join('\n') + '\n');
        break;
      }
    }
  });
}
