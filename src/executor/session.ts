import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { ColumnInfo, QueryContext, ResultStream, ResultSummary } from '../connectors/contract.ts';
import type { ServedTables } from '../catalog/served-tables.ts';
import type { RouteContext } from '../planner/index.ts';
import type { Compile, QueryRouter, RoutedQuery } from './query-router.ts';
import { checkMaxBytesBilled, costNotice, dryRunRows, priceEstimate, type Costing, type CostPolicy } from './costing.ts';
import { searchPathSchemas } from './search-path.ts';
import { GatewayError, toGatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { catalogReferences, type CatalogSession, type ShadowCatalog } from '../catalog/index.ts';
import { classifyCopy, classifySessionStatement, lex, splitStatements, type CopyOptions, type CopyToStdout, type SessionCommand } from '../parser/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type {
  BackendSession,
  OutputSettings,
  PreparedStatement,
  RowSource,
  SessionEvents,
  StartupInfo,
  StatementExecution,
  TransactionStatus,
} from '../wire/backend.ts';
import { dependsOnValues } from '../planner/index.ts';
import { OID } from '../pgtypes/oids.ts';
import { batchesExecution, commandExecution, replayExecution, rowsExecution, streamExecution, textColumn } from './executions.ts';
import { explainLines, explainTarget } from './explain.ts';
import { compileFor } from './compile.ts';
import { pgColumnNames } from './column-names.ts';
import { Cursors } from './cursors.ts';
import { runSessionCommand, sessionCommandColumns, type SessionContext } from './session-commands.ts';
import { SessionSettings } from './session-settings.ts';
import { RepeatedStatement } from './repeated-statement.ts';
import { byStatementText } from './by-statement-text.ts';
import type { ParameterSpec } from './settings.ts';
import type { UserRecord } from './users.ts';
import { statementTags, type StatementKind, type StatementLog, type StatementRecord } from '../ledger/index.ts';
import type { Admission, BudgetGuard } from '../budgets/index.ts';
import type { ShadowRunner } from '../migration/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { submitShadow, type ShadowRequest } from './shadow-hook.ts';
import { decideCaching, hitNotice, recordingStream, replayStream, type CacheCandidate, type CacheDecision, type CacheEntry, type Claim, type ResultCache } from '../cache/index.ts';

export interface GatewaySessionOptions {
  id: number;
  user: UserRecord;
  database: string;
  startup: StartupInfo;
  specs: ParameterSpec[];
  /** Where queries go: analysis, routing, federation. */
  router: QueryRouter;
  logger: Logger;
  /** Answers catalog statements; without it they go to the engine. */
  catalog?: ShadowCatalog;
  /**
   * Plans by statement text, shared by the sessions of one executor: BI tools and drivers send the same
   * statements over and over, and classifying one lexes it several times (tens of microseconds each).
   */
  plans?: PlanCache;
  /** How queries are priced; without it they are not estimated or billed. */
  billing?: CostPolicy;
  /** Where each query, catalog statement and COPY is recorded; without it, nothing is. */
  ledger?: StatementLog;
  /** Team budgets; without it, nothing is held or refused for money. */
  budgets?: BudgetGuard;
  /** The result cache, shared by the sessions of one executor; without it, every query runs. */
  cache?: ResultCache;
  /** Runs sampled statements on both sides of a table migration; without it, nothing is shadowed. */
  shadow?: ShadowRunner;
  /** Counters and histograms served at /metrics. */
  metrics?: Metrics;
}

/** How a statement is answered, decided once per statement text. */
export type Plan =
  | { readonly kind: 'session'; readonly command: SessionCommand }
  | { readonly kind: 'copy'; readonly copy: CopyToStdout }
  | { readonly kind: 'catalog' }
  /** tollgate's EXPLAIN: the route and the SQL each engine receives, for `query`. */
  | { readonly kind: 'explain'; readonly query: string; readonly cost: boolean }
  | { readonly kind: 'query' };

/** Plans are pure data decided by the text alone (and the served tables, fixed per executor). */
export type PlanCache = LRUCache<string, Plan>;

export function newPlanCache(): PlanCache {
  // Bounded by entries and by text size: a statement cache, not a place for a 10 MB INSERT.
  return new LRUCache<string, Plan>({ max: 5000, maxSize: 32 * 1024 * 1024, sizeCalculation: (_plan, sql) => sql.length + 64 });
}

function planOf(sql: string, servedTables: ServedTables, hasCatalog: boolean): Plan {
  const command = classifySessionStatement(sql);
  if (command) return { kind: 'session', command };
  const copy = classifyCopy(sql);
  if (copy) return { kind: 'copy', copy };
  if (hasCatalog && catalogReferences(sql).readsCatalog) {
    // The shadow tables are empty: a statement that also reads served data would answer wrongly there.
    if (readsServedTable(sql, servedTables))
      throw new GatewayError('FEATURE_NOT_SUPPORTED', 'a statement cannot read both the PostgreSQL catalog and served tables', {
        hint: 'Query the catalog (pg_catalog, information_schema) and the data in separate statements.',
      });
    return { kind: 'catalog' };
  }
  refuseWrites(sql);
  const explain = explainTarget(sql);
  if (explain) return { kind: 'explain', query: explain.query, cost: explain.cost };
  return { kind: 'query' };
}

/** Statements that may cost money: their ledger record is committed before the client hears they are done. */
const BILLABLE = new Set<StatementKind>(['query', 'copy']);

