import { GatewayError } from '../errors/index.ts';
import type { OutputSettings } from '../wire/backend.ts';
import type { ParameterSpec } from './settings.ts';

/**
 * One session's parameter values. Lookup is case-insensitive, as in PostgreSQL. Transaction-scoped
 * (SET LOCAL) values are kept apart and dropped at the end of the transaction.
 */
export class SessionSettings {
  private readonly specs = new Map<string, ParameterSpec>();
  private readonly values = new Map<string, string>();
  private readonly sessionDefaults = new Map<string, string>();
  private local: Map<string, string> | null = null;

  constructor(specs: ParameterSpec[], startup: Record<string, string>, private readonly onReportedChange: (name: string, value: string) => void = () => {}) {
    for (const s of specs) this.specs.set(s.name.toLowerCase(), s);
    for (const [k, v] of Object.entries(startup)) {
      const spec = this.specs.get(k.toLowerCase());
      if (spec && !spec.readOnly) this.sessionDefaults.set(spec.name.toLowerCase(), spec.normalize ? spec.normalize(v) : v);
      else if (!spec && k.includes('.')) this.sessionDefaults.set(k.toLowerCase(), v);
    }
  }

  spec(name: string): ParameterSpec | undefined {
    return this.specs.get(name.toLowerCase());
  }

  /** Used for read-only parameters that depend on the session (session_authorization, is_superuser). */
  setInternal(name: string, value: string): void {
    this.sessionDefaults.set(name.toLowerCase(), value);
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    const v = this.local?.get(key) ?? this.values.get(key) ?? this.sessionDefaults.get(key);
    if (v !== undefined) return v;
    return this.specs.get(key)?.defaultValue;
  }

  /** SHOW's answer, or 42704 like PostgreSQL for a parameter it does not know. */
  show(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name}"`);
    return v;
  }

  set(name: string, value: string, scope: 'session' | 'local' = 'session'): void {
    const key = name.toLowerCase();
    const spec = this.specs.get(key);
    if (!spec && !key.includes('.')) throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name}"`);
    if (spec?.readOnly) throw new GatewayError('CANT_CHANGE_RUNTIME_PARAM', `parameter "${spec.name}" cannot be changed`);
    const normalized = spec?.normalize ? spec.normalize(value) : value;
    const before = this.get(key);
    if (scope === 'local' && this.local) this.local.set(key, normalized);
    else if (scope === 'session') this.values.set(key, normalized);
    // SET LOCAL outside a transaction block is a no-op with a warning in PostgreSQL; the caller warns.
    this.reportIfChanged(key, before);
  }

  reset(name: string): void {
    const key = name.toLowerCase();
    const spec = this.specs.get(key);
    if (!spec && !key.includes('.')) throw new GatewayError('UNRECOGNIZED_PARAMETER', `unrecognized configuration parameter "${name}"`);
    if (spec?.readOnly) throw new GatewayError('CANT_CHANGE_RUNTIME_PARAM', `parameter "${spec.name}" cannot be changed`);
    const before = this.get(key);
    this.values.delete(key);
    this.local?.delete(key);
    this.reportIfChanged(key, before);
  }

  resetAll(): void {
    const before = new Map([...this.specs.keys()].map((k) => [k, this.get(k)]));
    this.values.clear();
    this.local = this.local ? new Map() : null;
    for (const [k, v] of before) this.reportIfChanged(k, v);
  }

  beginTransaction(): void {
    this.local = new Map();
  }

  endTransaction(): void {
    if (!this.local) return;
    const before = new Map([...this.local.keys()].map((k) => [k, this.get(k)]));
    this.local = null;
    for (const [k, v] of before) this.reportIfChanged(k, v);
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
    return {
      dateStyle: this.get('DateStyle') ?? 'ISO, MDY',
      timeZone: this.get('TimeZone') ?? 'UTC',
      extraFloatDigits: Number(this.get('extra_float_digits') ?? '1'),
      intervalStyle: this.get('IntervalStyle') ?? 'postgres',
      byteaOutput: this.get('bytea_output') ?? 'hex',
    };
  }

  private reportIfChanged(key: string, before: string | undefined): void {
    const spec = this.specs.get(key);
    const after = this.get(key);
    if (spec?.report && after !== before && after !== undefined) this.onReportedChange(spec.name, after);
  }
}
