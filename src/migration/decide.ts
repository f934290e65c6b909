import { createHash } from 'node:crypto';
import type { TableName } from '../planner/routing.ts';
import type { TableMigration } from './types.ts';

/** Where one statement reads its migrating tables, and whether it is shadowed. */
export interface MigrationDecision {
  /** Tables pinned to one engine, by `schema.name` (lower case). */
  pins: Map<string, { engine: string; why: string }>;
  /** The tables whose new engine should also run this statement (shadow state, sampled). */
  shadow: TableMigration[];
}

export interface DecisionContext {
  team: string;
  /** The statement's ledger id: the canary and shadow samples hash it, so a decision is stable per query. */
  queryId: string;
}

const key = (schema: string, name: string): string => `${schema}.${name}`.toLowerCase();

/** A number in [0, 1) from the query id and a salt, evenly spread: the same query always draws the same. */
export function draw(queryId: string, salt: string): number {
  const h = createHash('sha256').update(salt).update('\u0000').update(queryId).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/**
 * The pure decision: each migrating table the statement reads is pinned to its old or new engine by its
 * state (canary: chosen teams, then the percentage by a draw on the query id); shadow tables are sampled
 * at their rate. Tables not migrating are left to the routing rules.
 */
export function decideMigration(tables: readonly TableName[], migrations: ReadonlyMap<string, TableMigration>, ctx: DecisionContext): MigrationDecision {
  const pins = new Map<string, { engine: string; why: string }>();
  const shadow: TableMigration[] = [];
  for (const t of tables) {
    const m = migrations.get(key(t.schema, t.name));
    if (!m || pins.has(key(t.schema, t.name))) continue;
    const k = key(t.schema, t.name);
    switch (m.state) {
      case 'old-only':
        pins.set(k, { engine: m.oldEngine, why: `migration of ${k}: old-only` });
        break;
      case 'new-only':
        pins.set(k, { engine: m.newEngine, why: `migration of ${k}: new-only` });
        break;
      case 'shadow':
        pins.set(k, { engine: m.oldEngine, why: `migration of ${k}: shadow (answered by ${m.oldEngine})` });
        if (m.shadowSampleRate > 0 && draw(ctx.queryId, `shadow:${k}`) < m.shadowSampleRate) shadow.push(m);
        break;
      case 'canary': {
        const team = m.canaryTeams.includes(ctx.team);
        const picked = team || draw(ctx.queryId, `canary:${k}`) * 100 < m.canaryPercent;
        pins.set(k, {
          engine: picked ? m.newEngine : m.oldEngine,
          why: `migration of ${k}: canary (${team ? `team ${ctx.team} is pinned to ${m.newEngine}` : `${m.canaryPercent}% of queries to ${m.newEngine}`})`,
        });
        break;
      }
    }
  }
  return { pins, shadow };
}
