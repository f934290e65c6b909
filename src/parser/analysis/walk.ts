/**
 * The exact analysis over node-sql-parser's AST (of the text `prepare` made).
 *
 * Queries are analysed in two phases. Binding builds each SELECT's scope (its FROM items: tables, CTE
 * references, derived tables, VALUES, functions) and its output list; walking then visits the expressions
 * that are needed and records which columns of which item they use. Derived tables and CTEs are walked
 * last, with the set of their output columns that the outer query needed ("demand"), so
 * `SELECT sum(price) FROM (SELECT * FROM bookings) q` reads one column, as the engines' optimizers do. An
 * output is always needed under DISTINCT or a set operation other than UNION ALL, and when it calls a
 * set-returning function (it changes the row count).
 *
 * Predicates are the conjuncts of WHERE and of JOIN … ON that compare one plain column of an item of the
 * same query level with a constant; they apply to a table item directly, and to a derived table or a CTE
 * referenced once by being pushed into its WHERE when that is valid (no LIMIT/OFFSET, window functions,
 * set-returning functions or DISTINCT ON there, and under grouping only for grouping columns). A
 * non-strict predicate (IS NULL) never applies to a table on the nullable side of an outer join; a
 * conjunct of an outer join's ON applies only to the nullable side.
 */
import { foldIdentifier, truncateIdentifier } from '../lexer.ts';
import type { InputSettings } from '../../pgtypes/text-decoders.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { arithmetic, castConst, negateConst, numberConst, typedLiteral, type Const } from './constants.ts';
import { NUMBER_BASE, notBareAlias, type Prepared } from './prepare.ts';
import type { ResolvedRelation } from './resolve.ts';
import type { AnalyzeOptions, ComparisonOp, Predicate } from './types.ts';

/** node-sql-parser's AST: untyped JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type N = any;

/** Thrown when the AST is not what PostgreSQL would have parsed: the caller falls back to tokens. */
export class Misparse extends Error {}

/** Set-returning functions whose single output column is named after the alias (or the function). */
const SCALAR_SRFS = new Set(['generate_series', 'generate_subscripts', 'unnest', 'regexp_split_to_table', 'string_to_table', 'json_array_elements', 'jsonb_array_elements', 'json_array_elements_text', 'jsonb_array_elements_text', 'json_object_keys', 'jsonb_object_keys']);
/** Set-returning functions (in a select list they change the row count, so the item is always needed). */
const SRFS = new Set([...SCALAR_SRFS, 'regexp_matches', 'json_each', 'jsonb_each', 'json_each_text', 'jsonb_each_text', 'json_populate_recordset', 'jsonb_populate_recordset', 'json_to_recordset', 'jsonb_to_recordset', 'jsonb_path_query']);

// ---------------------------------------------------------------------------------------------------------
// Model

interface TableRef {
  readonly schema: string;
  readonly name: string;
  readonly columns: Set<string>;
  readonly predicates: Predicate[];
  readonly seq: number;
}

interface Item {
  /** Reference name: the alias, else the relation's (or function's) name. */
  readonly ref: string | null;
  /** For a table without alias: its schema, for schema.table.column references. */
  readonly schema: string | null;
  /** Visible column names in order; null when unknown (an unknown table, a catalog relation, a function). */
  readonly visible: string[] | null;
  readonly table?: { ref: TableRef; base: readonly string[] };
  readonly derived?: Derived;
  /** A pg_catalog / information_schema relation: its columns do not matter to the analysis. */
  readonly catalog?: boolean;
  nullable: boolean;
}

interface Derived {
  readonly query: BoundQuery;
  /** Output indexes the outer query needs; `all` overrides. */
  readonly demand: Set<number>;
  all: boolean;
  readonly pushed: Array<{ index: number; pred: PendingPred }>;
  /** References to it (CTEs can have several; predicates are pushed only into a single-reference one). */
  refs: number;
  walked: boolean;
  readonly recursive: boolean;
}

interface Cte {
  readonly name: string;
  readonly derived: Derived;
  readonly columnAliases: string[] | null;
}

interface CteEnv {
  readonly map: ReadonlyMap<string, Cte>;
  readonly parent: CteEnv | null;
}

interface Scope {
  readonly parent: Scope | null;
  readonly items: Item[];
  /** USING / NATURAL merged columns: name → the items whose columns it merges. */
  readonly merged: Map<string, Item[]>;
}

interface Output {
  readonly name: string;
  readonly expr?: N;
  readonly star?: { item: Item; index: number };
  readonly srf: boolean;
  readonly window: boolean;
}

interface BoundSelect {
  readonly ast: N;
  readonly scope: Scope;
  readonly env: CteEnv | null;
  /** null when a `*` covers an item of unknown columns. */
  readonly outputs: Output[] | null;
  /** Join conditions, walked in phase 2: ON expression with the items it may filter. */
  readonly joins: Array<{ on: N; kind: 'inner' | 'outer'; nullableSide: Item[]; single: boolean; using?: Array<{ name: string; items: Item[] }> }>;
  readonly derivedItems: Array<{ item: Item; derived: Derived }>;
  readonly ctes: Cte[];
}

interface BoundQuery {
  readonly branches: BoundSelect[];
  /** Every set operation is UNION ALL (or there is none). */
  readonly unionAll: boolean;
  readonly names: string[] | null;
  readonly orderby: N;
  readonly limit: N;
  readonly ctes: Cte[];
}

/** A predicate before its column is known: from a WHERE/ON conjunct or pushed from outside. */
type PendingPred =
  | { op: ComparisonOp; value: Const }
  | { op: 'between'; low: Const; high: Const }
  | { op: 'in'; values: Const[] }
  | { op: 'is null' | 'is not null' };

type Demand = Set<number> | 'all';

// ---------------------------------------------------------------------------------------------------------

export interface WalkResult {
  tables: TableRef[];
  unknown: Array<{ schema: string | null; name: string; seq: number }>;
  catalog: Array<{ schema: string; name: string; seq: number }>;
  /** Every relation reference (tables, unknown, catalog) as written, in text order. */
  written: Array<{ schema: string | null; name: string; seq: number }>;
  ctes: string[];
  exact: boolean;
  notes: string[];
}

export class Analyzer {
  private readonly tables: TableRef[] = [];
  private readonly unknown: WalkResult['unknown'] = [];
  private readonly catalogRefs: WalkResult['catalog'] = [];
  private readonly written: WalkResult['written'] = [];
  private readonly cteNames: string[] = [];
  private readonly notes: string[] = [];
  private exact = true;
  private readonly seqOf = new WeakMap<object, number>();
  private readonly identRe: RegExp;
  private readonly settings: InputSettings | undefined;

