import type pg from 'pg';
import { checkName, normalizeBudget } from './settings.ts';
import { inTransaction, money, num, numOrNull } from './tx.ts';
import type { Budget, BudgetChange, BudgetInput, BudgetSettings, UserCap } from './types.ts';

/** Names budget changes among the server's advisory locks (the other key is the team's hash). */
const BUDGET_LOCK_CLASS = 7_361_482;

interface BudgetRow {
  team: string;
  monthly: string;
  daily: string | null;
  soft_thresholds: string[];
  hard_limit: string;
  webhook_url: string | null;
  updated_at: Date;
  updated_by: string;
  caps: Array<{ user_name: string; monthly: string | null; daily: string | null }> | null;
}

export async function getBudget(db: pg.Pool | pg.ClientBase, team: string): Promise<Budget | null> {
  const r = await db.query<BudgetRow>(
    `SELECT b.*, (SELECT json_agg(json_build_object('user_name', c.user_name, 'monthly', c.monthly::text, 'daily', c.daily::text) ORDER BY c.user_name)
                    FROM ledger.budget_user_caps c WHERE c.team = b.team) AS caps
       FROM ledger.budgets b WHERE b.team = $1`,
    [team],
  );
  const row = r.rows[0];
  if (!row) return null;
  const userCaps: Record<string, UserCap> = {};
  for (const c of row.caps ?? []) userCaps[c.user_name] = { monthly: numOrNull(c.monthly), daily: numOrNull(c.daily) };
  return {
    team: row.team,
    monthly: num(row.monthly),
    daily: numOrNull(row.daily),
    softThresholds: row.soft_thresholds.map(Number),
    hardLimit: num(row.hard_limit),
    userCaps,
    webhookUrl: row.webhook_url,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

function settingsOf(b: Budget | null): BudgetSettings | null {
  if (!b) return null;
  const { team: _t, updatedAt: _a, updatedBy: _b, ...settings } = b;
  return settings;
}

/** One change at a time per team, so each audit row's `before` is what the change replaced. */
async function lockTeam(client: pg.ClientBase, team: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [BUDGET_LOCK_CLASS, team]);
}

/**
 * Creates or replaces a team's budget (fields left out take their defaults) and records who changed what
 * in budget_changes, in the same transaction. Bad input throws before anything is written.
 */
export async function setBudget(pool: pg.Pool, team: string, input: BudgetInput, actor: string, now: Date): Promise<Budget> {
  checkName('the team', team);
  checkName('the actor', actor);
  const s = normalizeBudget(input);
  return inTransaction(pool, async (client) => {
    await lockTeam(client, team);
    const before = await getBudget(client, team);
    await client.query(
      `INSERT INTO ledger.budgets (team, monthly, daily, soft_thresholds, hard_limit, webhook_url, updated_at, updated_by)
       VALUES ($1, $2::numeric, $3::numeric, $4::numeric[], $5::numeric, $6, $7, $8)
       ON CONFLICT (team) DO UPDATE SET monthly = excluded.monthly, daily = excluded.daily, soft_thresholds = excluded.soft_thresholds,
         hard_limit = excluded.hard_limit, webhook_url = excluded.webhook_url, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      [team, money(s.monthly), s.daily === null ? null : money(s.daily), s.softThresholds.map(money), money(s.hardLimit), s.webhookUrl, now, actor],
    );
    await client.query('DELETE FROM ledger.budget_user_caps WHERE team = $1', [team]);
    const caps = Object.entries(s.userCaps);
    if (caps.length > 0) {
      await client.query(
        `INSERT INTO ledger.budget_user_caps (team, user_name, monthly, daily)
         SELECT $1, * FROM unnest($2::text[], $3::numeric[], $4::numeric[])`,
        [team, caps.map(([u]) => u), caps.map(([, c]) => (c.monthly === null ? null : money(c.monthly))), caps.map(([, c]) => (c.daily === null ? null : money(c.daily)))],
      );
    }
    await recordChange(client, team, actor, now, 'set', settingsOf(before), s);
    return { team, ...s, updatedAt: now, updatedBy: actor };
  });
}

/**
 * Removes a team's budget (its queries are no longer checked) and records it. Usage rows stay: they are
 * the period's history, and a budget set again this month starts from them. Returns whether there was one.
 */
export async function deleteBudget(pool: pg.Pool, team: string, actor: string, now: Date): Promise<boolean> {
  checkName('the actor', actor);
  return inTransaction(pool, async (client) => {
    await lockTeam(client, team);
    const before = await getBudget(client, team);
    if (!before) return false;
    await client.query('DELETE FROM ledger.budgets WHERE team = $1', [team]);
    await recordChange(client, team, actor, now, 'delete', settingsOf(before), null);
    return true;
  });
}

export async function recordChange(client: pg.ClientBase, team: string, actor: string, now: Date, action: BudgetChange['action'], before: unknown, after: unknown): Promise<void> {
  await client.query(
    'INSERT INTO ledger.budget_changes (team, changed_at, changed_by, action, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)',
    [team, now, actor, action, before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after)],
  );
}

/** Newest first. */
export async function listChanges(pool: pg.Pool, team: string, limit = 100): Promise<BudgetChange[]> {
  const r = await pool.query<{ id: string; team: string; changed_at: Date; changed_by: string; action: BudgetChange['action']; before: unknown; after: unknown }>(
    'SELECT id, team, changed_at, changed_by, action, before, after FROM ledger.budget_changes WHERE team = $1 ORDER BY id DESC LIMIT $2',
    [team, Math.max(1, Math.min(10_000, Math.floor(limit)))],
  );
  return r.rows.map((x) => ({ id: Number(x.id), team: x.team, changedAt: x.changed_at, changedBy: x.changed_by, action: x.action, before: x.before, after: x.after }));
}
