import { LRUCache } from 'lru-cache';
import type { ServedTables } from '../catalog/served-tables.ts';
import type { ColumnInfo, Connector, DescribeResult, QueryContext, ResultStream } from '../connectors/contract.ts';
import { DuckDBConnector, type InputRelation } from '../connectors/duckdb/index.ts';
import { GatewayError } from '../errors/index.ts';
import { decideMigration, type TableMigration } from '../migration/index.ts';
import type { Logger } from '../log/index.ts';
import { analyzeQuery, qualifyTables, type Analysis, type TableRead } from '../parser/index.ts';
import { unknownEstimate, type ScanEstimate, type TableScanDetail } from '../estimate/index.ts';
import { valuesKey, type PgValue } from '../pgtypes/values.ts';
import { dialectFor } from './compile.ts';
import { pgColumnNames } from './column-names.ts';
import { chooseRoute, loadsAsIs, planFederation, queryPartColumns, withoutPadding, type EngineHealth, type FederatedPart, type FederationPlan, type Route, type RouteContext, type RoutingInput, type RoutingRule } from '../planner/index.ts';

export interface QueryRouterOptions {
  connectors: readonly Connector[];
  /** The served tables as of the last catalog refresh. */
  served: () => ServedTables;
  health: EngineHealth;
  rules: readonly RoutingRule[];
  /** Most rows a federated query may pull from one part. */
  maxRowsPerPart: number;
  /**
   * Where statements spanning engines are joined when none of the engines they read is a DuckDB one: a
   * configured DuckDB engine if there is any, else this private in-memory one (the gateway makes it).
   */
  joinHost?: DuckDBConnector;
  /** Table migrations in force (migration/registry.ts): they pin tables to an engine and sample shadow runs. */
  migrations?: { current(): ReadonlyMap<string, TableMigration> };
  logger: Logger;
}

/** A statement with its route decided: where it runs, and for a federated one, its parts. */
export interface RoutedQuery {
  /** The client's statement text. */
  sql: string;
  analysis: Analysis;
  route: Route;
  /** Present when route.kind is 'federated'. */
  federation?: Federation;
  /** Migrating tables in shadow state whose new engine should also run this statement (sampled). */
  shadow?: TableMigration[];
  /** The engines its canary draws chose, by `schema.name` (lower case); see route()'s `canaryChoices`. */
  canaryChoices?: ReadonlyMap<string, string>;
}

/** One table migration pin: the engine, and why (for EXPLAIN). */
type Pin = { engine: string; why: string };

/** A federated statement's plan, where it is joined, and its plan of table parts only (see loadsAsIs). */
export type Federation = FederationPlan & { host: DuckDBConnector; tablePartsOnly: () => FederationPlan };

/** A query part returned a column the host cannot hold as it is. */
class NotLoadable extends Error {}

/** Turns a statement into the SQL an engine of a given kind runs (session functions, dialect). */
export type Compile = (kind: string, sql: string, params?: readonly PgValue[]) => string;

/**
 * The SQL a part's engine receives: a table part is tollgate's own statement, given only the engine's
 * dialect; a query part is the client's text, compiled as a whole statement routed to that engine is.
 */
export function partSql(part: FederatedPart, kind: string, compile: Compile): string {
  return part.kind === 'query' ? compile(kind, part.sql) : dialectFor(kind, part.sql);
}

/**
 * Descriptions of single-engine statements, for engines whose descriptions follow their data versions:
 * drivers Parse (describe) every statement before they execute it, and a DuckDB describe is a prepare
 * that reads the Parquet files' metadata on the event loop, as the execute right after it does again.
 */
const DESCRIPTION_CACHE_ENTRIES = 2000;

/** Analyses are kept by text, search path and bound values: BI tools repeat statements, and parsing costs ~1.7 ms. */
const ANALYSIS_CACHE_ENTRIES = 2000;
const MAX_CACHED_PARAMS_CHARS = 2048;
/** Routes kept per analysis, one per (health generation, user, team, application, tollgate.engine). */
const ROUTES_PER_ANALYSIS = 16;

/**
 * The front door's decision for a query: analyse it (cached), find where its tables are, choose a route
 * (planner/routing.ts), and run it there — whole on one engine, or federated: each other engine's part
 * loaded into the joining DuckDB.
 */
