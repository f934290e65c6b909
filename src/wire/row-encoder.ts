import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import { OID } from '../pgtypes/oids.ts';
import { binaryEncoder, textEncoder, typeInfo } from '../pgtypes/index.ts';
import type { OutputSettings } from './backend.ts';
import { ValueKind, type BackendWriter, type FieldDescription } from './backend-messages.ts';
import { formatCodeAt, type FormatCode } from './frontend-messages.ts';

type Encoder = ((v: never) => string | Uint8Array) | null;

/**
 * Encodes result batches into DataRow messages. Each column's encoder is chosen once, from its type and
 * requested format, so the per-value loop does no lookups.
 */
export class RowEncoder {
  private readonly kinds: Uint8Array;
  private readonly encoders: Encoder[];
  /** The settings the encoders were chosen for, copied (the caller's object may change later). */
  private readonly settings: OutputSettings;

  constructor(
    readonly columns: readonly ColumnInfo[],
    readonly formats: readonly FormatCode[],
    settings: OutputSettings,
  ) {
    const n = columns.length;
    this.kinds = new Uint8Array(n);
    this.encoders = new Array<Encoder>(n);
    for (let i = 0; i < n; i++) {
      const { kind, encoder } = columnPlan(columns[i]!.typeOid, formatCodeAt(formats, i), settings);
      this.kinds[i] = kind;
      this.encoders[i] = encoder;
    }
    this.settings = {
      dateStyle: settings.dateStyle,
      timeZone: settings.timeZone,
      extraFloatDigits: settings.extraFloatDigits,
      intervalStyle: settings.intervalStyle,
      byteaOutput: settings.byteaOutput,
    };
  }

  /**
   * Whether this encoder writes a result with these columns (the same array), formats and settings
   * exactly as a new one would: a session running the same statement again reuses its encoder.
   */
  reusableFor(columns: readonly ColumnInfo[], formats: readonly FormatCode[], settings: OutputSettings): boolean {
    if (columns !== this.columns) return false;
    const s = this.settings;
    if (
      s.dateStyle !== settings.dateStyle ||
      s.timeZone !== settings.timeZone ||
      s.extraFloatDigits !== settings.extraFloatDigits ||
      s.intervalStyle !== settings.intervalStyle ||
      s.byteaOutput !== settings.byteaOutput
    )
      return false;
    if (formats === this.formats) return true;
    for (let i = 0; i < columns.length; i++) if (formatCodeAt(formats, i) !== formatCodeAt(this.formats, i)) return false;
    return true;
  }

  fields(): FieldDescription[] {
    return describeColumns(this.columns, this.formats);
  }

  /** Writes rows [from, to) of the batch as DataRows. */
  write(w: BackendWriter, batch: RowBatch, from: number, to: number): void {
    const whole = batch.immutable === true && from === 0 && to === batch.rowCount;
    if (!whole) {
      w.dataRowsColumnar(batch.columns, this.kinds, this.encoders, from, to);
      return;
    }
    const kept = this.kept;
    if (kept !== null && kept.batch === batch && kept.bytes !== null) {
      w.raw(kept.bytes);
      return;
    }
    const before = w.length;
    w.dataRowsColumnar(batch.columns, this.kinds, this.encoders, from, to);
    const n = w.length - before;
    // A large result is not held on to (not even the batch: it may leave the cache meanwhile).
    if (n > MAX_KEPT_BYTES) this.kept = null;
    // The second time in a row (a session re-running a cached query), the bytes are kept for the next.
    else if (kept !== null && kept.batch === batch) kept.bytes = w.copyOfLast(n);
    else this.kept = { batch, bytes: null };
  }

  /**
   * The last immutable batch written whole (a cached result's), and once it was written twice in a row,
   * its DataRows: a session re-running a cached query sends the same bytes, a copy instead of encoding
   * every value again (~15% of a cache hit's CPU for a 24-row result). Valid for as long as this encoder
   * is, since columns, formats and settings are fixed for it (reusableFor).
   */
  private kept: { batch: RowBatch; bytes: Buffer | null } | null = null;
}

/** DataRows kept per encoder at most (one per session): dashboard-sized results, not exports. */
const MAX_KEPT_BYTES = 16 * 1024;

/** Types whose canonical value (a string, see pgtypes/values.ts) is exactly PostgreSQL's text output. */
const TEXT_IDENTITY = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.name, OID.json, OID.uuid]);

/**
 * How a column's values are written, chosen once per result. The commonest result types skip the
 * generic encoder: int2/int4 are written as digits in place, text-like types as they are.
 */
function columnPlan(oid: number, format: FormatCode, settings: OutputSettings): { kind: number; encoder: Encoder } {
  if (format === 0) {
    if (oid === OID.int4 || oid === OID.int2) return { kind: ValueKind.Int, encoder: null };
    if (TEXT_IDENTITY.has(oid)) return { kind: ValueKind.Text, encoder: null };
    // Shortest float8 output (extra_float_digits > 0, the default): common values are written in place.
    if (oid === OID.float8 && settings.extraFloatDigits > 0) return { kind: ValueKind.Float8, encoder: textEncoder(oid, settings) as Encoder };
    return { kind: ValueKind.Encoded, encoder: textEncoder(oid, settings) as Encoder };
  }
  return { kind: ValueKind.Encoded, encoder: binaryEncoder(oid) as Encoder };
}

/** RowDescription fields for result columns in the given formats. */
export function describeColumns(columns: readonly ColumnInfo[], formats: readonly FormatCode[]): FieldDescription[] {
  return columns.map((c, i) => ({
    name: c.name,
    tableOid: 0,
    columnAttr: 0,
    typeOid: c.typeOid,
    typlen: typeInfo(c.typeOid)?.typlen ?? -1,
    typmod: c.typeModifier,
    format: formatCodeAt(formats, i),
  }));
}
