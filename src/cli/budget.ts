import { parseArgs } from 'node:util';
import { adminUser, API_OPTIONS, API_OPTIONS_HELP, ApiError, chooseAction, exitCodeOf, openAdminApi } from './admin-api.ts';
import { GatewayError } from '../errors/index.ts';

/**
 * `tollgate budget …`: manage team budgets through a running gateway's admin HTTP API. Percentages on the
 * command line, fractions in the API; `set` reads the current budget and changes only the flags given.
 */

export const BUDGET_HELP = `Usage:
  tollgate budget show <team>                          a team's budget and what it has spent
  tollgate budget set <team> [--monthly N] [--daily N|none] [--soft 50,80] [--hard 100] [--webhook URL|none]
                                                       create or change a budget (flags not given keep their value)
  tollgate budget history <team>                       who changed the budget when
  tollgate budget override <team> [--minutes 60] [--uses 1|any]
                                                       a one-off token letting the team past its limit

${API_OPTIONS_HELP}`;

const OPTIONS = {
  ...API_OPTIONS,
  monthly: { type: 'string' },
  daily: { type: 'string' },
  soft: { type: 'string' },
  hard: { type: 'string' },
  webhook: { type: 'string' },
  minutes: { type: 'string' },
  uses: { type: 'string' },
} as const;

function usage(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', message, { hint: 'Run tollgate budget --help.' });
}

export async function runBudget(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [first, team, ...extra] = positionals;
  const action = chooseAction('budget', values, first, ['show', 'set', 'history', 'override'], BUDGET_HELP, usage);
  if (typeof action === 'number') return action;
  if (team === undefined || team === '') throw usage(`tollgate budget ${action} needs a team`);
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}"`);
  const user = adminUser(values, env, usage);
  const changes = action === 'set' ? setFlags(values) : undefined;
  const overrideBody = action === 'override' ? overrideFlags(values) : undefined;
  const api = await openAdminApi(values, user, env);
  const path = `/v1/admin/teams/${encodeURIComponent(team)}`;
  return exitCodeOf(async () => {
    switch (action) {
      case 'show':
        process.stdout.write(showText(await api.call<AdminBudget>('GET', `${path}/budget`)));
        break;
      case 'set': {
        const current = await api.call<AdminBudget>('GET', `${path}/budget`);
        const body = merge(current.budget, changes!);
        const stored = await api.call<Budget>('PUT', `${path}/budget`, body);
        process.stdout.write(`Budget of ${team} set:\n${budgetLines(stored, current.currency)}`);
        break;
      }
      case 'history': {
        const [current, list] = await Promise.all([api.call<AdminBudget>('GET', `${path}/budget`), api.call<Changes>('GET', `${path}/budget/changes`)]);
        process.stdout.write(historyText(team, list, current.currency));
        break;
      }
      case 'override':
        process.stdout.write(overrideText(await api.call<Override>('POST', `${path}/overrides`, overrideBody)));
        break;
    }
  });
}

// ---- the API's shapes (see src/http/schemas/budgets.ts) ----

interface UserCap {
  monthly: number | null;
  daily: number | null;
}
interface Budget {
  team: string;
  monthly: number;
  daily: number | null;
  softThresholds: number[];
  hardLimit: number;
  userCaps: Record<string, UserCap>;
  webhookUrl: string | null;
  updatedAt: string;
  updatedBy: string;
}
interface Period {
  start: string;
  resetsOn: string;
  spent: number;
  reserved: number;
  limit: number | null;
  remaining: number | null;
}
interface AdminBudget {
  team: string;
  currency: string;
  budget: Budget | null;
  status: { timeZone: string; month: Period; day: Period };
}
interface Changes {
  changes: Array<{ changedAt: string; changedBy: string; action: 'set' | 'delete' | 'override'; after: unknown }>;
}
interface Override {
  team: string;
  token: string;
  validUntil: string;
  uses: number | null;
}
type BudgetBody = Omit<Budget, 'team' | 'updatedAt' | 'updatedBy'>;

// ---- flags ----

interface SetFlags {
  monthly?: number;
  daily?: number | null;
  softThresholds?: number[];
  hardLimit?: number;
  webhookUrl?: string | null;
}

function number(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw usage(`--${flag} must be a number, not "${v}"`);
  return n;
}

function percent(flag: string, v: string): number {
  const n = number(flag, v.trim().replace(/%$/, ''));
  if (n <= 0) throw usage(`--${flag} takes percentages above 0, not "${v}"`);
  // 80 → 0.8 without binary noise (0.07 * 100 style).
  return Number((n / 100).toPrecision(12));
}

