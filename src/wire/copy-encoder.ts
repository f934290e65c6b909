import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import type { CopyOptions } from '../parser/index.ts';
import { textEncoder } from '../pgtypes/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type { OutputSettings } from './backend.ts';
import type { BackendWriter } from './backend-messages.ts';

/**
 * COPY TO STDOUT rows in PostgreSQL's text or CSV format, one CopyData message per row as PostgreSQL
 * sends them. Values are printed by the same text encoders as query results.
 */
export class CopyEncoder {
  private readonly encoders: Array<(v: PgValue) => string>;
  private readonly field: (s: string) => string;

  constructor(
    private readonly columns: readonly ColumnInfo[],
    private readonly o: CopyOptions,
    settings: OutputSettings,
  ) {
    this.encoders = columns.map((c) => textEncoder(c.typeOid, settings));
    this.field = o.format === 'csv' ? (s) => this.csvField(s) : (s) => this.textField(s);
  }

  /** The header line (CSV HEADER / text HEADER), or null. */
  header(): string | null {
    if (!this.o.header) return null;
    return this.columns.map((c) => this.field(c.name)).join(this.o.delimiter) + '\n';
  }

  write(w: BackendWriter, batch: RowBatch, from: number, to: number): void {
    const cols = batch.columns;
    const n = this.encoders.length;
    const d = this.o.delimiter;
    for (let r = from; r < to; r++) {
      let line = '';
      for (let c = 0; c < n; c++) {
        if (c > 0) line += d;
        const v = cols[c]![r];
        line += v === null || v === undefined ? this.nullText() : this.field(this.encoders[c]!(v));
      }
      w.copyData(line + '\n');
    }
  }

  private nullText(): string {
    return this.o.null;
  }

  /** Text format: backslash escapes for backslash, newline, CR, tab and the delimiter. */
  private textField(s: string): string {
    let out = '';
    let last = 0;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      let esc: string | null = null;
      if (ch === 92) esc = '\\\\';
      else if (ch === 10) esc = '\\n';
      else if (ch === 13) esc = '\\r';
      else if (ch === 9) esc = '\\t';
      else if (ch === 8) esc = '\\b';
      else if (ch === 12) esc = '\\f';
      else if (ch === 11) esc = '\\v';
      else if (s[i] === this.o.delimiter) esc = '\\' + this.o.delimiter;
      if (esc !== null) {
        out += s.slice(last, i) + esc;
        last = i + 1;
      }
    }
    return last === 0 ? s : out + s.slice(last);
  }

  /** CSV: quoted when it contains the delimiter, quote, CR or LF, or equals the NULL string (or is empty). */
  private csvField(s: string): string {
    const { delimiter, quote, escape } = this.o;
    const needs =
      s === this.o.null ||
      s.includes(delimiter) ||
      s.includes(quote) ||
      s.includes('\n') ||
      s.includes('\r') ||
      (s.length > 0 && s === '\\.');
    if (!needs) return s;
    let out = quote;
    for (const ch of s) out += ch === quote || ch === escape ? escape + ch : ch;
    return out + quote;
  }
}
