import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { binaryEncoder, textEncoder, typeInfo } from '../pgtypes/index.ts';
import type { OutputSettings } from './backend.ts';
import type { BackendWriter, FieldDescription } from './backend-messages.ts';
import { formatCodeAt, type FormatCode } from './frontend-messages.ts';

type ColumnWriter = (w: BackendWriter, v: PgValue) => void;

/**
 * Encodes result batches into DataRow messages. Each column's encoder is chosen once, from its type and
 * requested format, so the per-value loop does no lookups.
 */
export class RowEncoder {
  private readonly writers: ColumnWriter[];

  constructor(
    readonly columns: readonly ColumnInfo[],
    readonly formats: readonly FormatCode[],
    settings: OutputSettings,
  ) {
    this.writers = columns.map((c, i) => columnWriter(c.typeOid, formatCodeAt(formats, i), settings));
  }

  fields(): FieldDescription[] {
    return describeColumns(this.columns, this.formats);
  }

  /** Writes rows [from, to) of the batch. */
  write(w: BackendWriter, batch: RowBatch, from: number, to: number): void {
    const cols = batch.columns;
    const writers = this.writers;
    const n = writers.length;
    for (let r = from; r < to; r++) {
      w.beginDataRow(n);
      for (let c = 0; c < n; c++) {
        const v = cols[c][r];
        if (v === null || v === undefined) w.nullValue();
        else writers[c](w, v);
      }
      w.endDataRow();
    }
  }
}

/** Types whose canonical value (a string, see pgtypes/values.ts) is exactly PostgreSQL's text output. */
const TEXT_IDENTITY = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.name, OID.json, OID.uuid]);

function columnWriter(oid: number, format: FormatCode, settings: OutputSettings): ColumnWriter {
  if (format === 0) {
    // The commonest result types skip the generic encoder: integers are written as digits in place, and
    // types whose canonical form is already PostgreSQL's text are written as they are.
    if (oid === OID.int4 || oid === OID.int2) return (w, v) => w.intTextValue(v as number);
    if (TEXT_IDENTITY.has(oid)) return (w, v) => w.textValue(v as string);
    const enc = textEncoder(oid, settings);
    return (w, v) => w.textValue(enc(v));
  }
  const enc = binaryEncoder(oid);
  return (w, v) => w.bytesValue(enc(v));
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