  constructor(
    private readonly prep: Prepared,
    private readonly opts: AnalyzeOptions,
    private readonly resolve: (schema: string | null, name: string) => ResolvedRelation,
  ) {
    this.identRe = new RegExp(`^${prep.identPrefix}([0-9]+)$`);
    this.settings = opts.settings;
  }

  run(ast: N): WalkResult {
    const stmt = Array.isArray(ast) ? ast : [ast];
    for (const s of stmt) {
      if (s === null || typeof s !== 'object' || s.type !== 'select') throw new Misparse(`not a query: ${s?.type}`);
      this.number(s);
      const q = this.bindQuery(s, null, null);
      this.walkQuery(q, 'all', []);
    }
    return {
      tables: this.tables,
      unknown: this.unknown,
      catalog: this.catalogRefs,
      written: this.written,
      ctes: this.cteNames,
      exact: this.exact,
      notes: this.notes,
    };
  }

  private inexact(note: string): void {
    this.exact = false;
    if (!this.notes.includes(note)) this.notes.push(note);
  }

  /** Numbers FROM-list relation nodes in text order (the AST's key order follows the text). */
  private number(root: N): void {
    let n = 0;
    const visit = (node: N, inFrom: boolean): void => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        for (const x of node) visit(x, inFrom);
        return;
      }
      if (inFrom && typeof node.table === 'string') this.seqOf.set(node, n++);
      // Text the parser swallowed without parsing it ("DISTINCT FROM \"c\"") may hide columns.
      if (node.type === 'default' && typeof node.value === 'string' && /[\s"'(]/.test(node.value)) throw new Misparse(`unparsed text ${node.value}`);
      for (const key of Object.keys(node)) {
        if (key === 'tableList' || key === 'columnList' || key === 'loc') continue;
        const v = node[key];
        if (key === 'from') visit(v, true);
        else if (key === 'expr' && inFrom && v && v.type === 'tables') visit(v.expr, true);
        else visit(v, false);
      }
    };
    visit(root, false);
  }

  // -------------------------------------------------------------------------------------------------------
  // Names and constants