export class QueryRouter {
  private readonly byName: Map<string, Connector>;
  private readonly analyses = new LRUCache<string, { served: ServedTables; analysis: Analysis }>({ max: ANALYSIS_CACHE_ENTRIES });
  private readonly federationPlans = new WeakMap<Analysis, Map<string, FederationPlan>>();
  private readonly engineTexts = new WeakMap<Analysis, string>();
  /** Routes of unpinned statements, per analysis (see unpinnedRoute). */
  private readonly routes = new WeakMap<Analysis, Map<string, { served: ServedTables; route: Route }>>();
  private readonly isUp = (engine: string): boolean => this.opts.health.isUp(engine);
  private readonly descriptions = new LRUCache<string, DescribeResult>({
    max: DESCRIPTION_CACHE_ENTRIES,
    maxSize: 64 * 2 ** 20,
    sizeCalculation: (d, key) => 2 * key.length + 64 * (d.columns.length + d.params.length + 1),
  });

  constructor(private readonly opts: QueryRouterOptions) {
    this.byName = new Map(opts.connectors.map((c) => [c.name, c] as const));
  }

  connector(name: string): Connector {
    const c = this.byName.get(name);
    if (!c) throw new GatewayError('INTERNAL', `no connector named ${name}`);
    return c;
  }

  get engineNames(): string[] {
    return this.opts.connectors.map((c) => c.name);
  }

  served(): ServedTables {
    return this.opts.served();
  }

  analyze(sql: string, searchPath: readonly string[], params?: readonly PgValue[]): Analysis {
    const served = this.opts.served();
    let paramsKey = '';
    if (params && params.length > 0) {
      paramsKey = valuesKey(params);
    }
    const cacheable = paramsKey.length <= MAX_CACHED_PARAMS_CHARS;
    const key = `${searchPath.join(',')}\u0000${paramsKey}\u0000${sql}`;
    const hit = cacheable ? this.analyses.get(key) : undefined;
    // A refresh swaps the served tables: an analysis made against the old ones is stale.
    if (hit && hit.served === served) return hit.analysis;
    const analysis = analyzeQuery(sql, { searchPath, catalog: served, ...(params && { params }) });
    if (cacheable) this.analyses.set(key, { served, analysis });
    return analysis;
  }

  /**
   * What a route chosen now depends on beyond the statement and who runs it: the served tables and the
   * engines' health. Undefined while a table migration is in force (its canary and shadow draws differ
   * per statement), when nothing derived from a route may be reused.
   */
  routingState(): { served: ServedTables; health: number } | undefined {
    const migrations = this.opts.migrations?.current();
    if (migrations && migrations.size > 0) return undefined;
    return { served: this.opts.served(), health: this.opts.health.generation };
  }

  private chooseRoute(analysis: Analysis, served: ServedTables, context: RouteContext, pinned?: ReadonlyMap<string, Pin>): Route {
    const input: RoutingInput = { tables: analysis.tables, served, rules: this.opts.rules, context, engines: this.engineNames, isUp: this.isUp };
    if (pinned) input.pinned = pinned;
    return chooseRoute(input);
  }

  /**
   * The route of a statement no migration pins: a pure function of its analysis (kept per text, search
   * path and served tables), who runs it, and which engines are up, so it is kept with the analysis and
   * chosen again only when the context or the engines' health changes.
   */
  private unpinnedRoute(analysis: Analysis, served: ServedTables, context: RouteContext): Route {
    const key = `${this.opts.health.generation}\u0000${context.user}\u0000${context.team}\u0000${context.application}\u0000${context.sessionEngine}`;
    let byContext = this.routes.get(analysis);
    if (byContext === undefined) this.routes.set(analysis, (byContext = new Map()));
    const known = byContext.get(key);
    if (known !== undefined && known.served === served) return known.route;
    const route = this.chooseRoute(analysis, served, context);
    // Bounded: one statement text run by many users or applications keeps only the latest few routes.
    if (byContext.size >= ROUTES_PER_ANALYSIS) byContext.delete(byContext.keys().next().value!);
    byContext.set(key, { served, route });
    return route;
  }