function setFlags(v: Record<string, string | boolean | undefined>): SetFlags {
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const out: SetFlags = {};
  if (s('monthly') !== undefined) out.monthly = number('monthly', s('monthly')!);
  if (s('daily') !== undefined) out.daily = s('daily') === 'none' ? null : number('daily', s('daily')!);
  if (s('soft') !== undefined) out.softThresholds = s('soft') === 'none' || s('soft') === '' ? [] : s('soft')!.split(',').map((p) => percent('soft', p));
  if (s('hard') !== undefined) out.hardLimit = percent('hard', s('hard')!);
  if (s('webhook') !== undefined) out.webhookUrl = s('webhook') === 'none' || s('webhook') === '' ? null : s('webhook')!;
  if (Object.keys(out).length === 0) throw usage('nothing to set: give --monthly, --daily, --soft, --hard or --webhook');
  return out;
}

function overrideFlags(v: Record<string, string | boolean | undefined>): { validForMinutes?: number; uses?: number | null } {
  const out: { validForMinutes?: number; uses?: number | null } = {};
  if (typeof v.minutes === 'string') out.validForMinutes = number('minutes', v.minutes);
  if (typeof v.uses === 'string') out.uses = v.uses === 'any' ? null : number('uses', v.uses);
  return out;
}

/** The current budget with the flags given applied; a team without one needs --monthly. */
function merge(current: Budget | null, changes: SetFlags): BudgetBody {
  if (current === null && changes.monthly === undefined) {
    throw new ApiError('the team has no budget yet, so --monthly is required');
  }
  const base: BudgetBody = current
    ? { monthly: current.monthly, daily: current.daily, softThresholds: current.softThresholds, hardLimit: current.hardLimit, userCaps: current.userCaps, webhookUrl: current.webhookUrl }
    : { monthly: changes.monthly!, daily: null, softThresholds: [0.5, 0.8], hardLimit: 1, userCaps: {}, webhookUrl: null };
  return { ...base, ...changes };
}

// ---- output ----

function money(n: number, currency: string): string {
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 6 : 2;
  return `${n.toFixed(digits)} ${currency}`;
}

function pct(f: number): string {
  return `${Number((f * 100).toPrecision(10))}%`;
}

function budgetLines(b: Budget, currency: string): string {
  const lines = [
    `  monthly ${money(b.monthly, currency)}, ${b.daily === null ? 'no daily budget' : `daily ${money(b.daily, currency)}`}`,
    `  hard limit ${pct(b.hardLimit)}, warnings at ${b.softThresholds.length ? b.softThresholds.map(pct).join(', ') : 'none'}`,
  ];
  const caps = Object.entries(b.userCaps);
  if (caps.length > 0) {
    const capText = ([u, c]: [string, UserCap]) =>
      `${u} ${[c.monthly === null ? '' : `${money(c.monthly, currency)}/month`, c.daily === null ? '' : `${money(c.daily, currency)}/day`].filter(Boolean).join(', ')}`;
    lines.push(`  user caps: ${caps.map(capText).join('; ')}`);
  }
  if (b.webhookUrl) lines.push(`  webhook: ${b.webhookUrl}`);
  lines.push(`  last changed ${b.updatedAt} by ${b.updatedBy}`);
  return lines.join('\n') + '\n';
}

function periodLine(what: string, p: Period, currency: string): string {
  const left = p.remaining === null ? '' : `, ${money(p.remaining, currency)} left of ${money(p.limit ?? 0, currency)}`;
  return `  ${what} (from ${p.start}, resets ${p.resetsOn}): spent ${money(p.spent, currency)}, reserved ${money(p.reserved, currency)}${left}\n`;
}

function showText(r: AdminBudget): string {
  if (r.budget === null) {
    return `Team ${r.team} has no budget: its queries are not checked.\n` + periodLine('this month', r.status.month, r.currency);
  }
  let out = `Team ${r.team} (periods in ${r.status.timeZone}):\n${budgetLines(r.budget, r.currency)}`;
  out += periodLine('this month', r.status.month, r.currency);
  if (r.budget.daily !== null) out += periodLine('today', r.status.day, r.currency);
  return out;
}

function historyText(team: string, list: Changes, currency: string): string {
  if (list.changes.length === 0) return `No budget changes for ${team}.\n`;
  const rows = list.changes.map((c) => {
    const after = c.after as Partial<Budget> & { validUntil?: string; uses?: number | null } | null;
    let what: string;
    if (c.action === 'delete') what = 'deleted the budget';
    else if (c.action === 'override') what = `issued an override until ${after?.validUntil ?? '?'} (${after?.uses === null ? 'any number of queries' : `${after?.uses ?? 1} quer${after?.uses === 1 ? 'y' : 'ies'}`})`;
    else what = `set monthly ${money(after?.monthly ?? 0, currency)}${after?.daily == null ? '' : `, daily ${money(after.daily, currency)}`}, hard limit ${pct(after?.hardLimit ?? 1)}`;
    return `${c.changedAt}  ${c.changedBy}  ${what}`;
  });
  return `Budget changes for ${team}, newest first:\n${rows.join('\n')}\n`;
}

function overrideText(o: Override): string {
  const uses = o.uses === null ? 'any number of queries' : `${o.uses} quer${o.uses === 1 ? 'y' : 'ies'}`;
  return `Override for ${o.team}: ${uses}, valid until ${o.validUntil}. The token is shown only now:\n${o.token}\n`;
}