/** PostgreSQL's message levels, lowest first (client_min_messages). */
const MESSAGE_LEVELS = ['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'warning', 'error'];

/** What a dry run returns (costing.ts dryRunRows). */
const DRY_RUN_COLUMNS: ColumnInfo[] = [
  { name: 'table_name', typeOid: OID.text, typeModifier: -1 },
  { name: 'engine', typeOid: OID.text, typeModifier: -1 },
  { name: 'estimated_bytes', typeOid: OID.int8, typeModifier: -1 },
  { name: 'billed_bytes', typeOid: OID.int8, typeModifier: -1 },
  { name: 'cost', typeOid: OID.numeric, typeModifier: -1 },
  { name: 'detail', typeOid: OID.text, typeModifier: -1 },
];

/** Statements that change data or schema; tollgate is read-only toward its engines. */
const WRITE_STATEMENTS = new Set([
  'insert', 'update', 'delete', 'merge', 'truncate', 'create', 'drop', 'alter', 'comment', 'grant', 'revoke',
  'vacuum', 'analyze', 'analyse', 'cluster', 'reindex', 'refresh', 'call', 'do', 'lock', 'import', 'security', 'reassign',
]);

/** Refuses a write with 0A000 before any engine sees it (engines also refuse, as a second line). */
function refuseWrites(sql: string): void {
  const first = lex(sql)[0];
  if (first?.kind !== 'ident' || first.quoted || !WRITE_STATEMENTS.has(first.value)) return;
  throw new GatewayError('FEATURE_NOT_SUPPORTED', `${first.value.toUpperCase()} is not supported: tollgate is read-only toward its engines`, {
    refused: true,
    hint: 'tollgate runs queries (SELECT, WITH, VALUES, TABLE, EXPLAIN); change data in the engine itself.',
  });
}

/** Whether the statement names a served table as schema.table (served tables are always qualified today). */
function readsServedTable(sql: string, servedTables: ServedTables): boolean {
  const tokens = lex(sql);
  for (let i = 0; i + 2 < tokens.length; i++) {
    const a = tokens[i]!;
    const dot = tokens[i + 1]!;
    const b = tokens[i + 2]!;
    if (a.kind === 'ident' && dot.text === '.' && b.kind === 'ident' && servedTables.has(a.value, b.value)) return true;
  }
  return false;
}

/** The highest $n a statement refers to (kept per text: asked at every Parse and every description). */
const parameterCount = byStatementText((sql) => {
  let max = 0;
  for (const t of lex(sql)) if (t.kind === 'param') max = Math.max(max, Number(t.value));
  return max;
});

/** What Parse learned about a statement, kept for Bind/Execute. */
interface Prepared extends PreparedStatement {
  readonly plan: Plan;
  /** Parameter types the client declared in Parse (0 = not declared). */
  readonly declaredTypes?: readonly number[];
  /** The engines canary draws chose when it was described, kept by its executions (QueryRouter.route). */
  readonly canaryChoices?: ReadonlyMap<string, string>;
  /** Its columns were a cached result's (Parse); an execution the engine runs is checked against them. */
  readonly fromCache?: boolean;
}

/**
 * Where a statement's AbortSignal comes from: read only when an engine runs it. The wire makes the
 * signal on first read (wire/session.ts StatementControl), and a cache hit never needs one.
 */
interface Cancellation {
  readonly signal: AbortSignal;
}

/** A query's rows as opened (from its engine, or a cached result to replay), and the columns the client is told. */
type Opened = { stream: ResultStream; columns: readonly ColumnInfo[] } | { replay: CacheEntry; columns: readonly ColumnInfo[] };

/** The cache's answer for a statement (GatewaySession.cacheLookup). */
type CacheLookup = { hit: CacheEntry } | { claim: Claim; ttlMs: number } | undefined;

function openedExecution(o: Opened): StatementExecution {
  return 'replay' in o ? replayExecution(o.replay, o.columns) : streamExecution(o.stream, o.columns, () => {});
}

/** The rows of an opened query as a stream (cursors and COPY read streams). */
function streamOf(o: Opened): ResultStream {
  return 'replay' in o ? replayStream(o.replay) : o.stream;
}

/**
 * An execution whose close also records the statement, once, however the close went. A class, not an
 * object of closures: made for every statement, and each named closure cost a call to esbuild's
 * __name (keepNames, which tsx sets) with a defineProperty, ~2% of a cache hit's profile.
 */
class RecordedOnClose implements StatementExecution {
  readonly columns: readonly ColumnInfo[] | null;
  readonly batches?: RowSource;
  readonly copyOut?: CopyOptions;
  readonly sessionEffect?: StatementExecution['sessionEffect'];
  private recorded = false;

  constructor(
    private readonly inner: StatementExecution,
    private readonly onClosed: (outcome: { error?: unknown; rowsSent: number }) => Promise<void> | undefined,
  ) {
    this.columns = inner.columns;
    if (inner.batches !== undefined) this.batches = inner.batches;
    if (inner.copyOut !== undefined) this.copyOut = inner.copyOut;
    if (inner.sessionEffect !== undefined) this.sessionEffect = inner.sessionEffect;
  }

  commandTag(rowsSent: number): string {
    return this.inner.commandTag(rowsSent);
  }

  summary(): ResultSummary | undefined {
    return this.inner.summary?.();
  }

  close(outcome: { error?: unknown; rowsSent: number }): Promise<void> | void {
    let closing: Promise<void> | void;
    try {
      closing = this.inner.close(outcome);
    } catch (e) {
      return failAfter(this.record(outcome), e);
    }
    if (closing instanceof Promise)
      return closing.then(
        () => this.record(outcome),
        (e: unknown) => failAfter(this.record(outcome), e),
      );
    return this.record(outcome);
  }

  private record(outcome: { error?: unknown; rowsSent: number }): Promise<void> | undefined {
    if (this.recorded) return undefined;
    this.recorded = true;
    return this.onClosed(outcome);
  }
}

/** Throws `error` once `pending` (if any) has settled. */
function failAfter(pending: Promise<void> | undefined, error: unknown): Promise<never> {
  if (pending === undefined) return Promise.reject(error);
  return pending.then(() => Promise.reject(error));
}

/** See GatewaySession.describedState. */
interface DescribedState {
  settings: number;
  cache: number;
  served: object;
  health: number;
  team: string;
}

const DESCRIBED_PER_SESSION = 64;

function sameColumnTypes(told: readonly ColumnInfo[], returned: readonly ColumnInfo[]): boolean {
  if (told.length !== returned.length) return false;
  for (let i = 0; i < told.length; i++) if (told[i]!.typeOid !== returned[i]!.typeOid) return false;
  return true;
}

function sameDescribedState(a: DescribedState, b: DescribedState): boolean {
  return a.settings === b.settings && a.cache === b.cache && a.served === b.served && a.health === b.health && a.team === b.team;
}

/**
 * One client session inside the gateway: settings, transaction state, and the path of each statement.
 * Session statements (SET, SHOW, BEGIN, ...) are answered here; queries go to the engine.
 */

export class GatewaySession implements BackendSession, SessionContext {
  readonly settings: SessionSettings;
  readonly cursors = new Cursors();
  readonly savepoints: string[] = [];
  private catalogConnection: CatalogSession | null = null;
  /** Engines of the statement routed last, for its ledger record ('' before one is routed). */
  private lastEngines = '';
  /** The ledger id of the statement being executed; engines that label queries carry it. */
  private queryId = '';
  /** Estimates of statements not recorded yet, by ledger id. */
  private readonly costings = new Map<string, Costing>();
  /** Budget reservations of statements not recorded yet, by ledger id. */
  private readonly reservations = new Map<string, string>();
  /** Statements sampled for a table migration's shadow run, submitted once they succeed. */
  private readonly shadows = new Map<string, ShadowRequest>();
  /** Statements answered from the result cache and not recorded yet: ledger id → the cost they saved. */
  private readonly cacheHits = new Map<string, number>();
  private status: TransactionStatus = 'I';
  /**
   * Statements without parameters described from the result cache, by text, with the state they were
   * described in: a dashboard (or pgbench) sends Parse for the same text before every execution, and
   * routing and deciding again would cost as much as the hit itself.
   */
  private readonly described = new Map<string, { prepared: Prepared; state: DescribedState }>();
  /** See filteredEvents. */
  private filtered: { from: SessionEvents; to: SessionEvents } | undefined;
  private parsedSearchPath: { value: string; schemas: string[] } | null = null;
  private readonly repeated = new RepeatedStatement();
  /** close() ran (it may be called more than once; the session gauge counts it once). */
  private closed = false;
  private eventSink: SessionEvents | null = null;
  readonly log: Logger;

  constructor(private readonly opts: GatewaySessionOptions) {
    this.log = opts.logger.child({ session: opts.id, user: opts.user.name });
    this.settings = new SessionSettings(opts.specs, opts.startup.parameters, (name, value) => this.eventSink?.parameterStatus(name, value));
    this.settings.setInternal('session_authorization', opts.user.name);
    this.settings.setInternal('is_superuser', 'off');
    const options = opts.startup.parameters.options;
    if (options) this.applyStartupOptions(options);
  }

  get user(): UserRecord {
    return this.opts.user;
  }

  get database(): string {
    return this.opts.database;
  }

  get servedSchemas(): ReadonlySet<string> {
    return this.opts.router.served().schemas;
  }

  get processId(): number {
    return this.opts.startup.processId;
  }

  initialParameterStatus(): Array<[string, string]> {
    return this.settings.reported();
  }

  outputSettings(): OutputSettings {
    return this.settings.output();
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  beginTransaction(): void {
    if (this.status !== 'I') return;
    this.settings.beginTransaction();
    this.status = 'T';
  }

  /** COMMIT keeps the transaction's SETs; ROLLBACK (and COMMIT of a failed transaction) undoes them. */
  endTransaction(commit: boolean): void {
    if (this.status === 'I') return;
    this.settings.endTransaction(commit && this.status === 'T');
    this.savepoints.length = 0;
    this.status = 'I';
  }

  /** ROLLBACK TO SAVEPOINT makes a failed transaction usable again. */
  clearFailure(): void {
    if (this.status === 'E') this.status = 'T';
  }

  splitStatements(sql: string): string[] {
    return SPLITS(sql);
  }

  markFailed(): void {
    if (this.status === 'T') this.status = 'E';
  }

  /** Parse: a statement's parameters and columns; without a promise when it was described moments ago in the same state. */
  prepare(sql: string, paramTypes: readonly number[]): Prepared | Promise<Prepared> {
    let plan: Plan | undefined;
    try {
      plan = this.plan(sql);
      const known = this.describedBefore(plan, sql, paramTypes);
      if (known) return known;
    } catch (e) {
      // Failed at once: it started now.
      return this.failedToPrepare(plan, sql, new Date(), e);
    }
    const started = new Date();
    return this.prepareAs(plan, sql, paramTypes).catch((e: unknown) => this.failedToPrepare(plan, sql, started, e));
  }

  /** A statement that fails at Parse never runs; it is recorded as failed all the same. */
  private async failedToPrepare(plan: Plan | undefined, sql: string, started: Date, error: unknown): Promise<never> {
    if (plan?.kind !== 'session') await this.record(plan?.kind ?? 'query', sql, started, { error });
    throw error;
  }

  /**
   * The description kept for a statement without parameters described from the cache in this session,
   * while nothing it depends on changed (describedState): dashboards and pgbench send Parse before
   * every execution of the same text.
   */
  private describedBefore(plan: Plan, sql: string, paramTypes: readonly number[]): Prepared | undefined {
    if (plan.kind !== 'query' || paramTypes.length > 0 || this.settings.get('tollgate.dry_run') === 'on') return undefined;
    const state = this.describedState();
    const known = state && this.described.get(sql);
    return known && sameDescribedState(known.state, state) ? known.prepared : undefined;
  }

  private async prepareAs(plan: Plan, sql: string, paramTypes: readonly number[]): Promise<Prepared> {
    // COPY TO STDOUT describes as NoData, as in PostgreSQL; it runs at Execute.
    if (plan.kind === 'copy') return { plan, paramTypes: [], columns: null };
    if (plan.kind === 'session') return { plan, paramTypes: [], columns: sessionCommandColumns(plan.command, this) };
    if (plan.kind === 'catalog') {
      // Described once per statement text by running it with NULL parameters (see CatalogSession.describe).
      const count = parameterCount(sql);
      const columns = await this.catalogSession().describe(sql, count, paramTypes, this.searchPath());
      const types = Array.from({ length: count }, (_, i) => paramTypes[i] ?? 0);
      return { plan, paramTypes: types, columns: columns.length > 0 ? columns : null };
    }
    if (plan.kind === 'explain' && plan.cost) return { plan, paramTypes: [...paramTypes], declaredTypes: [...paramTypes], columns: DRY_RUN_COLUMNS };
    if (plan.kind === 'explain') {
      // Parameters are the explained statement's: its engine infers their types.
      const inner = this.opts.router.route(plan.query, this.searchPathList(), this.routeContext());
      const described = await this.opts.router.describe(inner, this.compiler(paramTypes), paramTypes, this.queryContext(randomUUID()));
      const params = described.params.map((t, i) => (paramTypes[i] ? paramTypes[i]! : t));
      return { plan, paramTypes: params, declaredTypes: [...paramTypes], columns: [textColumn('QUERY PLAN')] };
    }
    if (this.settings.get('tollgate.dry_run') === 'on') return { plan, paramTypes: [...paramTypes], declaredTypes: [...paramTypes], columns: DRY_RUN_COLUMNS };
    // Taken before anything is decided: a change meanwhile makes the kept answer stale, never wrong.
    // (A description kept from before was answered by describedBefore.)
    const state = paramTypes.length === 0 ? this.describedState() : undefined;
    // A draw of its own (not one id for every Parse), so prepared statements spread over a canary as queries do.
    const routed = this.opts.router.route(sql, this.searchPathList(), this.routeContext(), undefined, { queryId: randomUUID() });
    const sticky = routed.canaryChoices && { canaryChoices: routed.canaryChoices };
    const cachedColumns = await this.cachedColumns(sql, routed);
    if (cachedColumns) {
      const prepared: Prepared = { plan, declaredTypes: [], paramTypes: [], columns: cachedColumns, fromCache: true };
      if (state && !sticky) {
        if (this.described.size >= DESCRIBED_PER_SESSION) this.described.clear();
        this.described.set(sql, { prepared, state });
        return prepared;
      }
      return { plan, declaredTypes: [...paramTypes], paramTypes: [...paramTypes], columns: cachedColumns, fromCache: true, ...sticky };
    }
    const described = await this.opts.router.describe(routed, this.compiler(paramTypes), paramTypes, this.queryContext(randomUUID()));
    const params = described.params.map((t, i) => (paramTypes[i] && paramTypes[i] !== 0 ? paramTypes[i]! : t));
    for (let i = params.length; i < paramTypes.length; i++) params.push(paramTypes[i]!);
    // The same array for the same description: the wire then reuses its encoder (and the DataRows it keeps).
    let columns = renamedCached(sql, described.columns);
    // The scale of a numeric result computed from a numeric parameter depends on the value bound later,
    // so, as PostgreSQL does, no typmod is promised (clients such as pgjdbc round to a promised scale).
    if (dependsOnValues(paramTypes)) columns = columns.map((c) => (c.typeOid === OID.numeric ? { ...c, typeModifier: -1 } : c));
    return { plan, declaredTypes: [...paramTypes], paramTypes: params, columns, ...sticky };
  }

  /**
   * Runs a statement. What can be answered at once is answered without a promise (session commands, a
   * cache hit with cache.versionRecheckMs): at dashboard rates the promises and microtask hops of an
   * async chain cost as much as the hit itself. A hit checked against its tables' versions waits for
   * the loop's pending events first (VersionGate), and takes one promise.
   */
  execute(
    sql: string,
    prepared: PreparedStatement | null,
    params: readonly PgValue[],
    opts: { signal: AbortSignal; events: SessionEvents },
  ): StatementExecution | Promise<StatementExecution> {
    const events = this.filteredEvents(opts.events);
    this.eventSink = events;
    this.lastEngines = '';
    this.queryId = randomUUID();
    const queryId = this.queryId;
    const p = prepared as Prepared | null;
    const started = new Date();
    let plan: Plan | undefined;
    let execution: StatementExecution | Promise<StatementExecution>;
    try {
      plan = p?.plan ?? this.plan(sql);
      const command = plan.kind === 'session' ? plan.command : null;
      if (this.status === 'E' && !(command && (command.kind === 'commit' || command.kind === 'rollback' || command.kind === 'rollback-to-savepoint')))
        throw new GatewayError('IN_FAILED_TRANSACTION', 'current transaction is aborted, commands ignored until end of transaction block');
      execution = command ? runSessionCommand(command, this, events, opts.signal) : this.executePlan(plan, sql, p, params, opts);
    } catch (e) {
      return this.failedToStart(plan?.kind ?? 'query', sql, started, e, queryId);
    }
    const kind: StatementKind = plan.kind;
    if (execution instanceof Promise)
      return execution.then(
        (x) => this.recordedOnClose(x, kind, sql, started, queryId),
        (e: unknown) => this.failedToStart(kind, sql, started, e, queryId),
      );
    return this.recordedOnClose(execution, kind, sql, started, queryId);
  }

  /** A statement that failed before it returned rows: recorded before the client hears of the failure, like every other outcome. */
  private async failedToStart(kind: StatementKind, sql: string, started: Date, error: unknown, queryId: string): Promise<never> {
    await this.record(kind, sql, started, { error }, queryId);
    throw error;
  }

  /** The execution, recorded in the ledger when it closes (once). */
  private recordedOnClose(execution: StatementExecution, kind: StatementKind, sql: string, started: Date, queryId: string): StatementExecution {
    return new RecordedOnClose(execution, (outcome) => this.statementClosed(kind, sql, started, queryId, outcome));
  }

  /** A statement's ledger record once its execution closed; a promise only when the client waits for it. */
  private statementClosed(kind: StatementKind, sql: string, started: Date, queryId: string, outcome: { error?: unknown; rowsSent: number }): Promise<void> | undefined {
    const ms = Date.now() - started.getTime();
    if (outcome.error) this.log.info({ ms, kind, rows: outcome.rowsSent, err: outcome.error }, 'statement failed');
    else this.log.debug({ ms, kind, rows: outcome.rowsSent }, 'statement finished');
    // The wire sends CommandComplete only after this: an acknowledged query is in the ledger. Free
    // statements (catalog, session, cache hits) are not waited for: BI tools send them by the dozen;
    // unless the ledger is behind, when record() gives their write to wait on too (backpressure).
    const waits = BILLABLE.has(kind) && !this.cacheHits.has(queryId);
    return this.record(kind, sql, started, outcome, queryId, waits);
  }

  private executePlan(plan: Plan, sql: string, p: Prepared | null, params: readonly PgValue[], cancel: Cancellation): StatementExecution | Promise<StatementExecution> {
    if (plan.kind === 'query') {
      if (this.settings.get('tollgate.dry_run') === 'on') return this.dryRun(sql, params);
      const opened = this.openQuery(sql, p, params, cancel);
      return opened instanceof Promise ? opened.then(openedExecution) : openedExecution(opened);
    }
    return this.executeOther(plan, sql, p, params, cancel);
  }

  /** Everything but a query: EXPLAIN, catalog statements, COPY (session commands never get here). */
  private async executeOther(plan: Plan, sql: string, p: Prepared | null, params: readonly PgValue[], cancel: Cancellation): Promise<StatementExecution> {
    if (plan.kind === 'explain' && plan.cost) return this.dryRun(plan.query, params);
    if (plan.kind === 'explain') {
      const routed = this.opts.router.route(plan.query, this.searchPathList(), this.routeContext(), params);
      const lines = explainLines(routed, this.compiler(p?.declaredTypes ?? []), (engine) => this.opts.router.connector(engine).kind);
      return rowsExecution([textColumn('QUERY PLAN')], lines.map((l) => [l]), 'EXPLAIN');
    }
    if (plan.kind === 'catalog') {
      const r = await this.catalogSession().query(sql, params, p?.paramTypes ?? params.map(() => 0), this.searchPath());
      if (r.columns.length === 0) return commandExecution(r.command);
      return batchesExecution(r.columns, r.rowCount > 0 ? [r.batch] : [], (n) => `${r.command} ${n}`);
    }
    if (plan.kind === 'copy') {
      const opened = await this.openQuery(plan.copy.query, null, [], cancel);
      return { ...streamExecution(streamOf(opened), opened.columns, () => {}), copyOut: plan.copy.options, commandTag: (n) => `COPY ${n}` };
    }
    throw new GatewayError('INTERNAL', `no execution for a ${plan.kind} plan`);
  }

  /**
   * One ledger record for a statement that ran, failed or was refused; resolves once it is committed.
   * Not urgent and with no budget to settle (cache hits, catalog statements): queued, and undefined.
   */
  private record(kind: StatementKind, sql: string, started: Date, outcome: { error?: unknown; rowsSent?: number }, id?: string, urgent = true): Promise<void> | undefined {
    const costing = id === undefined ? undefined : this.costings.get(id);
    const reservation = id === undefined ? undefined : this.reservations.get(id);
    const savedCost = id === undefined ? undefined : this.cacheHits.get(id);
    const shadow = id === undefined ? undefined : this.shadows.get(id);
    if (id !== undefined) {
      this.costings.delete(id);
      this.reservations.delete(id);
      this.cacheHits.delete(id);
      this.shadows.delete(id);
    }
    const ledger = this.opts.ledger;
    const error = outcome.error === undefined ? undefined : toGatewayError(outcome.error);
    // Only a statement the client got an answer to is compared: off its path, after it ended.
    if (shadow && !error && this.opts.shadow) submitShadow({ router: this.opts.router, runner: this.opts.shadow, billing: this.opts.billing }, shadow);
    this.countStatement(kind, started, costing, error, savedCost);
    const application = this.settings.get('application_name') ?? '';
    // Failed, refused and cancelled statements cost nothing; their estimate is kept.
    const billed: { billedBytes?: number; cost?: number } = costing && !error ? { billedBytes: costing.charge.billedBytes, cost: costing.charge.cost } : {};
    // The budget is settled to what is billed (released if nothing is), alongside the ledger write: both
    // are done before the client hears the statement completed.
    const settled = reservation === undefined ? undefined : this.opts.budgets?.finish(reservation, billed.cost ?? null);
    if (!ledger) return settled;
    // Built field by field: an object literal with this many conditional spreads took ~16 µs in V8, as
    // much as the rest of a cache hit's bookkeeping.
    const record: StatementRecord = {
      startedAt: started,
      durationMs: Date.now() - started.getTime(),
      sessionId: this.opts.id,
      user: this.opts.user.name,
      team: this.opts.user.team,
      tags: statementTags(sql, { tag: this.settings.get('tollgate.tag') ?? '', application }),
      kind,
      status: error ? (error.kind === 'cancelled' ? 'cancelled' : error.refused ? 'refused' : 'error') : 'ok',
      statement: sql,
    };
    if (id !== undefined) record.id = id;
    if (costing) record.estimatedBytes = costing.charge.estimatedBytes;
    if (billed.billedBytes !== undefined) record.billedBytes = billed.billedBytes;
    if (billed.cost !== undefined) record.cost = billed.cost;
    if (application !== '') record.applicationName = application;
    if (error) {
      record.sqlstate = error.sqlstate;
      record.errorMessage = error.message;
    }
    if (outcome.rowsSent !== undefined) record.rows = outcome.rowsSent;
    if (kind !== 'catalog' && this.lastEngines !== '') record.engine = this.lastEngines;
    if (savedCost !== undefined) {
      record.cacheHit = true;
      record.savedCost = savedCost;
    }
    const collect = id !== undefined && costing !== undefined && (kind === 'query' || kind === 'copy');
    // A promise only when the ledger is behind: then even a free statement waits for its record.
    if (!urgent && settled === undefined && !collect) return ledger.enqueue(record);
    return this.written(ledger.record(record, { urgent }), settled, collect ? { id: id!, engines: this.lastEngines } : undefined);
  }

  /** A record's write and its budget settlement; then the engines are asked what the statement actually read. */
  private async written(recording: Promise<void>, settled: Promise<unknown> | undefined, collect: { id: string; engines: string } | undefined): Promise<void> {
    await recording;
    await settled;
    if (collect) this.collectActualBytes(collect.id, collect.engines);
  }

  /** The statement in /metrics: by kind, engine and outcome, its bytes and cost, and its duration. */
  private countStatement(kind: StatementKind, started: Date, costing: Costing | undefined, error: GatewayError | undefined, savedCost: number | undefined): void {
    const metrics = this.opts.metrics;
    if (!metrics) return;
    const status = error ? (error.kind === 'cancelled' ? 'cancelled' : error.refused ? 'refused' : 'error') : 'ok';
    metrics.statementFinished({
      kind,
      engine: kind === 'catalog' || this.lastEngines === '' ? null : this.lastEngines,
      status,
      estimatedBytes: costing?.charge.estimatedBytes ?? null,
      billedBytes: costing && !error ? costing.charge.billedBytes : 0,
      cost: costing && !error ? costing.charge.cost : 0,
      team: this.opts.user.team,
      cacheHit: savedCost !== undefined,
      durationMs: Date.now() - started.getTime(),
    });
    if (error?.code === 'BUDGET_EXCEEDED') metrics.budgetRefused(this.opts.user.team);
  }

  /**
   * Asks the engines that ran a statement what they actually read (engines that can tell publish it
   * after the fact) and adds it to the statement's ledger row, off the client's path.
   */
  private collectActualBytes(id: string, engines: string): void {
    const ledger = this.opts.ledger;
    const connectors = engines === '' ? [] : engines.split('+').map((e) => this.opts.router.connector(e));
    if (!ledger || connectors.length === 0 || !connectors.every((c) => c.actualBytes)) return;
    void Promise.all(connectors.map((c) => c.actualBytes!(id)))
      .then(async (each) => {
        if (each.some((b) => b === undefined)) return;
        await ledger.recordActualBytes(id, each.reduce<number>((sum, b) => sum + b!, 0));
      })
      .catch((err: unknown) => this.log.warn({ err, id }, 'the bytes actually read could not be recorded'));
  }

  private searchPath(): string {
    return this.settings.get('search_path') ?? '"$user", public';
  }

  private plan(sql: string): Plan {
    const cached = this.opts.plans?.get(sql);
    if (cached) return cached;
    const plan = planOf(sql, this.opts.router.served(), this.opts.catalog !== undefined);
    this.opts.plans?.set(sql, plan);
    return plan;
  }

  /** This session's own connection to the shadow catalog, opened on first use. */
  private catalogSession(): CatalogSession {
    this.catalogConnection ??= this.opts.catalog!.session(this.opts.user.name);
    return this.catalogConnection;
  }

  async declareCursor(name: string, query: string, hold: boolean, signal: AbortSignal): Promise<void> {
    if (this.cursors.has(name)) throw new GatewayError('DUPLICATE_CURSOR', `cursor "${name}" already exists`);
    const started = new Date();
    // The cursor's query is a statement of its own in the ledger, beside the DECLARE that opened it.
    this.queryId = randomUUID();
    const queryId = this.queryId;
    let opened: Awaited<ReturnType<GatewaySession['openQuery']>>;
    try {
      opened = await this.openQuery(query, null, [], { signal });
    } catch (e) {
      await this.record('query', query, started, { error: e }, queryId);
      throw e;
    }
    // Recorded when the cursor closes, with the rows it gave.
    await this.cursors.declare(name, opened.columns, streamOf(opened), hold, (outcome) => this.record('query', query, started, outcome, queryId));
  }

  /** Routes a query and opens its rows: from the cache (without a promise when it can) or from its engine. */
  private openQuery(sql: string, p: Prepared | null, params: readonly PgValue[], cancel: Cancellation): Opened | Promise<Opened> {
    const declared = p?.declaredTypes ?? [];
    const paramTypes = p?.paramTypes ?? params.map(() => 0);
    // Built field by field: a property after a conditional spread takes V8's slow path (per statement).
    const routeOpts: { queryId: string; canaryChoices?: ReadonlyMap<string, string> } = { queryId: this.queryId };
    if (p?.canaryChoices) routeOpts.canaryChoices = p.canaryChoices;
    const routed = this.routeQuery(sql, params, routeOpts);
    this.lastEngines = this.opts.router.enginesOf(routed);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ route: routed.route, paramTypes }, 'statement routed');
    if (routed.shadow && this.opts.shadow) {
      this.shadows.set(this.queryId, {
        sql,
        params,
        paramTypes,
        searchPath: this.searchPathList(),
        route: this.routeContext(),
        query: this.queryContext(this.queryId),
        compile: this.compiler(declared),
        tables: routed.shadow,
      });
    }
    const cached = this.cacheLookup(sql, routed, params);
    if (cached instanceof Promise) return cached.then((c) => this.openLooked(c, sql, p, params, routed, cancel));
    return this.openLooked(cached, sql, p, params, routed, cancel);
  }

  /** The statement's route; a statement without parameters repeated in an unchanged state reuses the last one's. */
  private routeQuery(sql: string, params: readonly PgValue[], routeOpts: { queryId: string; canaryChoices?: ReadonlyMap<string, string> }): RoutedQuery {
    const routing = params.length === 0 && !routeOpts.canaryChoices ? this.opts.router.routingState() : undefined;
    const state = routing && { settings: this.settings.generation, served: routing.served, health: routing.health, team: this.opts.user.team };
    const known = state && this.repeated.routed(sql, state);
    if (known) return known;
    const routed = this.opts.router.route(sql, this.searchPathList(), this.routeContext(), params, routeOpts);
    if (state) this.repeated.remember(sql, state, routed);
    return routed;
  }

  private openLooked(cached: CacheLookup, sql: string, p: Prepared | null, params: readonly PgValue[], routed: RoutedQuery, cancel: Cancellation): Opened | Promise<Opened> {
    if (cached && 'hit' in cached) return this.serveHit(cached.hit, sql, p);
    return this.openOnEngine(sql, p, params, routed, cancel, cached);
  }

  /** Prices, admits and runs a query on its engine; with a cache claim, its result is stored as it streams. */
  private async openOnEngine(
    sql: string,
    p: Prepared | null,
    params: readonly PgValue[],
    routed: RoutedQuery,
    cancel: Cancellation,
    cached: { claim: Claim; ttlMs: number } | undefined,
  ): Promise<Opened> {
    const declared = p?.declaredTypes ?? [];
    const paramTypes = p?.paramTypes ?? params.map(() => 0);
    const claim = cached?.claim;
    try {
      const costing = await this.price(routed);
      if (costing) {
        // Kept for the ledger record, which bills it only if the statement succeeds.
        this.costings.set(this.queryId, costing);
        checkMaxBytesBilled(costing, Number(this.settings.get('tollgate.max_bytes_billed') ?? '0'));
        const admission = await this.admit(costing);
        if (costing.detail.length > 0) this.eventSink?.notice(costNotice(costing, this.opts.user.team, this.opts.billing!.currency, admission?.budgetLine));
        for (const notice of admission?.notices ?? []) this.eventSink?.notice(notice);
      }
      const stream = await this.opts.router.execute(routed, this.compiler(declared), params, paramTypes, cancel.signal, this.queryContext(this.queryId));
      if (p?.fromCache && p.columns && !sameColumnTypes(p.columns, stream.columns)) {
        // Described from a result cached before its table changed: the client was told other types than
        // the engine now returns. PostgreSQL's answer to a result type changing under a prepared statement.
        await stream.close().catch(() => {});
        throw new GatewayError('FEATURE_NOT_SUPPORTED', 'cached plan must not change result type', {
          hint: 'A table the statement reads changed since it was prepared; prepare it again.',
        });
      }
      const columns = p?.columns ?? renameColumns(sql, stream.columns);
      if (!claim) return { stream, columns };
      // Recorded as it streams to the client; stored once complete (what a hit saves is this estimate).
      const meta = { cost: costing?.charge.cost ?? 0, ttlMs: cached!.ttlMs };
      const recorded = recordingStream(stream, this.opts.cache!.options.maxEntryBytes, (r) => (r ? claim.store(r, meta) : claim.abandon()));
      return { stream: recorded, columns };
    } catch (e) {
      claim?.abandon();
      throw e;
    }
  }

  /**
   * The cache's answer for a routed statement: a hit, a claim to run it and store the result, or
   * undefined when the cache is not used (none configured, SET tollgate.cache = off, inside a
   * transaction block, or a statement decideCaching refuses).
   */
  private cacheLookup(sql: string, routed: RoutedQuery, params: readonly PgValue[]): CacheLookup | Promise<CacheLookup> {
    const decision = this.cacheDecision(sql, routed, params);
    return decision instanceof Promise ? decision.then((d) => this.lookupDecided(d)) : this.lookupDecided(decision);
  }

  private lookupDecided(decision: CacheDecision | undefined): CacheLookup | Promise<CacheLookup> {
    const cache = this.opts.cache;
    if (!cache || !decision) return undefined;
    if ('bypass' in decision) {
      this.log.debug({ reason: decision.bypass }, 'result cache not used');
      cache.countBypass();
      return undefined;
    }
    const ttlMs = decision.ttlMs;
    const found = cache.lookup(decision.key);
    if (found instanceof Promise) return found.then((f) => ('hit' in f ? f : { claim: f.claim, ttlMs }));
    return 'hit' in found ? found : { claim: found.claim, ttlMs };
  }

  /**
   * The result columns of a cached result of a statement without parameters, for Parse/Describe: a
   * dashboard's driver prepares the statement it runs, and asking the engine to describe it would cost
   * more than the hit itself. Undefined when nothing is cached for it (the engine describes it).
   */
  private async cachedColumns(sql: string, routed: RoutedQuery): Promise<ColumnInfo[] | undefined> {
    if (parameterCount(sql) > 0) return undefined;
    const decision = await this.cacheDecision(sql, routed, [], true);
    const entry = decision && 'key' in decision ? this.opts.cache!.peek(decision.key) : undefined;
    return entry && renamedCached(sql, entry.columns);
  }

  /**
   * Everything a statement's description from the cache depends on besides its text, or undefined when
   * none may be kept (no cache, a transaction block, a table migration in force).
   */
  private describedState(): DescribedState | undefined {
    const cache = this.opts.cache;
    if (!cache || !cache.options.enabled || this.status !== 'I') return undefined;
    const routing = this.opts.router.routingState();
    if (!routing) return undefined;
    return { settings: this.settings.generation, cache: cache.generation, served: routing.served, health: routing.health, team: this.opts.user.team };
  }

  /** decideCaching for this session's statement; undefined when this session does not use the cache. */
  private cacheDecision(sql: string, routed: RoutedQuery, params: readonly PgValue[], latestKnown = false): CacheDecision | Promise<CacheDecision> | undefined {
    const cache = this.opts.cache;
    if (!cache || !cache.options.enabled) return undefined;
    if (this.settings.get('tollgate.cache') === 'off' || this.status !== 'I') return { bypass: 'off for this session, or in a transaction block' };
    const candidate = params.length === 0 ? this.repeated.candidate(routed, () => this.cacheCandidate(sql, routed, params)) : this.cacheCandidate(sql, routed, params);
    return decideCaching(candidate, cache, (engine) => this.opts.router.connector(engine), latestKnown);
  }

  /** What the cache needs of a routed statement: its tables on their engines, who runs it, the settings that change its meaning. */
  private cacheCandidate(sql: string, routed: RoutedQuery, params: readonly PgValue[]): CacheCandidate {
    const route = routed.route;
    const tables = routed.analysis.tables.map((t) => ({
      engine: route.kind === 'single' ? route.engine : route.assignments.find((a) => a.table.schema === t.schema && a.table.name === t.name)!.engine,
      schema: t.schema,
      name: t.name,
    }));
    const engines = this.opts.router.enginesOf(routed);
    return { sql, params, tables, engines, team: this.opts.user.team, settings: [this.searchPathList().join(','), this.settings.get('TimeZone') ?? ''] };
  }

  /** A cache hit: free (nothing priced against the budget), recorded with the cost it saved. */
  private serveHit(entry: CacheEntry, sql: string, p: Prepared | null): Opened {
    this.cacheHits.set(this.queryId, entry.cost);
    if (this.opts.billing) this.eventSink?.notice(hitNotice(entry.cost, this.opts.user.team, this.opts.billing.currency, Date.now() - entry.cachedAt));
    return { replay: entry, columns: p?.columns ?? renamedCached(sql, entry.columns) };
  }

  /**
   * Notices as PostgreSQL sends them: only at or above the session's client_min_messages (INFO always).
   * The wire hands every statement of a session the same events, so the filter is made once for them.
   */
  private filteredEvents(events: SessionEvents): SessionEvents {
    if (this.filtered?.from !== events) this.filtered = { from: events, to: this.filterEvents(events) };
    return this.filtered.to;
  }

  private filterEvents(events: SessionEvents): SessionEvents {
    return {
      parameterStatus: (name, value) => events.parameterStatus(name, value),
      notice: (message, options) => {
        const severity = options?.severity ?? 'NOTICE';
        const min = MESSAGE_LEVELS.indexOf(this.settings.get('client_min_messages') ?? 'notice');
        if (severity !== 'INFO' && MESSAGE_LEVELS.indexOf(severity.toLowerCase()) < min) return;
        events.notice(message, options);
      },
    };
  }

  /** EXPLAIN (COST) and tollgate.dry_run: the estimate and its price as rows; nothing runs, nothing is billed. */
  private async dryRun(query: string, params: readonly PgValue[]): Promise<StatementExecution> {
    if (!this.opts.billing) throw new GatewayError('FEATURE_NOT_SUPPORTED', 'this gateway has no billing configured to estimate with');
    const routed = this.opts.router.route(query, this.searchPathList(), this.routeContext(), params);
    const costing = (await this.price(routed))!;
    return rowsExecution(DRY_RUN_COLUMNS, dryRunRows(costing, this.opts.billing));
  }

  /** The estimate of a routed statement, priced by the billing policy (undefined without one). */
  /** Holds the query's cost against the team's budget (throws if it does not fit). */
  private async admit(costing: Costing): Promise<Admission | undefined> {
    const guard = this.opts.budgets;
    if (!guard) return undefined;
    const override = this.settings.get('tollgate.budget_override') ?? '';
    const admission = await guard.admit({
      team: this.opts.user.team,
      user: this.opts.user.name,
      cost: costing.charge.cost,
      statementId: this.queryId,
      ...(override !== '' && { overrideToken: override }),
    });
    if (admission.reservationId !== null) this.reservations.set(this.queryId, admission.reservationId);
    return admission;
  }

  private async price(routed: RoutedQuery): Promise<Costing | undefined> {
    if (!this.opts.billing) return undefined;
    return priceEstimate(await this.opts.router.estimate(routed), this.opts.billing);
  }

  /** SQL for an engine of `kind`: session functions replaced by this session's values, then its dialect. */
  private compiler(declaredTypes: readonly number[]): Compile {
    return (kind, sql, params) => compileFor(kind, sql, this, declaredTypes, params);
  }

  /** The search path's schemas, parsed again only when the setting changes (every statement needs them). */
  private searchPathList(): string[] {
    const value = this.searchPath();
    if (this.parsedSearchPath?.value !== value) this.parsedSearchPath = { value, schemas: searchPathSchemas(value, this.opts.user.name) };
    return this.parsedSearchPath.schemas;
  }

  /** Who runs a statement, for engines that label queries and for the ledger's own views. */
  private queryContext(queryId: string): QueryContext {
    return { queryId, user: this.opts.user.name, team: this.opts.user.team };
  }

  private routeContext(): RouteContext {
    return {
      user: this.opts.user.name,
      team: this.opts.user.team,
      application: this.settings.get('application_name') ?? '',
      sessionEngine: this.settings.get('tollgate.engine') ?? '',
    };
  }

  async close(): Promise<void> {
    if (!this.closed) this.opts.metrics?.sessionClosed();
    this.closed = true;
    this.eventSink = null;
    await this.cursors.closeAll();
    this.catalogConnection?.release();
    this.catalogConnection = null;
  }

  /** `options=-c name=value -c ...` in the startup packet, as libpq sends PGOPTIONS. */
  private applyStartupOptions(options: string): void {
    const re = /(?:-c\s*|--)([A-Za-z0-9_.]+)=((?:\\.|[^\s\\])*)/g;
    for (const m of options.matchAll(re)) {
      try {
        this.settings.set(m[1]!, m[2]!.replace(/\\(.)/g, '$1'));
      } catch (e) {
        this.log.info({ err: e }, 'ignored startup option');
      }
    }
  }
}