  /** Decides the route; for a federated statement also its parts (which depend on the bound values). */
  /**
   * `pins` replaces the migrations' decision (a shadow run routes the same statement to the other side).
   * `queryId` makes canary and shadow draws stable for a statement. `canaryChoices` are the engines a
   * prepared statement's canary draws chose when it was described: its executions keep them while those
   * tables are still in canary between the same engines, so its rows always match the columns the client
   * was told (the engines may type a column differently); any other state change applies at once.
   */
  route(
    sql: string,
    searchPath: readonly string[],
    context: RouteContext,
    params?: readonly PgValue[],
    opts: { queryId?: string; pins?: ReadonlyMap<string, Pin>; canaryChoices?: ReadonlyMap<string, string> } = {},
  ): RoutedQuery {
    const analysis = this.analyze(sql, searchPath, params);
    const unknown = analysis.unknownTables[0];
    if (unknown) {
      const name = unknown.schema ? `${unknown.schema}.${unknown.name}` : unknown.name;
      throw new GatewayError('UNDEFINED_TABLE', `relation "${name}" does not exist`, {
        ...(unknown.position > 0 && { position: unknown.position }),
        ...(this.opts.served().schemas.size > 0 && { hint: `tollgate serves tables in the schemas ${[...this.opts.served().schemas].sort().join(', ')}.` }),
      });
    }
    const served = this.opts.served();
    const migrations = this.opts.migrations?.current();
    const decision = opts.pins === undefined && migrations && migrations.size > 0 ? decideMigration(analysis.tables, migrations, { team: context.team, queryId: opts.queryId ?? '' }) : undefined;
    if (decision && opts.canaryChoices) keepCanaryChoices(decision.pins, opts.canaryChoices, migrations!);
    const pinned = opts.pins ?? decision?.pins;
    const choices = decision && canaryChoicesOf(decision.pins, migrations!);
    const route = pinned && pinned.size > 0 ? this.chooseRoute(analysis, served, context, pinned) : this.unpinnedRoute(analysis, served, context);
    if (route.kind === 'single') {
      // Built field by field: properties after conditional spreads take V8's slow path (per statement).
      const routed: RoutedQuery = { sql: this.engineText(sql, analysis), analysis, route };
      if (decision && decision.shadow.length > 0) routed.shadow = decision.shadow;
      if (choices) routed.canaryChoices = choices;
      return routed;
    }
    const migration = { ...(decision && decision.shadow.length > 0 && { shadow: decision.shadow }), ...(choices && { canaryChoices: choices }) };
    // Joined on a DuckDB engine the statement reads (its tables stay in place), else on any DuckDB (every
    // table is then a part).
    const host =
      (route.assignments.map((a) => this.byName.get(a.engine)).find((c) => c instanceof DuckDBConnector) as DuckDBConnector | undefined) ??
      (this.opts.connectors.find((c) => c instanceof DuckDBConnector) as DuckDBConnector | undefined) ??
      this.opts.joinHost;
    if (host === undefined)
      throw new GatewayError('FEATURE_NOT_SUPPORTED', `this statement reads tables of several engines (${[...new Set(route.assignments.map((a) => a.engine))].join(', ')}) and no DuckDB engine is there to join them in`, {
        hint: 'Add the tables to one engine, or query them separately.',
      });
    const hostName = host.name;
    // Planned over the text with every table written with its schema: the parts and the host's statement
    // keep table references as written, and no engine has the session's search_path.
    const fedSql = this.engineText(sql, analysis);
    const fedAnalysis = fedSql === sql ? analysis : this.analyze(fedSql, searchPath, params);
    // Plans are pure functions of the (cached) analysis and the assignments: kept beside the analysis.
    const plan = (whole: boolean): FederationPlan => {
      const signature = `${hostName}\u0000${route.assignments.map((a) => a.engine).join(',')}\u0000${whole}`;
      let plans = this.federationPlans.get(fedAnalysis);
      if (!plans) this.federationPlans.set(fedAnalysis, (plans = new Map()));
      let p = plans.get(signature);
      if (!p)
        plans.set(
          signature,
          (p = planFederation({ sql: fedSql, tables: fedAnalysis.tables, exact: fedAnalysis.exact, assignments: route.assignments, host: hostName, served, searchPath, wholeSubqueries: whole })),
        );
      return p;
    };
    return { sql, analysis, route, federation: { ...plan(true), host, tablePartsOnly: () => plan(false) }, ...migration };
  }

