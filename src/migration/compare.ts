import { createHash } from 'node:crypto';
import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';

/** A result reduced to what a shadow comparison needs: no rows are kept. */
export interface ResultDigest {
  rows: number;
  /** Type families of the columns (see family()). */
  types: number[];
  /** Order-insensitive: the sum (mod 2^64) of each row's hash, so equal multisets of rows are equal. */
  checksum: string;
}

/**
 * Engines type the same column differently within a family (DuckDB's count is int8 where another
 * engine's is int4; varchar against text): those are not mismatches a reader would notice.
 */
function family(oid: number): number {
  switch (oid) {
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return OID.int8;
    case OID.float4:
    case OID.float8:
      return OID.float8;
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.text:
      return OID.text;
    default:
      return oid;
  }
}

/** A value as text for hashing: floats to `digits` significant digits (the configured tolerance). */
function canonical(v: PgValue, digits: number): string {
  if (v === null) return '\u0000N';
  if (typeof v === 'number') return Number.isInteger(v) ? `i${v}` : `f${v.toPrecision(digits)}`;
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'string') {
    // numeric arrives as exact decimal text; trailing zeros differ between engines (12.50 vs 12.5).
    if (/^-?\d+\.\d+$/.test(v)) return `d${v.replace(/0+$/, '').replace(/\.$/, '')}`;
    return `s${v}`;
  }
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return `o${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))}`;
}

const MASK = (1n << 64n) - 1n;

/** Digests batches as they come; `tolerance` is the relative float tolerance (1e-9 → 9 significant digits). */
export class DigestBuilder {
  private rows = 0;
  private sum = 0n;
  private readonly digits: number;

  constructor(
    private readonly columns: readonly ColumnInfo[],
    tolerance: number,
  ) {
    this.digits = Math.max(1, Math.min(17, Math.round(-Math.log10(tolerance))));
  }

  add(batch: RowBatch): void {
    for (let r = 0; r < batch.rowCount; r++) {
      const h = createHash('sha256');
      for (let c = 0; c < batch.columns.length; c++) {
        h.update(canonical(batch.columns[c]![r] ?? null, this.digits));
        h.update('\u0001');
      }
      this.sum = (this.sum + h.digest().readBigUInt64BE(0)) & MASK;
    }
    this.rows += batch.rowCount;
  }

  digest(): ResultDigest {
    return { rows: this.rows, types: this.columns.map((c) => family(c.typeOid)), checksum: this.sum.toString(16).padStart(16, '0') };
  }
}

/** Why two digests differ, or null when they match. */
export function difference(a: ResultDigest, b: ResultDigest): string | null {
  if (a.rows !== b.rows) return `row count: ${a.rows} on the old engine, ${b.rows} on the new`;
  if (a.types.length !== b.types.length || a.types.some((t, i) => t !== b.types[i])) return `column types: [${a.types.join(', ')}] on the old engine, [${b.types.join(', ')}] on the new`;
  if (a.checksum !== b.checksum) return 'rows: the same count, different values';
  return null;
}