/** PostgreSQL names unaliased result columns differently from DuckDB (`count` vs `count_star()`). */
function renameColumns(sql: string, columns: readonly ColumnInfo[]): ColumnInfo[] {
  const byCount = COLUMN_NAMES(sql);
  let names = byCount.get(columns.length);
  if (names === undefined) byCount.set(columns.length, (names = pgColumnNames(sql, columns.length)));
  return columns.map((c, i) => (names?.[i] ? { ...c, name: names[i]! } : c));
}

/** pgColumnNames per text and column count: naming columns the PostgreSQL way lexes and walks the SELECT list. */
const COLUMN_NAMES = byStatementText(() => new Map<number, string[] | null>());

/**
 * renameColumns of a cached result's columns, kept beside the entry's column list: every hit of a
 * prepared dashboard statement describes it, and naming columns the PostgreSQL way walks the SELECT list.
 */
const RENAMED = new WeakMap<readonly ColumnInfo[], Map<string, ColumnInfo[]>>();
const MAX_RENAMED_TEXTS = 16;

function renamedCached(sql: string, columns: readonly ColumnInfo[]): ColumnInfo[] {
  let bySql = RENAMED.get(columns);
  if (!bySql) RENAMED.set(columns, (bySql = new Map()));
  let renamed = bySql.get(sql);
  if (!renamed) {
    if (bySql.size >= MAX_RENAMED_TEXTS) bySql.clear();
    bySql.set(sql, (renamed = renameColumns(sql, columns)));
  }
  return renamed;
}

/** Statement splits by text: drivers Parse the same statements over and over, and splitting lexes them. */
const SPLITS = byStatementText((sql) => splitStatements(sql).statements.map((s) => s.text));