  /** The statement as its engine gets it: tables found through the search path written with their schema (kept per analysis). */
  private engineText(sql: string, analysis: Analysis): string {
    if (!analysis.tables.some((t) => t.unqualifiedAt !== undefined)) return sql;
    let text = this.engineTexts.get(analysis);
    if (text === undefined) this.engineTexts.set(analysis, (text = qualifyTables(sql, analysis.tables)));
    return text;
  }

  /** Result columns and parameter types without running the statement. */
  async describe(routed: RoutedQuery, compile: Compile, paramTypes: readonly number[], context: QueryContext): Promise<DescribeResult> {
    if (routed.route.kind === 'single') {
      const c = this.connector(routed.route.engine);
      const sql = compile(c.kind, routed.sql);
      const key = await this.descriptionKey(c, sql, paramTypes, routed.analysis.tables);
      const known = key === undefined ? undefined : this.descriptions.get(key);
      if (known) return known;
      const described = await this.watch(c.name, () => c.describe({ sql, params: [], paramTypes, context }));
      if (key !== undefined) this.descriptions.set(key, described);
      return described;
    }
    const fed = routed.federation!;
    try {
      return await this.describeFederated(fed, fed.host, compile, paramTypes, context);
    } catch (e) {
      if (!(e instanceof NotLoadable)) throw e;
      return this.describeFederated(fed.tablePartsOnly(), fed.host, compile, paramTypes, context);
    }
  }

  /**
   * Where a description may be kept: the engine, the parameter types, the data version of every table
   * read and the compiled text (session values included). Undefined when it may not: the engine does not
   * declare describeFollowsDataVersion, or a table has no trustworthy version right now.
   */
  private async descriptionKey(c: Connector, sql: string, paramTypes: readonly number[], tables: readonly TableRead[]): Promise<string | undefined> {
    if (!c.capabilities.describeFollowsDataVersion || !c.dataVersion) return undefined;
    const refs = tables.map((t) => ({ schema: t.schema, name: t.name }));
    let versions: Map<string, string>;
    try {
      versions = await c.dataVersion(refs);
    } catch {
      return undefined;
    }
    const parts: string[] = [];
    for (const t of refs) {
      const v = versions.get(`${t.schema}.${t.name}`);
      if (v === undefined) return undefined;
      parts.push(`${t.schema}.${t.name}=${v}`);
    }
    return `${c.name}\u0000${paramTypes.join(',')}\u0000${parts.sort().join('\u0000')}\u0000${sql}`;
  }

  private async describeFederated(plan: FederationPlan, host: DuckDBConnector, compile: Compile, paramTypes: readonly number[], context: QueryContext): Promise<DescribeResult> {
    const inputs: Array<{ name: string; columns: ColumnInfo[]; source: string }> = [];
    for (const p of plan.parts) {
      let columns = p.columns;
      if (columns === null) {
        // A query part's columns are its engine's answer.
        const c = this.connector(p.engine);
        const sql = partSql(p, c.kind, compile);
        const described = await this.watch(c.name, () => c.describe({ sql, params: [], paramTypes: [], context }));
        if (!loadsAsIs(described.columns)) throw new NotLoadable();
        columns = queryPartColumns(described.columns, pgColumnNames(p.sql, described.columns.length));
      }
      inputs.push({ name: p.inputName, columns, source: p.source });
    }
    return host.describeWith({ sql: compile('duckdb', plan.hostSql), params: [], paramTypes, context }, inputs);
  }

  async execute(
    routed: RoutedQuery,
    compile: Compile,
    params: readonly PgValue[],
    paramTypes: readonly number[],
    signal: AbortSignal,
    context: QueryContext,
  ): Promise<ResultStream> {
    if (routed.route.kind === 'single') {
      const c = this.connector(routed.route.engine);
      const sql = compile(c.kind, routed.sql, params);
      return this.watch(c.name, () => c.execute({ sql, params, paramTypes, context }, { signal }));
    }
    const fed = routed.federation!;
    try {
      return await this.executeFederated(fed, fed.host, compile, params, paramTypes, signal, context);
    } catch (e) {
      if (!(e instanceof NotLoadable)) throw e;
      return this.executeFederated(fed.tablePartsOnly(), fed.host, compile, params, paramTypes, signal, context);
    }
  }

