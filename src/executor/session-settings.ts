import { GatewayError } from '../errors/index.ts';
import type { OutputSettings } from '../wire/backend.ts';
import type { NormalizeContext, ParameterSpec } from './settings.ts';

/**
 * One session's parameter values, with PostgreSQL's semantics:
 * - lookup is case-insensitive (`SHOW timezone` is TimeZone);
 * - a value comes from, in order: SET LOCAL in the open transaction, SET, the startup packet (which is also
 *   what RESET goes back to), the built-in default;
 * - SET and RESET are transactional: a transaction that rolls back undoes them, one that commits keeps
 *   them; SET LOCAL lasts until the end of the transaction either way, and a later SET in the same
 *   transaction replaces it;
 * - `onReportedChange` is called for a GUC_REPORT parameter exactly when its value changes, so that the
 *   session sends ParameterStatus.
 * Savepoints do not scope settings here (ROLLBACK TO SAVEPOINT keeps what was set after the savepoint).
 */
export class SessionSettings {
  private readonly specs = new Map<string, ParameterSpec>();
  private values = new Map<string, string>();
  private readonly sessionDefaults = new Map<string, string>();
  /** SET LOCAL values (and SET of transaction_* parameters) of the open transaction; null outside one. */
  private local: Map<string, string> | null = null;
  /** `values` as they were when the open transaction began, restored if it rolls back. */
  private beforeTransaction: Map<string, string> | null = null;
  /**
   * get()'s answers by the name asked, and output(), until a value changes: every statement reads a
   * dozen parameters (cache, dry run, tag, search_path, TimeZone, formats). Every change of a value goes
   * through reportingChanges, which drops them.
   */
  private readonly resolved = new Map<string, string | undefined>();
  private outputSettings: OutputSettings | null = null;
  private changes = 0;

  /** Bumped by every SET, RESET and transaction end: what was derived from the values before may be stale. */
  get generation(): number {
    return this.changes;
  }

  constructor(specs: ParameterSpec[], startup: Record<string, string>, private readonly onReportedChange: (name: string, value: string) => void = () => {}) {
    for (const s of specs) this.specs.set(s.name.toLowerCase(), s);
    for (const [k, v] of Object.entries(startup)) {
      const key = k.toLowerCase();
      const spec = this.specs.get(key);
      if (spec && !spec.readOnly) this.sessionDefaults.set(key, this.normalize(spec, k, v));
      else if (!spec && key.includes('.')) this.sessionDefaults.set(key, v);
    }
    // normalize() read values while the startup ones were still being filled in.
    this.resolved.clear();
  }

  spec(name: string): ParameterSpec | undefined {
    return this.specs.get(name.toLowerCase());
  }

  /** Used for read-only parameters that depend on the session (session_authorization, is_superuser). */
  setInternal(name: string, value: string): void {
    this.reportingChanges(() => this.sessionDefaults.set(name.toLowerCase(), value));
  }

  get(name: string): string | undefined {
    const known = this.resolved.get(name);
    if (known !== undefined || this.resolved.has(name)) return known;
    const value = this.lookup(name);
    this.resolved.set(name, value);
    return value;
  }

  private lookup(name: string): string | undefined {
    const key = name.toLowerCase();
    const local = this.local?.get(key);
    if (local !== undefined) return local;
    const spec = this.specs.get(key);
    // transaction_isolation is default_transaction_isolation unless the transaction set its own.
    if (spec?.transactionDefault !== undefined) return this.get(spec.transactionDefault);
    return this.values.get(key) ?? this.resetValue(key);
  }

