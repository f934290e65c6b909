import type { ServedTables } from '../catalog/served-tables.ts';
import { GatewayError } from '../errors/index.ts';

/** A routing rule from the config: when it matches a statement's context, prefer its engine. */
export interface RoutingRule {
  name?: string;
  /** Higher first; equal priorities keep config order. */
  priority: number;
  team?: readonly string[];
  user?: readonly string[];
  /** application_name glob: `*` matches any run of characters, case-sensitive. */
  application?: string;
  engine: string;
}

export interface RouteContext {
  user: string;
  team: string;
  application: string;
  /** `SET tollgate.engine = ...`: '' when not set. */
  sessionEngine: string;
}

export interface TableName {
  schema: string;
  name: string;
}

export type Route =
  | { kind: 'single'; engine: string; reason: string }
  /** Tables on several engines: each table is read from its assigned engine and joined in DuckDB. */
  | { kind: 'federated'; assignments: ReadonlyArray<{ table: TableName; engine: string }>; reason: string };

export interface RoutingInput {
  tables: readonly TableName[];
  served: ServedTables;
  rules: readonly RoutingRule[];
  context: RouteContext;
  /** Engine names in config order. */
  engines: readonly string[];
  /** Whether an engine is up (as last seen by its health checks). */
  isUp: (engine: string) => boolean;
  /**
   * Tables that must be read from one engine (a table migration's state), by lower-case `schema.name`.
   * They override rules and the session setting for those tables only.
   */
  pinned?: ReadonlyMap<string, { engine: string; why: string }>;
}

function globMatches(glob: string, text: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}

function ruleMatches(rule: RoutingRule, ctx: RouteContext): boolean {
  if (rule.team && !rule.team.includes(ctx.team)) return false;
  if (rule.user && !rule.user.includes(ctx.user)) return false;
  if (rule.application !== undefined && !globMatches(rule.application, ctx.application)) return false;
  return true;
}

/** Engines in the order this statement prefers them, each with why. */
function preferences(input: RoutingInput): Array<{ engine: string; why: string }> {
  const out: Array<{ engine: string; why: string }> = [];
  const { context: ctx } = input;
  if (ctx.sessionEngine !== '') {
    if (!input.engines.includes(ctx.sessionEngine))
      throw new GatewayError('INVALID_PARAMETER_VALUE', `tollgate.engine is set to "${ctx.sessionEngine}", which is not a configured engine`, {
        hint: `Configured engines: ${input.engines.join(', ')}. RESET tollgate.engine to route by the rules.`,
      });
    out.push({ engine: ctx.sessionEngine, why: `the session setting tollgate.engine = ${ctx.sessionEngine}` });
  }
  const rules = input.rules.map((rule, order) => ({ rule, order })).sort((a, b) => b.rule.priority - a.rule.priority || a.order - b.order);
  for (const { rule, order } of rules)
    if (ruleMatches(rule, ctx)) out.push({ engine: rule.engine, why: `routing rule ${rule.name ? `"${rule.name}"` : `#${order + 1}`}` });
  for (const engine of input.engines) out.push({ engine, why: 'config order' });
  return out;
}

const qualified = (t: TableName): string => `${t.schema}.${t.name}`;

/**
 * Chooses where a statement runs. Every engine that holds all its tables and is up can take it whole;
 * the first by preference (session setting, matching rules by priority, config order) does. Otherwise
 * the statement is federated, each table read from its most preferred live replica. A table whose every
 * replica is down fails the statement fast with 08006 naming the engines.
 */
export function chooseRoute(input: RoutingInput): Route {
  const candidates = new Map<string, Set<string>>();
  for (const t of input.tables) {
    const replicas = input.served.replicas(t.schema, t.name);
    if (replicas.length === 0) throw new GatewayError('UNDEFINED_TABLE', `relation "${qualified(t)}" does not exist`);
    const pin = input.pinned?.get(qualified(t).toLowerCase());
    if (pin) {
      if (!replicas.some((r) => r.engine === pin.engine))
        throw new GatewayError('ENGINE_UNAVAILABLE', `${qualified(t)} is pinned to engine "${pin.engine}" (${pin.why}), which does not serve it`, {
          hint: 'Ask an admin to check the table’s migration: both engines must serve the table.',
        });
      if (!input.isUp(pin.engine))
        throw new GatewayError('ENGINE_UNAVAILABLE', `${qualified(t)} cannot be read: engine "${pin.engine}" is down (${pin.why})`, {
          hint: 'Try again later; the gateway health page shows the engines’ state.',
        });
      candidates.set(qualified(t), new Set([pin.engine]));
      continue;
    }
    const up = replicas.filter((r) => input.isUp(r.engine)).map((r) => r.engine);
    if (up.length === 0) {
      const names = replicas.map((r) => r.engine);
      throw new GatewayError('ENGINE_UNAVAILABLE', `${qualified(t)} cannot be read: engine ${names.map((n) => `"${n}"`).join(' and ')} ${names.length > 1 ? 'are' : 'is'} down`, {
        hint: 'Try again later; the gateway health page shows the engines’ state.',
      });
    }
    candidates.set(qualified(t), new Set(up));
  }
  const prefs = preferences(input);
  if (input.tables.length === 0) {
    const live = prefs.find((p) => input.isUp(p.engine));
    if (!live) throw new GatewayError('ENGINE_UNAVAILABLE', 'no engine is up to run this statement');
    return { kind: 'single', engine: live.engine, reason: `reads no table; ${live.why}` };
  }
  const sets = [...candidates.values()];
  const pinnedWhy = input.tables.flatMap((t) => input.pinned?.get(qualified(t).toLowerCase())?.why ?? []);
  const pins = pinnedWhy.length > 0 ? `; ${[...new Set(pinnedWhy)].join('; ')}` : '';
  for (const p of prefs) {
    if (sets.every((s) => s.has(p.engine))) {
      const only = sets.every((s) => s.size === 1);
      // A pin makes a table's only candidate its pinned engine: say the pin, not "only X holds it".
      const why = only && pinnedWhy.length > 0 ? pins.slice(2) : `${only ? `only ${p.engine} holds ${[...candidates.keys()].join(', ')}` : p.why}${pins}`;
      return { kind: 'single', engine: p.engine, reason: why };
    }
  }
  const assignments = input.tables.map((table) => {
    const set = candidates.get(qualified(table))!;
    return { table, engine: prefs.find((p) => set.has(p.engine))!.engine };
  });
  const engines = [...new Set(assignments.map((a) => a.engine))];
  return { kind: 'federated', assignments, reason: `no single engine holds every table; reading from ${engines.join(', ')}${pins}` };
}