  private async executeFederated(
    plan: FederationPlan,
    host: DuckDBConnector,
    compile: Compile,
    params: readonly PgValue[],
    paramTypes: readonly number[],
    signal: AbortSignal,
    context: QueryContext,
  ): Promise<ResultStream> {
    const streams: ResultStream[] = [];
    try {
      const inputs: InputRelation[] = [];
      for (const part of plan.parts) {
        const c = this.connector(part.engine);
        this.opts.logger.debug({ engine: part.engine, sql: part.sql }, 'federated part sent to engine');
        const sql = partSql(part, c.kind, compile);
        const stream = await this.watch(c.name, () => c.execute({ sql, params: part.params, paramTypes: part.paramTypes, context }, { signal }));
        streams.push(stream);
        if (part.columns !== null) inputs.push({ name: part.inputName, columns: part.columns, source: part.source, batches: stream });
        else {
          if (!loadsAsIs(stream.columns)) throw new NotLoadable();
          const columns = queryPartColumns(stream.columns, pgColumnNames(part.sql, stream.columns.length));
          inputs.push({ name: part.inputName, columns, source: part.source, batches: withoutPadding(stream, stream.columns) });
        }
      }
      return await host.executeWith({ sql: compile('duckdb', plan.hostSql, params), params, paramTypes, context }, inputs, { signal, limits: { maxRows: this.opts.maxRowsPerPart } });
    } finally {
      // Loaded (or failed): the parts' statements are done either way.
      await Promise.all(streams.map((s) => s.close().catch(() => {})));
    }
  }

  /**
   * What each table reference of a routed statement will scan, asked of the engine that reads it (per
   * engine, one call). An engine without estimates, or one whose estimate fails, answers `unknown`; the
   * caller's billing policy decides what that costs.
   */
  async estimate(routed: RoutedQuery): Promise<Array<TableScanDetail & { engine: string }>> {
    const engineOf = (t: { schema: string; name: string }): string =>
      routed.route.kind === 'single' ? routed.route.engine : routed.route.assignments.find((a) => a.table.schema === t.schema && a.table.name === t.name)!.engine;
    const groups = new Map<string, TableRead[]>();
    for (const t of routed.analysis.tables) {
      const e = engineOf(t);
      groups.set(e, [...(groups.get(e) ?? []), t]);
    }
    const out: Array<TableScanDetail & { engine: string }> = [];
    for (const [engine, reads] of groups) {
      const c = this.connector(engine);
      let estimate: ScanEstimate;
      if (!c.estimate) estimate = unknownEstimate(reads, `engine ${engine} gives no estimates`);
      else {
        try {
          estimate = await c.estimate(reads);
        } catch (err) {
          this.opts.logger.warn({ err, engine }, 'scan estimate failed');
          estimate = unknownEstimate(reads, `the estimate failed: ${(err as Error).message}`);
        }
      }
      for (const d of estimate.detail) out.push({ ...d, engine });
    }
    return out;
  }

  /** The engines' names a routed statement runs on, for the ledger and logs. */
  enginesOf(routed: RoutedQuery): string {
    return routed.route.kind === 'single' ? routed.route.engine : [...new Set(routed.route.assignments.map((a) => a.engine))].join('+');
  }

  /** An engine that cannot be reached is marked down at once, so replicas are used without waiting for a health check. */
  private async watch<T>(engine: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'ENGINE_UNAVAILABLE') this.opts.health.markDown(engine, e.message);
      throw e;
    }
  }
}

/** The engines canary draws chose among `pins`: tables in canary state only. */
function canaryChoicesOf(pins: ReadonlyMap<string, Pin>, migrations: ReadonlyMap<string, TableMigration>): ReadonlyMap<string, string> | undefined {
  let out: Map<string, string> | undefined;
  for (const [table, pin] of pins) if (migrations.get(table)?.state === 'canary') (out ??= new Map()).set(table, pin.engine);
  return out;
}

/** Replaces fresh canary draws by earlier ones, for tables still in canary between the same two engines. */
function keepCanaryChoices(pins: Map<string, Pin>, choices: ReadonlyMap<string, string>, migrations: ReadonlyMap<string, TableMigration>): void {
  for (const [table, engine] of choices) {
    const m = migrations.get(table);
    if (m?.state !== 'canary' || (engine !== m.oldEngine && engine !== m.newEngine) || !pins.has(table)) continue;
    pins.set(table, { engine, why: `migration of ${table}: canary, kept from when the prepared statement was described (${engine})` });
  }
}