  /** SHOW's answer, or 42704 like PostgreSQL for a parameter it does not know. */
  show(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name}"`);
    return v;
  }

  /**
   * SET (scope 'session') or SET LOCAL. Throws 42704 for an unknown parameter without a dot, 55P02 for a
   * read-only one, and the parameter's own error (22023, 0A000) for a bad value. SET LOCAL outside a
   * transaction block does nothing (PostgreSQL warns; the caller does).
   */
  set(name: string, value: string, scope: 'session' | 'local' = 'session'): void {
    const key = name.toLowerCase();
    const spec = this.writable(name);
    const normalized = spec ? this.normalize(spec, name, value) : value;
    this.reportingChanges(() => {
      if (scope === 'local' || spec?.transactionDefault !== undefined) {
        this.local?.set(key, normalized);
      } else {
        this.values.set(key, normalized);
        this.local?.delete(key);
      }
    });
  }

  /** RESET, or SET ... TO DEFAULT: back to the startup value or the default, transactionally. */
  reset(name: string): void {
    const key = name.toLowerCase();
    this.writable(name);
    this.reportingChanges(() => {
      this.values.delete(key);
      this.local?.delete(key);
    });
  }

  /** RESET ALL; like PostgreSQL it leaves the open transaction's isolation level and read-only status alone. */
  resetAll(): void {
    this.reportingChanges(() => {
      this.values.clear();
      for (const key of this.local?.keys() ?? []) if (this.specs.get(key)?.transactionDefault === undefined) this.local!.delete(key);
    });
  }

  beginTransaction(): void {
    this.local = new Map();
    this.beforeTransaction = new Map(this.values);
  }

  /** Ends the open transaction: SET LOCAL values go; on rollback (`commit` false) SET and RESET are undone too. */
  endTransaction(commit = true): void {
    if (!this.local) return;
    this.reportingChanges(() => {
      if (!commit && this.beforeTransaction) this.values = this.beforeTransaction;
      this.local = null;
      this.beforeTransaction = null;
    });
  }

  inTransaction(): boolean {
    return this.local !== null;
  }

  /** Every parameter for SHOW ALL, sorted by name as PostgreSQL does. */
  all(): Array<{ name: string; setting: string; description: string }> {
    return [...this.specs.values()]
      .map((s) => ({ name: s.name, setting: this.get(s.name) ?? '', description: s.description }))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  }

  reported(): Array<[string, string]> {
    return [...this.specs.values()].filter((s) => s.report).map((s) => [s.name, this.get(s.name) ?? '']);
  }

  output(): OutputSettings {
    return (this.outputSettings ??= {
      dateStyle: this.get('DateStyle') ?? 'ISO, MDY',
      timeZone: this.get('TimeZone') ?? 'UTC',
      extraFloatDigits: Number(this.get('extra_float_digits') ?? '1'),
      intervalStyle: this.get('IntervalStyle') ?? 'postgres',
      byteaOutput: this.get('bytea_output') ?? 'hex',
    });
  }

  /** What RESET restores: the startup (or internal) value, else the built-in default. */
  private resetValue(key: string): string | undefined {
    return this.sessionDefaults.get(key) ?? this.specs.get(key)?.defaultValue;
  }

  /** The spec of a parameter SET or RESET may change (undefined for a custom dotted one). */
  private writable(name: string): ParameterSpec | undefined {
    const key = name.toLowerCase();
    const spec = this.specs.get(key);
    if (!spec && !key.includes('.')) throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name}"`);
    if (spec?.readOnly) throw new GatewayError('CANT_CHANGE_RUNTIME_PARAM', `parameter "${name}" cannot be changed`);
    return spec;
  }

  private normalize(spec: ParameterSpec, name: string, value: string): string {
    if (!spec.normalize) return value;
    const key = spec.name.toLowerCase();
    const ctx: NormalizeContext = { name, current: this.get(key) ?? spec.defaultValue, reset: this.resetValue(key) ?? spec.defaultValue };
    return spec.normalize(value, ctx);
  }

  /** Runs `change`, then reports every GUC_REPORT parameter whose value it changed. */
  private reportingChanges(change: () => void): void {
    const before = new Map<string, string | undefined>();
    for (const [key, spec] of this.specs) if (spec.report) before.set(key, this.get(key));
    try {
      change();
    } finally {
      this.resolved.clear();
      this.outputSettings = null;
      this.changes++;
    }
    for (const [key, was] of before) {
      const now = this.get(key);
      if (now !== undefined && now !== was) this.onReportedChange(this.specs.get(key)!.name, now);
    }
  }
}