  /** An identifier of the AST: placeholder → its value, else folded as PostgreSQL folds unquoted names. */
  private ident(raw: unknown): string {
    const s = String(raw);
    const m = this.identRe.exec(s);
    if (m !== null) {
      const v = this.prep.idents[Number(m[1])];
      if (v === undefined) throw new Misparse(`bad identifier placeholder ${s}`);
      return v;
    }
    if (/["'\s]/.test(s)) throw new Misparse(`unexpected identifier ${s}`);
    return truncateIdentifier(foldIdentifier(s));
  }

  private nameOf(x: N): string | null {
    if (x === null || x === undefined) return null;
    if (typeof x === 'string' || typeof x === 'number') return this.ident(x);
    if (x.type === 'column_ref') return x.table ? null : typeof x.column === 'string' ? this.ident(x.column) : this.nameOf(x.column);
    if (x.expr !== undefined) return this.nameOf(x.expr);
    if (x.value !== undefined) return this.ident(x.value);
    return null;
  }

  /** `alias` or `alias(c1, c2)` as node-sql-parser gives a FROM item's alias. */
  private alias(as: N): { name: string; columns: string[] | null } | null {
    if (as === null || as === undefined) return null;
    const s = typeof as === 'string' ? as : as.value !== undefined ? String(as.value) : null;
    if (s === null) throw new Misparse('alias shape');
    const m = /^([^()]+?)\s*\((.*)\)$/.exec(s);
    const name = (m ? m[1]! : s).trim();
    if (!this.identRe.test(name) && notBareAlias(name.toLowerCase())) throw new Misparse(`keyword ${name} as alias`);
    const columns = m ? m[2]!.split(',').map((c) => this.ident(c.trim())) : null;
    return { name: this.ident(name), columns };
  }

  private stringSlot(node: N): Const | null | undefined {
    const v = node?.value;
    if (typeof v !== 'string' || !/^s[0-9]+$/.test(v)) return undefined;
    const slot = this.prep.strings[Number(v.slice(1))];
    if (slot === undefined) return undefined;
    if (slot.kind === 'string') return { type: 'unknown', value: slot.value };
    if (slot.kind === 'bitstring') return null;
    const params = this.opts.params;
    if (params === undefined || slot.index < 1 || slot.index > params.length) return null;
    return { type: 'unknown', value: params[slot.index - 1] as PgValue };
  }

  private numberNode(node: N): Const | null {
    const v = node.value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return null;
    const a = Math.abs(v);
    let c: Const | null;
    if (a >= NUMBER_BASE) {
      const text = this.prep.numbers[a - NUMBER_BASE];
      if (text === undefined) return null;
      c = numberConst(text);
    } else c = numberConst(String(a));
    return c !== null && v < 0 ? negateConst(c) : c;
  }

  /** The integer an ordinal node (GROUP BY 1, ORDER BY 2) stands for, else null. */
  private ordinal(node: N): number | null {
    if (node?.type !== 'number') return null;
    const c = this.numberNode(node);
    return c !== null && c.type === 'int4' ? (c.value as number) : null;
  }

  /** A constant expression of literals, casts and exact arithmetic, or null. */
  private constant(node: N): Const | null {
    if (node === null || typeof node !== 'object') return null;
    if (node.parentheses === true && node.type === undefined) return null;
    switch (node.type) {
      case 'number':
        return this.numberNode(node);
      case 'bool':
        return { type: 'bool', value: Boolean(node.value) };
      case 'null':
        return null;
      case 'single_quote_string':
      case 'string':
      case 'natural_string':
      case 'double_quote_string':
        if (node.type === 'double_quote_string') return null;
        return this.stringSlot(node) ?? null;
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime': {
        const s = this.stringSlot(node);
        if (s === undefined || s === null || s.type !== 'unknown' || typeof s.value !== 'string') return null;
        return typedLiteral(node.type === 'datetime' ? 'timestamp' : node.type, s.value, this.settings ?? defaultSettings());
      }
      case 'interval': {
        const s = this.stringSlot(node.expr);
        if (s === undefined || s === null || typeof s.value !== 'string') return null;
        return typedLiteral('interval', s.value, this.settings ?? defaultSettings(), node.unit || undefined);
      }
      case 'cast': {
        const target = Array.isArray(node.target) ? node.target : [node.target];
        if (target.length !== 1) return null;
        const t = target[0];
        if (!t || typeof t.dataType !== 'string' || t.length !== undefined || t.scale !== undefined || (t.suffix && t.suffix.length)) return null;
        if (t.quoted) return null;
        const inner = this.constant(node.expr);
        if (inner === null) return null;
        return castConst(inner, t.dataType, this.settings ?? defaultSettings());
      }
      case 'unary_expr': {
        if (node.operator !== '-' && node.operator !== '+') return null;
        const inner = this.constant(node.expr);
        if (inner === null) return null;
        return node.operator === '-' ? negateConst(inner) : inner;
      }
      case 'binary_expr': {
        if (node.operator !== '+' && node.operator !== '-' && node.operator !== '*') return null;
        const a = this.constant(node.left);
        const b = this.constant(node.right);
        if (a === null || b === null) return null;
        return arithmetic(node.operator, a, b);
      }
      default:
        return null;
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Binding

  private bindQuery(ast: N, parent: Scope | null, env: CteEnv | null): BoundQuery {
    let e = env;
    const ctes: Cte[] = [];
    if (ast.with) {
      const list: N[] = Array.isArray(ast.with) ? ast.with : [ast.with];
      const recursive = list.some((w: N) => w.recursive === true) || this.recursiveWith(ast);
      const map = new Map<string, Cte>();
      const all: CteEnv = { map, parent: env };
      const bodies: Array<{ cte: Cte; body: N; env: CteEnv }> = [];
      for (const w of list) {
        const name = this.nameOf(w.name);
        if (name === null) throw new Misparse('cte name');
        const body = w.stmt?.ast ?? w.stmt;
        if (!body || body.type !== 'select') throw new Misparse('cte body');
        // Non-recursive: a CTE sees the ones before it; recursive: all of them, itself included.
        const bodyEnv: CteEnv = recursive ? all : { map: new Map(map), parent: env };
        const derived: Derived = { query: null as unknown as BoundQuery, demand: new Set(), all: recursive, pushed: [], refs: 0, walked: false, recursive };
        const columnAliases = Array.isArray(w.columns) && w.columns.length ? w.columns.map((c: N) => this.nameOf(c) ?? '?') : null;
        const cte: Cte = { name, derived, columnAliases };
        if (!recursive) (derived as { query: BoundQuery }).query = this.bindQuery(body, parent, bodyEnv);
        map.set(name, cte);
        ctes.push(cte);
        this.cteNames.push(name);
        bodies.push({ cte, body, env: bodyEnv });
      }
      if (recursive) {
        // A recursive CTE's output names come from its non-recursive term, which must not reference it.
        for (const b of bodies) {
          const names = this.recursiveNames(b.body, b.cte, parent, all);
          (b.cte.derived as { query: BoundQuery }).query = { ...this.placeholderQuery(), names };
        }
        for (const b of bodies) (b.cte.derived as { query: BoundQuery }).query = this.bindQuery(b.body, parent, b.env);
      }
      e = all;
    }
    const branches: N[] = [];
    const ops: string[] = [];
    for (let b: N = ast; b; b = b._next) {
      branches.push(b);
      if (b._next) ops.push(String(b.set_op ?? '').toLowerCase());
    }
    const bound = branches.map((b, i) => this.bindSelect(b, parent, e, i === 0 ? ast.with : null));
    let orderby = ast._orderby ?? null;
    let limit = ast._limit ?? null;
    if (branches.length > 1 && orderby === null) {
      const last = branches[branches.length - 1];
      if (!last.parentheses_symbol) {
        orderby = last.orderby ?? null;
        limit = last.limit ?? null;
        (bound[bound.length - 1] as { setOpTail?: boolean }).setOpTail = true;
      }
    }
    const first = bound[0]!;
    return {
      branches: bound,
      unionAll: ops.every((o) => o === 'union all'),
      names: first.outputs === null ? null : first.outputs.map((o) => o.name),
      orderby,
      limit,
      ctes,
    };
  }

  /** node-sql-parser marks WITH RECURSIVE on the first CTE (or on the statement in some versions). */
  private recursiveWith(ast: N): boolean {
    return ast.withRecursive === true || (Array.isArray(ast.with) && ast.with[0]?.recursive === true);
  }

  private placeholderQuery(): BoundQuery {
    return { branches: [], unionAll: true, names: null, orderby: null, limit: null, ctes: [] };
  }

  /** Output names of a recursive CTE: its column list, else the first branch's names. */
  private recursiveNames(body: N, cte: Cte, parent: Scope | null, env: CteEnv): string[] | null {
    if (cte.columnAliases) return cte.columnAliases;
    const first = { ...body, _next: undefined, set_op: undefined, with: null };
    // Bind the first branch alone, without recording its references (they are recorded by the real binding).
    const saved = this.snapshot();
    try {
      const q = this.bindQuery(first, parent, env);
      return q.names;
    } finally {
      this.restore(saved);
    }
  }

  private snapshot(): [number, number, number, number, number, boolean, number] {
    return [this.tables.length, this.unknown.length, this.catalogRefs.length, this.written.length, this.cteNames.length, this.exact, this.notes.length];
  }

  private restore(s: [number, number, number, number, number, boolean, number]): void {
    this.tables.length = s[0];
    this.unknown.length = s[1];
    this.catalogRefs.length = s[2];
    this.written.length = s[3];
    this.cteNames.length = s[4];
    this.exact = s[5];
    this.notes.length = s[6];
  }

  private lookupCte(env: CteEnv | null, name: string): Cte | null {
    for (let e = env; e !== null; e = e.parent) {
      const c = e.map.get(name);
      if (c) return c;
    }
    return null;
  }

  private bindSelect(ast: N, parent: Scope | null, env: CteEnv | null, _with: N): BoundSelect {
    if (ast.type !== 'select') throw new Misparse(`set operation branch ${ast.type}`);
    if (ast.into && ast.into.position) throw new Misparse('select into');
    const scope: Scope = { parent, items: [], merged: new Map() };
    this.envs.set(scope, env);
    const joins: BoundSelect['joins'] = [];
    const derivedItems: BoundSelect['derivedItems'] = [];
    const ctes: Cte[] = [];
    if (ast.from) this.bindFrom(Array.isArray(ast.from) ? ast.from : [ast.from], scope, env, joins, derivedItems);
    const outputs = this.bindOutputs(ast, scope);
    return { ast, scope, env, outputs, joins, derivedItems, ctes };
  }

  /** Builds the FROM items of `list` into `scope`; returns the items created. */
  private bindFrom(list: N[], scope: Scope, env: CteEnv | null, joins: BoundSelect['joins'], derivedItems: BoundSelect['derivedItems']): Item[] {
    const created: Item[] = [];
    let chain: Item[] = [];
    for (const entry of list) {
      if (entry === null || typeof entry !== 'object') throw new Misparse('from entry');
      const joinKind = entry.join ? String(entry.join).toUpperCase() : null;
      if (joinKind === null) chain = [];
      // Items to its left that a LATERAL item (or a function) may reference.
      const lateral = entry.prefix === 'lateral' || entry.type === 'expr' || entry.expr?.type === 'function';
      const left = lateral ? [...scope.items] : [];
      const items = this.bindItem(entry, scope, env, left, derivedItems, joins);
      const single = items.length === 1;
      if (joinKind !== null) {
        if (!/^(INNER |LEFT |RIGHT |FULL |CROSS )?(OUTER )?JOIN$/.test(joinKind)) throw new Misparse(`join ${joinKind}`);
        const leftSide = chain;
        const kind = joinKind.startsWith('LEFT') ? 'left' : joinKind.startsWith('RIGHT') ? 'right' : joinKind.startsWith('FULL') ? 'full' : 'inner';
        if (kind === 'left' || kind === 'full') for (const it of items) it.nullable = true;
        if (kind === 'right' || kind === 'full') for (const it of leftSide) it.nullable = true;
        let using: Array<{ name: string; items: Item[] }> | undefined;
        if (entry.using) {
          if (entry.on) throw new Misparse('on and using');
          using = this.bindUsing(entry.using, leftSide, items, scope);
        }
        if (entry.on || using) {
          const nullableSide = kind === 'left' ? items : kind === 'right' ? leftSide : [];
          joins.push({ on: entry.on ?? null, kind: kind === 'inner' ? 'inner' : 'outer', nullableSide, single: kind === 'left' ? single : leftSide.length === 1, using });
        } else if (kind !== 'inner') throw new Misparse('outer join without condition');
      }
      chain = [...chain, ...items];
      created.push(...items);
    }
    return created;
  }

  /** USING (a, b) / NATURAL: merges the columns; returns the pairs so their columns are demanded. */
  private bindUsing(using: N[], leftSide: Item[], right: Item[], scope: Scope): Array<{ name: string; items: Item[] }> {
    let names: string[] = [];
    const natural = using.length === 1 && this.nameOf(using[0]) === null ? false : using.length === 1 && String(using[0]?.value) === `${this.prep.identPrefix}natural`;
    const visibleOf = (items: Item[]): string[] | null => {
      const out: string[] = [];
      for (const it of items) {
        if (it.visible === null) return null;
        out.push(...it.visible);
      }
      return out;
    };
    if (natural) {
      const l = visibleOf(leftSide);
      const r = visibleOf(right);
      if (l === null || r === null) {
        this.inexact('natural join over a relation of unknown columns');
        return [];
      }
      const rs = new Set(r);
      names = [...new Set(l.filter((c) => rs.has(c)))];
    } else names = using.map((u) => this.nameOf(u)!).filter((x) => x !== null);
    const out: Array<{ name: string; items: Item[] }> = [];
    for (const name of names) {
      const lm = scope.merged.get(name);
      const l = lm && lm.some((it) => leftSide.includes(it)) ? lm : leftSide.filter((it) => it.visible?.includes(name));
      const r = right.filter((it) => it.visible?.includes(name));
      if (l.length !== 1 && !(lm && l === lm)) this.inexact(`using column ${name} not found exactly once on the left`);
      if (r.length !== 1) this.inexact(`using column ${name} not found exactly once on the right`);
      const items = [...l, ...r];
      scope.merged.set(name, items);
      out.push({ name, items });
    }
    return out;
  }

  private bindItem(entry: N, scope: Scope, env: CteEnv | null, left: Item[], derivedItems: BoundSelect['derivedItems'], joins: BoundSelect['joins']): Item[] {
    const alias = this.alias(entry.as);
    // Relation or CTE
    if (typeof entry.table === 'string') {
      if (entry.tablesample && !entry.tablesample.expr) throw new Misparse('tablesample');
      const seq = this.seqOf.get(entry) ?? Number.MAX_SAFE_INTEGER;
      const name = this.ident(entry.table);
      let schema: string | null = null;
      if (entry.schema) schema = this.nameOf(entry.schema);
      else if (entry.db) schema = this.nameOf(entry.db);
      if (entry.tablesample?.expr) {
        // TABLESAMPLE method(args) [REPEATABLE (seed)]: constant arguments, nothing to read.
      }
      if (schema === null) {
        const cte = this.lookupCte(env, name);
        if (cte !== null) {
          const d = cte.derived;
          d.refs++;
          const names = d.query?.names ?? null;
          let visible = names === null ? null : [...names];
          if (visible !== null && cte.columnAliases) visible = rename(visible, cte.columnAliases);
          if (visible !== null && alias?.columns) visible = rename(visible, alias.columns);
          const item: Item = { ref: alias?.name ?? name, schema: null, visible, derived: d, nullable: false };
          if (visible === null) d.all = true;
          scope.items.push(item);
          return [item];
        }
      }
      const rel = this.resolve(schema, name);
      this.written.push({ schema, name, seq });
      if (rel.kind === 'table') {
        const ref: TableRef = { schema: rel.schema!, name: rel.name, columns: new Set(), predicates: [], seq };
        this.tables.push(ref);
        const base = rel.columns!;
        const visible = alias?.columns ? rename([...base], alias.columns) : [...base];
        const item: Item = { ref: alias?.name ?? name, schema: alias ? null : rel.schema, visible, table: { ref, base }, nullable: false };
        scope.items.push(item);
        return [item];
      }
      if (rel.kind === 'catalog') this.catalogRefs.push({ schema: rel.schema!, name: rel.name, seq });
      else {
        this.unknown.push({ schema, name, seq });
        this.inexact(`unknown relation ${schema === null ? '' : schema + '.'}${name}`);
      }
      const visible = rel.columns ? (alias?.columns ? rename([...rel.columns], alias.columns) : [...rel.columns]) : null;
      const item: Item = { ref: alias?.name ?? name, schema: alias ? null : rel.schema, visible, nullable: false, catalog: rel.kind === 'catalog' };
      scope.items.push(item);
      return [item];
    }
    const expr = entry.expr;
    if (!expr) throw new Misparse('from item');
    const lateral = entry.prefix === 'lateral';
    // Parenthesised join
    if (expr.type === 'tables') {
      if (alias) throw new Misparse('aliased join');
      return this.bindFrom(expr.expr, scope, env, joins, derivedItems);
    }
    const parentFor: Scope | null = lateral || entry.type === 'expr' ? { parent: scope.parent, items: left, merged: scope.merged } : scope.parent;
    // Subquery
    const sub = expr.ast ?? (expr.type === 'select' ? expr : null);
    if (sub) {
      if (!alias && sub.type !== 'select') throw new Misparse('derived');
      const q = this.bindQuery(sub, parentFor, env);
      const d: Derived = { query: q, demand: new Set(), all: false, pushed: [], refs: 1, walked: false, recursive: false };
      let visible = q.names === null ? null : [...q.names];
      if (visible !== null && alias?.columns) visible = rename(visible, alias.columns);
      if (visible === null) d.all = true;
      const item: Item = { ref: alias?.name ?? null, schema: null, visible, derived: d, nullable: false };
      scope.items.push(item);
      derivedItems.push({ item, derived: d });
      return [item];
    }
    // VALUES
    if (expr.type === 'values') {
      const rows: N[] = expr.values ?? [];
      const width = rows[0]?.value?.length ?? 0;
      const names = alias?.columns ? rename(Array.from({ length: width }, (_, i) => `column${i + 1}`), alias.columns) : Array.from({ length: width }, (_, i) => `column${i + 1}`);
      const q = this.valuesQuery(rows, parentFor, env, names);
      const d: Derived = { query: q, demand: new Set(), all: true, pushed: [], refs: 1, walked: false, recursive: false };
      const item: Item = { ref: alias?.name ?? null, schema: null, visible: names, derived: d, nullable: false };
      scope.items.push(item);
      derivedItems.push({ item, derived: d });
      return [item];
    }
    // Function in FROM (implicitly LATERAL)
    if (expr.type === 'function') {
      const fname = this.functionName(expr);
      let visible: string[] | null = null;
      if (alias?.columns) visible = alias.columns;
      else if (fname !== null && SCALAR_SRFS.has(fname) && this.argCount(expr) <= 3) visible = [alias?.name ?? fname];
      if (fname === 'unnest' && this.argCount(expr) > 1 && !alias?.columns) visible = null;
      const q: BoundQuery = this.exprQuery([expr], parentFor, env);
      const d: Derived = { query: q, demand: new Set(), all: true, pushed: [], refs: 1, walked: false, recursive: false };
      const item: Item = { ref: alias?.name ?? fname, schema: null, visible, derived: d, nullable: false };
      if (visible === null) this.inexact(`function ${fname ?? '?'} in FROM has unknown columns`);
      scope.items.push(item);
      derivedItems.push({ item, derived: d });
      return [item];
    }
    throw new Misparse(`from item ${expr.type}`);
  }

  private functionName(f: N): string | null {
    const parts = f?.name?.name;
    if (Array.isArray(parts) && parts.length) return this.ident(parts[parts.length - 1].value);
    if (typeof f?.name === 'string') return this.ident(f.name);
    return null;
  }

  private argCount(f: N): number {
    const v = f?.args?.value;
    return Array.isArray(v) ? v.length : f?.args ? 1 : 0;
  }

  /** A pseudo-query whose "outputs" are expressions walked in the parent scope (VALUES rows, FROM functions). */
  private exprQuery(exprs: N[], parent: Scope | null, env: CteEnv | null): BoundQuery {
    const scope: Scope = { parent, items: [], merged: new Map() };
    this.envs.set(scope, env);
    const outputs: Output[] = exprs.map((e) => ({ name: '?column?', expr: e, srf: false, window: false }));
    const sel: BoundSelect = { ast: { type: 'exprs' }, scope, env, outputs, joins: [], derivedItems: [], ctes: [] };
    return { branches: [sel], unionAll: true, names: null, orderby: null, limit: null, ctes: [] };
  }

  private valuesQuery(rows: N[], parent: Scope | null, env: CteEnv | null, names: string[]): BoundQuery {
    const q = this.exprQuery(rows, parent, env);
    return { ...q, names };
  }

  /** The output list of a SELECT: names (PostgreSQL's FigureColname, roughly) and what computes each. */
  private bindOutputs(ast: N, scope: Scope): Output[] | null {
    const cols: N[] = Array.isArray(ast.columns) ? ast.columns : [];
    const out: Output[] = [];
    for (const c of cols) {
      const e = c.expr ?? c;
      if (e?.type === 'column_ref' && e.column === '*') {
        const items = this.starItems(e, scope);
        if (items === null) return null;
        for (const it of items) {
          if (it.visible === null) return null;
          it.visible.forEach((name, index) => out.push({ name, star: { item: it, index }, srf: false, window: false }));
        }
        continue;
      }
      if (e?.type === 'star' || c === '*') throw new Misparse('star shape');
      const name = c.as ? this.outputAlias(c.as) : this.figureName(e);
      out.push({ name, expr: e, srf: this.hasSrf(e), window: this.hasWindow(e) });
    }
    return out;
  }

  private outputAlias(as: N): string {
    const s = typeof as === 'string' ? as : as?.value;
    if (typeof s !== 'string') throw new Misparse('output alias');
    return this.ident(s);
  }

  /** Items a `*` or `t.*` expands over (null when unknown). */
  private starItems(e: N, scope: Scope): Item[] | null {
    const t = e.table ? this.nameOf(e.table) : null;
    if (t === null) return scope.items.length ? scope.items : [];
    const schema = e.schema ? this.nameOf(e.schema) : null;
    const it = this.findItem(scope, t, schema, false);
    return it === null ? null : [it.item];
  }

  private figureName(e: N): string {
    if (e === null || typeof e !== 'object') return '?column?';
    switch (e.type) {
      case 'column_ref':
        return typeof e.column === 'string' ? this.ident(e.column) : (this.nameOf(e.column) ?? '?column?');
      case 'aggr_func':
        return this.ident(String(e.name));
      case 'function':
      case 'window_func':
        return (e.type === 'window_func' ? this.ident(String(e.name)) : this.functionName(e)) ?? '?column?';
      case 'cast': {
        const inner = this.figureName(e.expr);
        if (inner !== '?column?') return inner;
        const t = Array.isArray(e.target) ? e.target[0] : e.target;
        return typeof t?.dataType === 'string' ? t.dataType.toLowerCase() : '?column?';
      }
      case 'case':
        return 'case';
      case 'extract':
        return 'extract';
      default:
        return '?column?';
    }
  }

  private hasSrf(e: N): boolean {
    let found = false;
    this.visitExpr(e, (n) => {
      if (n.type === 'function') {
        const f = this.functionName(n);
        if (f !== null && SRFS.has(f)) found = true;
      }
    });
    return found;
  }

  private hasWindow(e: N): boolean {
    let found = false;
    this.visitExpr(e, (n) => {
      if (n.type === 'window_func' || (n.over !== undefined && n.over !== null)) found = true;
    });
    return found;
  }

  private hasAggregate(e: N): boolean {
    let found = false;
    this.visitExpr(e, (n) => {
      if (n.type === 'aggr_func' && (n.over === undefined || n.over === null)) found = true;
    });
    return found;
  }

  /** Visits expression nodes without entering subqueries. */
  private visitExpr(e: N, f: (n: N) => void): void {
    if (e === null || typeof e !== 'object') return;
    if (Array.isArray(e)) {
      for (const x of e) this.visitExpr(x, f);
      return;
    }
    if (e.ast !== undefined || e.type === 'select') return;
    f(e);
    for (const k of Object.keys(e)) if (k !== 'loc') this.visitExpr(e[k], f);
  }

  // -------------------------------------------------------------------------------------------------------
  // Walking

  private walkQuery(q: BoundQuery, demand: Demand, pushed: Array<{ index: number; pred: PendingPred }>): void {
    const setOp = q.branches.length > 1;
    let d: Demand = demand;
    if (setOp && !q.unionAll) d = 'all';
    if (setOp && d !== 'all') {
      // ORDER BY of a set operation names outputs (by name or position).
      const extra = new Set(d);
      for (const o of asArray(q.orderby)) {
        const n = this.ordinal(o.expr);
        if (n !== null) extra.add(n - 1);
        else if (o.expr?.type === 'column_ref' && q.names) {
          const name = typeof o.expr.column === 'string' ? o.expr.column : this.nameOf(o.expr.column);
          const i = q.names.indexOf(name ?? '');
          if (i >= 0) extra.add(i);
          else d = 'all';
        } else d = 'all';
      }
      if (d !== 'all') d = extra;
    }
    const pushable = !this.prep.noPredicates && (q.limit === null || asArray(q.limit?.value).length === 0);
    for (const b of q.branches) this.walkSelect(b, d, pushable ? pushed : [], setOp);
    if (setOp) this.walkPlain(q.limit, q.branches[0]!.scope.parent);
    // CTEs defined here: later ones first (they add demand to earlier ones).
    for (let i = q.ctes.length - 1; i >= 0; i--) this.walkDerived(q.ctes[i]!.derived);
  }

  private walkDerived(d: Derived): void {
    if (d.walked) return;
    d.walked = true;
    const pushed = d.refs === 1 && !d.recursive ? d.pushed : [];
    this.walkQuery(d.query, d.all ? 'all' : d.demand, pushed);
  }

  private walkSelect(b: BoundSelect, demand: Demand, pushed: Array<{ index: number; pred: PendingPred }>, setOpBranch: boolean): void {
    const ast = b.ast;
    const scope = b.scope;
    if (ast.type === 'exprs') {
      for (const o of b.outputs!) this.walk(o.expr, scope.parent, false);
      return;
    }
    const outputs = b.outputs;
    const distinct = typeof ast.distinct?.type === 'string' && ast.distinct.type.toUpperCase() === 'DISTINCT';
    const distinctOn = typeof ast.distinct?.type === 'string' && ast.distinct.type.toUpperCase() === 'DISTINCT ON';
    const all = demand === 'all' || distinct || outputs === null;
    const walked = new Set<number>();
    const walkOutput = (i: number): void => {
      if (outputs === null || walked.has(i) || i < 0 || i >= outputs.length) return;
      walked.add(i);
      const o = outputs[i]!;
      if (o.star) this.demandItem(o.star.item, o.star.index);
      else this.walk(o.expr, scope, false);
    };
    if (outputs === null) {
      for (const c of asArray(ast.columns)) {
        const e = c.expr ?? c;
        if (e?.type === 'column_ref' && e.column === '*') {
          const items = this.starItems(e, scope) ?? [];
          for (const it of items) this.demandAll(it);
        } else this.walk(e, scope, false);
      }
    } else {
      for (let i = 0; i < outputs.length; i++) {
        if (all || (demand as Set<number>).has(i) || outputs[i]!.srf) walkOutput(i);
      }
    }
    // FROM: join conditions
    const pending: Array<{ node: N; context: 'where' | 'outer-on'; side?: Item[]; single?: boolean }> = [];
    for (const j of b.joins) {
      for (const u of j.using ?? []) for (const it of u.items) this.demandName(it, u.name);
      if (j.on) {
        this.walk(j.on, scope, false);
        if (j.kind === 'inner') pending.push({ node: j.on, context: 'where' });
        else pending.push({ node: j.on, context: 'outer-on', side: j.nullableSide, single: j.single });
      }
    }
    if (ast.where) {
      this.walk(ast.where, scope, false);
      pending.push({ node: ast.where, context: 'where' });
    }
    // GROUP BY: ordinals and output names (input columns first).
    const groupKeys: N[] = [];
    const gb = ast.groupby;
    const groupList: N[] = gb ? (Array.isArray(gb) ? gb : asArray(gb.columns)) : [];
    for (const g of groupList) {
      groupKeys.push(g);
      const n = this.ordinal(g);
      if (n !== null) {
        walkOutput(n - 1);
        continue;
      }
      if (g?.type === 'column_ref' && !g.table && outputs !== null && typeof g.column !== 'string') {
        const name = this.nameOf(g.column)!;
        if (this.findUnqualified(scope, name, false) === null) {
          const i = outputs.findIndex((o) => o.name === name);
          if (i >= 0) {
            walkOutput(i);
            continue;
          }
        }
      }
      this.walk(g, scope, false);
    }
    if (gb && !Array.isArray(gb)) {
      for (const k of Object.keys(gb)) if (k !== 'columns') this.walk(gb[k], scope, false);
    }
    this.walk(ast.having, scope, false);
    this.walk(ast.window, scope, false);
    if (distinctOn) this.walk(ast.distinct.columns, scope, false);
    // ORDER BY: output names and ordinals first.
    if (!(b as { setOpTail?: boolean }).setOpTail) {
      for (const o of asArray(ast.orderby)) {
        const n = this.ordinal(o.expr);
        if (n !== null) {
          walkOutput(n - 1);
          continue;
        }
        if (o.expr?.type === 'column_ref' && !o.expr.table && outputs !== null && typeof o.expr.column !== 'string' && !o.expr.options) {
          const name = this.nameOf(o.expr.column)!;
          const matches = outputs.map((out, i) => (out.name === name ? i : -1)).filter((i) => i >= 0);
          if (matches.length === 1) {
            walkOutput(matches[0]!);
            continue;
          }
        }
        this.walk(o.expr, scope, false);
      }
      this.walk(ast.limit, scope, false);
    }
    // Predicates
    if (!this.prep.noPredicates) {
      for (const p of pending) {
        for (const conj of conjuncts(p.node)) {
          const shape = this.predicateShape(conj);
          if (shape === null) continue;
          const target = this.columnAtLevel(shape.col, scope);
          if (target === null) continue;
          const strict = shape.pred.op !== 'is null';
          if (p.context === 'where') {
            if (!strict && target.item.nullable) continue;
          } else {
            if (!p.side!.includes(target.item)) continue;
            if (!strict && !p.single) continue;
          }
          this.applyPredicate(target.item, target.index, shape.pred);
        }
      }
      // Pushed from an outer query: onto the output's column, as a WHERE conjunct here.
      if (pushed.length && outputs !== null && this.pushdownAllowed(b, setOpBranch)) {
        const grouped = groupList.length > 0 || outputs.some((o) => o.expr && this.hasAggregate(o.expr)) || (ast.having ?? null) !== null;
        for (const { index, pred } of pushed) {
          const o = outputs[index];
          if (!o) continue;
          let target: { item: Item; index: number } | null = null;
          if (o.star) target = { item: o.star.item, index: o.star.index };
          else if (o.expr?.type === 'column_ref' && !o.expr.options && typeof o.expr.column !== 'string') target = this.columnAtLevel(o.expr, scope);
          if (target === null) continue;
          if (grouped && !this.isGroupKey(o, groupKeys, index, scope, target)) continue;
          if (pred.op === 'is null' && target.item.nullable) continue;
          this.applyPredicate(target.item, target.index, pred);
        }
      }
    }
    // Derived tables, right to left (a LATERAL one adds demand to those on its left).
    for (let i = b.derivedItems.length - 1; i >= 0; i--) this.walkDerived(b.derivedItems[i]!.derived);
  }

  private pushdownAllowed(b: BoundSelect, setOpBranch: boolean): boolean {
    const ast = b.ast;
    if (!(b as { setOpTail?: boolean }).setOpTail && asArray(ast.limit?.value).length > 0) return false;
    if (typeof ast.distinct?.type === 'string' && ast.distinct.type.toUpperCase() === 'DISTINCT ON') return false;
    if (b.outputs === null || b.outputs.some((o) => o.srf || o.window)) return false;
    void setOpBranch;
    return true;
  }

  private isGroupKey(o: Output, keys: N[], index: number, scope: Scope, target: { item: Item; index: number }): boolean {
    for (const k of keys) {
      const n = this.ordinal(k);
      if (n !== null && n - 1 === index) return true;
      if (k?.type === 'column_ref' && !k.options && typeof k.column !== 'string') {
        const t = this.columnAtLevel(k, scope);
        if (t !== null && t.item === target.item && t.index === target.index) return true;
      }
    }
    void o;
    return false;
  }

  /** Walks an expression (or any AST fragment): records columns, analyses subqueries. */
  private walk(node: N, scope: Scope | null, _inExists: boolean): void {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) this.walk(x, scope, false);
      return;
    }
    if (node.type === 'column_ref') {
      if (node.column === '*') {
        const t = node.table ? this.nameOf(node.table) : null;
        if (t === null) {
          // count(*) is an aggr_func with a star arg, not a column_ref; a bare * elsewhere reads every row only.
          return;
        }
        const found = scope ? this.findItem(scope, t, node.schema ? this.nameOf(node.schema) : null, true) : null;
        if (found) this.demandAll(found.item);
        else this.inexact(`unresolved ${t}.*`);
        return;
      }
      this.column(node, scope);
      this.walk(node.options, scope, false);
      return;
    }
    const sub = node.ast;
    if (sub !== undefined && sub !== null && typeof sub === 'object' && sub.type === 'select') {
      const q = this.bindQuery(sub, scope, this.envOf(scope));
      this.walkQuery(q, 'all', []);
      return;
    }
    if (node.type === 'select') {
      const q = this.bindQuery(node, scope, this.envOf(scope));
      this.walkQuery(q, 'all', []);
      return;
    }
    const exists = node.type === 'function' && this.functionName(node) === 'exists';
    const unaryExists = node.type === 'unary_expr' && /^(NOT )?EXISTS$/i.test(String(node.operator));
    if (exists || unaryExists) {
      const arg = exists ? asArray(node.args?.value)[0] : node.expr;
      const s = arg?.ast;
      if (s && s.type === 'select') {
        const q = this.bindQuery(s, scope, this.envOf(scope));
        // EXISTS needs no output column.
        this.walkQuery(q, new Set(), []);
        return;
      }
    }
    for (const k of Object.keys(node)) {
      if (k === 'loc' || k === 'tableList' || k === 'columnList' || k === 'as' || k === 'name' && node.type === 'function') continue;
      this.walk(node[k], scope, false);
    }
  }

  /** Walks a fragment in the scope of a query level that is not a SELECT's own (set operation LIMIT). */
  private walkPlain(node: N, scope: Scope | null): void {
    this.walk(node, scope, false);
  }

  // Each walked scope remembers the CTE environment of its query, for subqueries.
  private readonly envs = new WeakMap<Scope, CteEnv | null>();
  private envOf(scope: Scope | null): CteEnv | null {
    for (let s = scope; s !== null; s = s.parent) {
      if (this.envs.has(s)) return this.envs.get(s)!;
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------------------
  // Column resolution

  private column(node: N, scope: Scope | null): void {
    const name = typeof node.column === 'string' ? this.ident(node.column) : this.nameOf(node.column);
    if (name === null) throw new Misparse('column name');
    const table = node.table ? this.nameOf(node.table) : null;
    const schema = node.schema ? this.nameOf(node.schema) : null;
    if (table === null) {
      for (let s = scope; s !== null; s = s.parent) {
        const r = this.findUnqualified(s, name, true);
        if (r === 'ambiguous') {
          this.inexact(`ambiguous column ${name}`);
          return;
        }
        if (r !== null) {
          for (const t of r) this.demandItem(t.item, t.index);
          return;
        }
        if (s.items.some((it) => it.visible === null && !it.catalog)) this.inexact(`column ${name} may belong to a relation of unknown columns`);
        if (s.items.some((it) => it.catalog && it.visible === null)) return; // a catalog relation's column
      }
      this.inexact(`unresolved column ${name}`);
      return;
    }
    const found = scope ? this.findItem(scope, table, schema, true) : null;
    if (found === null) {
      this.inexact(`unresolved column ${table}.${name}`);
      return;
    }
    const it = found.item;
    if (it.visible === null) return;
    const index = it.visible.indexOf(name);
    if (index < 0) {
      this.inexact(`unresolved column ${table}.${name}`);
      return;
    }
    this.demandItem(it, index);
  }

  /** Items of one level having `name` (merged USING columns count once), 'ambiguous', or null. */
  private findUnqualified(s: Scope, name: string, _record: boolean): Array<{ item: Item; index: number }> | 'ambiguous' | null {
    const merged = s.merged.get(name);
    if (merged !== undefined && merged.every((it) => s.items.includes(it))) {
      const out: Array<{ item: Item; index: number }> = [];
      for (const it of merged) {
        const i = it.visible?.indexOf(name) ?? -1;
        if (i >= 0) out.push({ item: it, index: i });
      }
      return out;
    }
    let found: { item: Item; index: number } | null = null;
    let count = 0;
    for (const it of s.items) {
      if (it.visible === null) continue;
      const i = it.visible.indexOf(name);
      if (i < 0) continue;
      if (it.visible.indexOf(name, i + 1) >= 0) return 'ambiguous';
      count++;
      found = { item: it, index: i };
    }
    if (count > 1) return 'ambiguous';
    return found === null ? null : [found];
  }

  /** The item named `table` (an alias, or a relation name) in the scope chain. */
  private findItem(scope: Scope, table: string, schema: string | null, outer: boolean): { item: Item } | null {
    for (let s: Scope | null = scope; s !== null; s = outer ? s.parent : null) {
      const matches = s.items.filter((it) => it.ref === table && (schema === null || it.schema === schema));
      if (matches.length === 1) return { item: matches[0]! };
      if (matches.length > 1) {
        this.inexact(`ambiguous table reference ${table}`);
        return null;
      }
    }
    return null;
  }

  /** A plain column reference resolved at this level only (predicates never apply across levels). */
  private columnAtLevel(node: N, scope: Scope): { item: Item; index: number } | null {
    if (node?.type !== 'column_ref' || node.options || typeof node.column === 'string') return null;
    const name = this.nameOf(node.column);
    if (name === null) return null;
    const table = node.table ? this.nameOf(node.table) : null;
    if (table === null) {
      const r = this.findUnqualified(scope, name, false);
      if (r === null || r === 'ambiguous' || r.length !== 1) return null;
      return r[0]!;
    }
    const schema = node.schema ? this.nameOf(node.schema) : null;
    const matches = scope.items.filter((it) => it.ref === table && (schema === null || it.schema === schema));
    if (matches.length !== 1) return null;
    const it = matches[0]!;
    const index = it.visible?.indexOf(name) ?? -1;
    return index < 0 ? null : { item: it, index };
  }

  private demandItem(it: Item, index: number): void {
    if (it.table) {
      const base = it.table.base[index];
      if (base !== undefined) it.table.ref.columns.add(base);
    } else if (it.derived) it.derived.demand.add(index);
  }

  private demandName(it: Item, name: string): void {
    const i = it.visible?.indexOf(name) ?? -1;
    if (i >= 0) this.demandItem(it, i);
  }

  private demandAll(it: Item): void {
    if (it.table) for (const c of it.table.base) it.table.ref.columns.add(c);
    else if (it.derived) it.derived.all = true;
  }

  // -------------------------------------------------------------------------------------------------------
  // Predicates

  private applyPredicate(it: Item, index: number, pred: PendingPred): void {
    if (it.table) {
      const column = it.table.base[index];
      if (column === undefined) return;
      const p = finishPredicate(column, pred);
      if (p !== null && !it.table.ref.predicates.some((q) => samePredicate(q, p))) it.table.ref.predicates.push(p);
    } else if (it.derived) it.derived.pushed.push({ index, pred });
  }

  /** `col op const`, `const op col`, BETWEEN, IN (consts), IS [NOT] NULL of one plain column; else null. */
  private predicateShape(node: N): { col: N; pred: PendingPred } | null {
    if (node === null || typeof node !== 'object' || node.type !== 'binary_expr') return null;
    const op = String(node.operator).toUpperCase();
    const plain = (n: N): boolean => n?.type === 'column_ref' && !n.options && typeof n.column !== 'string' && !n.collate;
    switch (op) {
      case '=':
      case '<':
      case '<=':
      case '>':
      case '>=':
      case '<>':
      case '!=': {
        const norm: ComparisonOp = op === '!=' ? '<>' : (op as ComparisonOp);
        if (plain(node.left)) {
          const c = this.constant(node.right);
          if (c === null || c.value === null) return null;
          return { col: node.left, pred: { op: norm, value: c } };
        }
        if (plain(node.right)) {
          const c = this.constant(node.left);
          if (c === null || c.value === null) return null;
          return { col: node.right, pred: { op: FLIP[norm], value: c } };
        }
        return null;
      }
      case 'BETWEEN': {
        if (!plain(node.left)) return null;
        const list = asArray(node.right?.value);
        if (list.length !== 2) return null;
        const low = this.constant(list[0]);
        const high = this.constant(list[1]);
        if (low === null || high === null || low.value === null || high.value === null) return null;
        return { col: node.left, pred: { op: 'between', low, high } };
      }
      case 'IN': {
        if (!plain(node.left) || node.right?.type !== 'expr_list') return null;
        const values: Const[] = [];
        for (const v of asArray(node.right.value)) {
          if (v?.type === 'null') continue;
          const c = this.constant(v);
          if (c === null) return null;
          if (c.value !== null) values.push(c);
        }
        if (values.length === 0) return null;
        return { col: node.left, pred: { op: 'in', values } };
      }
      case 'IS':
      case 'IS NOT': {
        if (!plain(node.left) || node.right?.type !== 'null') return null;
        return { col: node.left, pred: { op: op === 'IS' ? 'is null' : 'is not null' } };
      }
      default:
        return null;
    }
  }
}

const FLIP: Record<ComparisonOp, ComparisonOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function defaultSettings(): InputSettings {
  return { dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' };
}

function asArray(x: N): N[] {
  if (x === null || x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

/** The AND-conjuncts of a condition (parenthesised ANDs flattened). */
function conjuncts(node: N): N[] {
  if (node === null || typeof node !== 'object') return [];
  if (node.type === 'binary_expr' && String(node.operator).toUpperCase() === 'AND') return [...conjuncts(node.left), ...conjuncts(node.right)];
  return [node];
}

function rename(names: string[], aliases: string[]): string[] {
  const out = [...names];
  for (let i = 0; i < aliases.length && i < out.length; i++) out[i] = aliases[i]!;
  return out;
}

/** Type of a list of constants: the common type, 'unknown' only when all are untyped. */
function commonType(cs: Const[]): string {
  const types = new Set(cs.map((c) => c.type));
  if (types.size === 1) return cs[0]!.type;
  const numeric = [...types].every((t) => t === 'int4' || t === 'int8' || t === 'numeric' || t === 'int2');
  if (numeric) return types.has('numeric') ? 'numeric' : 'int8';
  return 'mixed';
}

function finishPredicate(column: string, p: PendingPred): Predicate | null {
  switch (p.op) {
    case 'is null':
    case 'is not null':
      return { column, op: p.op };
    case 'between': {
      const type = commonType([p.low, p.high]);
      if (type === 'mixed') return null;
      const low = convertNumber(p.low, type);
      const high = convertNumber(p.high, type);
      if (low === undefined || high === undefined) return null;
      return { column, op: 'between', low, high, type };
    }
    case 'in': {
      const type = commonType(p.values);
      if (type === 'mixed') return null;
      // Values of a common numeric type are converted to it (int4 5 in an int8 list → 5n).
      const values = p.values.map((c) => convertNumber(c, type));
      if (values.some((v) => v === undefined)) return null;
      return { column, op: 'in', values: values as PgValue[], type };
    }
    default:
      return { column, op: p.op, value: p.value.value, type: p.value.type };
  }
}

function convertNumber(c: Const, type: string): PgValue | undefined {
  if (c.type === type) return c.value;
  if (type === 'int8' && (c.type === 'int4' || c.type === 'int2')) return BigInt(c.value as number);
  if (type === 'numeric' && (c.type === 'int4' || c.type === 'int8' || c.type === 'int2')) return String(c.value);
  return undefined;
}

function samePredicate(a: Predicate, b: Predicate): boolean {
  return stringify(a) === stringify(b);
}

function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}
