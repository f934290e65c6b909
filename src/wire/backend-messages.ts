import { GatewayError } from '../errors/index.ts';
import { BufferWriter, writeUtf8 } from './writer.ts';

/**
 * Backend (server → client) messages: a BufferWriter with one method per message, plus pre-built
 * Buffers for the fixed ones. Typical use:
 *
 *   const w = new BackendWriter();
 *   w.rowDescription(fields);
 *   for (const row of rows) { w.dataRow(row); if (w.length >= 65536) socket.write(w.flush()); }
 *   w.commandComplete('SELECT 2');
 *   w.readyForQuery('I');
 *   socket.write(w.flush());
 */

/** Backend message type bytes. */
export const BackendType = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  FunctionCallResponse: 0x56, // 'V'
  NegotiateProtocolVersion: 0x76, // 'v'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

/** Authentication request codes (the int32 after 'R'). */
export const AuthCode = {
  Ok: 0,
  CleartextPassword: 3,
  MD5Password: 5,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;

export type TransactionStatusByte = 'I' | 'T' | 'E';

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  /** OID of the table the column comes from, or 0. */
  tableOid?: number;
  /** Attribute number of the column in that table, or 0. */
  columnAttr?: number;
  typeOid: number;
  /** pg_type.typlen: 4 for int4, 8 for float8, -1 for varlena types, -2 for cstring. Default -1. */
  typlen?: number;
  /** pg_attribute.atttypmod; -1 when none (the default). */
  typmod?: number;
  /** 0 = text (default), 1 = binary. */
  format?: 0 | 1;
}

export type ErrorSeverity = 'ERROR' | 'FATAL' | 'PANIC';
export type NoticeSeverity = 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** The fields of ErrorResponse / NoticeResponse (PostgreSQL protocol "Error and Notice Message Fields"). */
export interface NoticeFields {
  /** 'S' and 'V' (tollgate does not localize, so both carry the same text). */
  severity: ErrorSeverity | NoticeSeverity;
  /** 'C': SQLSTATE. */
  code: string;
  /** 'M'. */
  message: string;
  /** 'D'. */
  detail?: string;
  /** 'H'. */
  hint?: string;
  /** 'P': 1-based character position in the query string. */
  position?: number;
  /** 'p'. */
  internalPosition?: number;
  /** 'q'. */
  internalQuery?: string;
  /** 'W'. */
  where?: string;
  /** 's'. */
  schema?: string;
  /** 't'. */
  table?: string;
  /** 'c'. */
  column?: string;
  /** 'd'. */
  dataType?: string;
  /** 'n'. */
  constraint?: string;
  /** 'F'. */
  file?: string;
  /** 'L'. */
  line?: number;
  /** 'R'. */
  routine?: string;
}

/** The ErrorResponse fields of a GatewayError (severity from the error table: ERROR or FATAL). */
export function errorFields(e: GatewayError): NoticeFields {
  const f: NoticeFields = { severity: e.severity, code: e.sqlstate, message: e.message };
  if (e.detail !== undefined) f.detail = e.detail;
  if (e.hint !== undefined) f.hint = e.hint;
  if (e.position !== undefined) f.position = e.position;
  return f;
}

/** How dataRowsColumnar writes a column's values. */
export const ValueKind = { Int: 0, Text: 1, Encoded: 2, Float8: 3 } as const;

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
const EXACT_LIMIT = 2 ** 50;

/**
 * float8 in PostgreSQL's shortest text form, written in place, for the common doubles that read back
 * from m / 10^k with |m| < 2^50 and k <= 6 (prices, ratios, measurements). For those, m with k decimals
 * (trailing zeros dropped) is the unique shortest round-trip form: an ulp is then below 10^-k / 2, and
 * any other decimal of k or fewer places is at least 10^-k away, so it cannot read back as the same
 * double; nor can such a decimal sit exactly between two doubles (it has at most 50 significant bits),
 * so PostgreSQL's exclusion of interval ends never applies. Returns the byte count, or -1 when the value
 * needs the general algorithm.
 */
export function writeShortFloat8(buf: Buffer, v: number, offset: number): number {
  const a = v < 0 ? -v : v;
  // PostgreSQL prints fixed notation in [1e-4, 1e15); zero and the rest go the general way (-0, exponents).
  if (!(a >= 1e-4 && a < 1e15)) return -1;
  for (let k = 0; k <= 6; k++) {
    let p = POW10[k]!;
    let m = a * p;
    if (m >= EXACT_LIMIT) return -1;
    if (m === Math.floor(m) && m / p === a) {
      // a * 10^k may round to an integer only at a larger k than the shortest form needs (47.2974 is
      // found as 4729740 / 10^5): drop trailing zeros, the same number with fewer places.
      while (k > 0 && m === Math.floor(m / 10) * 10) {
        m /= 10;
        k--;
        p = POW10[k]!;
      }
      let pos = offset;
      if (v < 0) buf[pos++] = 45; // '-'
      if (k === 0) return pos - offset + writeIntDigits(buf, m, pos);
      const intPart = Math.floor(m / p);
      pos += writeIntDigits(buf, intPart, pos);
      buf[pos++] = 46; // '.'
      let frac = (m - intPart * p) | 0; // < 10^6
      for (let i = pos + k - 1; i >= pos; i--) {
        const q = (frac / 10) | 0;
        buf[i] = 48 + frac - q * 10;
        frac = q;
      }
      return pos + k - offset;
    }
  }
  return -1;
}

/**
 * Writes an integer (|v| < 2^53) as ASCII digits at `offset`; returns the byte count (at most 17).
 * The result hot path prints int2/int4 this way, with no string per value.
 */
export function writeIntDigits(buf: Buffer, v: number, offset: number): number {
  let pos = offset;
  let n = v;
  if (n < 0) {
    buf[pos++] = 45; // '-'
    n = -n;
  }
  if (n < 2147483648) {
    // 32-bit integer arithmetic: V8 keeps it in registers (double modulo would call into C).
    let x = n | 0;
    let digits = 1;
    for (let t = x; t >= 10; t = (t / 10) | 0) digits++;
    const end = pos + digits;
    for (let i = end - 1; i >= pos; i--) {
      const q = (x / 10) | 0;
      buf[i] = 48 + x - q * 10;
      x = q;
    }
    return end - offset;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  const end = pos + digits;
  for (let i = end - 1; i >= pos; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 48 + (n - q * 10);
    n = q;
  }
  return end - offset;
}

/** Writes a big-endian int32 length at `at` (DataRow fields and message lengths on the hot path). */
function putLength(buf: Buffer, at: number, n: number): void {
  buf[at] = n >>> 24;
  buf[at + 1] = (n >>> 16) & 0xff;
  buf[at + 2] = (n >>> 8) & 0xff;
  buf[at + 3] = n & 0xff;
}

/** Writes one DataRow field (length word, then the value) at `pos`; returns the position after it. */
function putField(buf: Buffer, pos: number, v: EncodedValue): number {
  if (v === null) {
    putLength(buf, pos, -1);
    return pos + 4;
  }
  let len: number;
  if (typeof v === 'string') len = writeUtf8(buf, v, pos + 4);
  else {
    len = v.length;
    if (len <= 16) for (let k = 0; k < len; k++) buf[pos + 4 + k] = v[k]!;
    else buf.set(v, pos + 4);
  }
  putLength(buf, pos, len);
  return pos + 4 + len;
}

/** Starts a DataRow of `n` fields at `start`; the caller writes the fields from start + 7. */
function putRowHeader(buf: Buffer, start: number, n: number): void {
  buf[start] = 0x44; // 'D'
  buf[start + 5] = n >>> 8;
  buf[start + 6] = n & 0xff;
}

/** A value of a DataRow, already encoded: null is SQL NULL, a string is written as UTF-8 text. */
export type EncodedValue = string | Uint8Array | null;

/** Strings longer than this get an exact Buffer.byteLength instead of the 3-bytes-per-unit bound. */
const EXACT_LENGTH_THRESHOLD = 4096;

export class BackendWriter extends BufferWriter {
  // --- Authentication and startup --------------------------------------------------------------

  authenticationOk(): void {
    this.raw(Prebuilt.authenticationOk);
  }

  authenticationCleartextPassword(): void {
    this.raw(Prebuilt.authenticationCleartextPassword);
  }

  authenticationMD5Password(salt: Uint8Array): void {
    this.begin(BackendType.Authentication);
    this.int32(AuthCode.MD5Password);
    this.bytes(salt);
    this.end();
  }

  /** AuthenticationSASL with the mechanisms offered, e.g. ScramExchange#mechanisms. */
  authenticationSASL(mechanisms: readonly string[]): void {
    this.begin(BackendType.Authentication);
    this.int32(AuthCode.SASL);
    for (const m of mechanisms) this.cstring(m);
    this.int8(0);
    this.end();
  }

  authenticationSASLContinue(data: Uint8Array): void {
    this.begin(BackendType.Authentication);
    this.int32(AuthCode.SASLContinue);
    this.bytes(data);
    this.end();
  }

  authenticationSASLFinal(data: Uint8Array): void {
    this.begin(BackendType.Authentication);
    this.int32(AuthCode.SASLFinal);
    this.bytes(data);
    this.end();
  }

  parameterStatus(name: string, value: string): void {
    this.begin(BackendType.ParameterStatus);
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  /** BackendKeyData: the secret key is an int32 in protocol 3.0 (bytes from 3.2). */
  backendKeyData(processId: number, secretKey: number | Uint8Array): void {
    this.begin(BackendType.BackendKeyData);
    this.int32(processId);
    if (typeof secretKey === 'number') this.int32(secretKey);
    else this.bytes(secretKey);
    this.end();
  }

  /** NegotiateProtocolVersion: newest minor version supported, and the protocol options not recognized. */
  negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: readonly string[]): void {
    this.begin(BackendType.NegotiateProtocolVersion);
    this.int32(newestMinor);
    this.int32(unrecognizedOptions.length);
    for (const o of unrecognizedOptions) this.cstring(o);
    this.end();
  }

  readyForQuery(status: TransactionStatusByte): void {
    this.raw(status === 'I' ? Prebuilt.readyForQueryIdle : status === 'T' ? Prebuilt.readyForQueryInTransaction : Prebuilt.readyForQueryFailed);
  }

  // --- Results ---------------------------------------------------------------------------------

  rowDescription(fields: readonly FieldDescription[]): void {
    this.begin(BackendType.RowDescription);
    this.int16(fields.length);
    for (const f of fields) {
      this.cstring(f.name);
      this.uint32(f.tableOid ?? 0);
      this.int16(f.columnAttr ?? 0);
      this.uint32(f.typeOid);
      this.int16(f.typlen ?? -1);
      this.int32(f.typmod ?? -1);
      this.int16(f.format ?? 0);
    }
    this.end();
  }

  /**
   * DataRow from already-encoded values (the hot path). One bounds check per row; strings are written
   * in place as UTF-8.
   */
  dataRow(values: readonly EncodedValue[]): void {
    const n = values.length;
    let max = 7;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null) max += 4;
      else if (typeof v === 'string') max += 4 + (v.length > EXACT_LENGTH_THRESHOLD ? Buffer.byteLength(v) : v.length * 3);
      else max += 4 + v.length;
    }
    if (this.buf.length - this.pos < max) this.grow(max);
    const buf = this.buf;
    const start = this.pos;
    putRowHeader(buf, start, n);
    let pos = start + 7;
    for (let i = 0; i < n; i++) pos = putField(buf, pos, values[i]!);
    putLength(buf, start + 1, pos - start - 1);
    this.pos = pos;
  }

  /**
   * DataRow written value by value (for encoders that go column by column through a batch and do not
   * want an array per row): beginDataRow(n), then exactly n of textValue / bytesValue / nullValue /
   * int16Value / int32Value / int64Value / float64Value, then endDataRow().
   */
  beginDataRow(columnCount: number): void {
    this.begin(BackendType.DataRow);
    this.int16(columnCount);
  }

  textValue(s: string): void {
    const max = 4 + (s.length > EXACT_LENGTH_THRESHOLD ? Buffer.byteLength(s) : s.length * 3);
    if (this.buf.length - this.pos < max) this.grow(max);
    const buf = this.buf;
    const pos = this.pos;
    const len = writeUtf8(buf, s, pos + 4);
    buf[pos] = len >>> 24;
    buf[pos + 1] = (len >>> 16) & 0xff;
    buf[pos + 2] = (len >>> 8) & 0xff;
    buf[pos + 3] = len & 0xff;
    this.pos = pos + 4 + len;
  }

  /**
   * DataRows for rows [from, to) of a column-major batch: the result hot path. Each column has a kind,
   * chosen once per result: ValueKind.Int (a number printed as digits), ValueKind.Text (a string written
   * as is), or ValueKind.Encoded (encoders[c] turns the value into a string or bytes). One capacity
   * check per row, no call per value for the first two kinds.
   */
  dataRowsColumnar(
    columns: ReadonlyArray<ArrayLike<unknown>>,
    kinds: Uint8Array,
    encoders: ReadonlyArray<((v: never) => string | Uint8Array) | null>,
    from: number,
    to: number,
  ): void {
    const n = kinds.length;
    const scratch: Array<string | Uint8Array | null> = new Array(n);
    for (let r = from; r < to; r++) {
      // First pass: encode what needs encoding and bound the row's size.
      let max = 7;
      for (let c = 0; c < n; c++) {
        const v = columns[c]![r];
        if (v === null || v === undefined) {
          scratch[c] = null;
          max += 4;
          continue;
        }
        const kind = kinds[c];
        if (kind === ValueKind.Int) {
          max += 4 + 17;
          continue;
        }
        if (kind === ValueKind.Float8) {
          // Room for the in-place form (sign, 16 digits, point); the general form is encoded if needed.
          scratch[c] = null;
          max += 4 + 24;
          continue;
        }
        const e = kind === ValueKind.Text ? (v as string) : encoders[c]!(v as never);
        scratch[c] = e;
        max += 4 + (typeof e === 'string' ? (e.length > EXACT_LENGTH_THRESHOLD ? Buffer.byteLength(e) : e.length * 3) : e.length);
      }
      if (this.buf.length - this.pos < max) this.grow(max);
      const buf = this.buf;
      const start = this.pos;
      putRowHeader(buf, start, n);
      let pos = start + 7;
      for (let c = 0; c < n; c++) {
        const kind = kinds[c];
        const v = columns[c]![r];
        if (v === null || v === undefined || kind === ValueKind.Text || kind === ValueKind.Encoded) {
          pos = putField(buf, pos, v === null || v === undefined ? null : scratch[c]!);
          continue;
        }
        let len = kind === ValueKind.Int ? writeIntDigits(buf, v as number, pos + 4) : writeShortFloat8(buf, v as number, pos + 4);
        if (len < 0) len = writeUtf8(buf, (encoders[c]! as (x: number) => string)(v as number), pos + 4);
        putLength(buf, pos, len);
        pos += 4 + len;
      }
      putLength(buf, start + 1, pos - start - 1);
      this.pos = pos;
    }
  }

  bytesValue(b: Uint8Array): void {
    this.int32(b.length);
    this.bytes(b);
  }

  nullValue(): void {
    if (this.buf.length - this.pos < 4) this.grow(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = 0xff;
    buf[pos + 1] = 0xff;
    buf[pos + 2] = 0xff;
    buf[pos + 3] = 0xff;
    this.pos = pos + 4;
  }

  /** Binary int2 value (length word + 2 bytes). */
  int16Value(v: number): void {
    this.ensure(6);
    this.buf.writeInt32BE(2, this.pos);
    this.buf.writeInt16BE(v, this.pos + 4);
    this.pos += 6;
  }

  /** Binary int4 value. */
  int32Value(v: number): void {
    this.ensure(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(v, this.pos + 4);
    this.pos += 8;
  }

  /** Binary int8 value. */
  int64Value(v: bigint): void {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeBigInt64BE(v, this.pos + 4);
    this.pos += 12;
  }

  /** Binary float8 value. */
  float64Value(v: number): void {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(v, this.pos + 4);
    this.pos += 12;
  }

  endDataRow(): void {
    this.end();
  }

  commandComplete(tag: string): void {
    this.begin(BackendType.CommandComplete);
    this.cstring(tag);
    this.end();
  }

  emptyQueryResponse(): void {
    this.raw(Prebuilt.emptyQueryResponse);
  }

  // --- Extended query --------------------------------------------------------------------------

  parseComplete(): void {
    this.raw(Prebuilt.parseComplete);
  }

  bindComplete(): void {
    this.raw(Prebuilt.bindComplete);
  }

  closeComplete(): void {
    this.raw(Prebuilt.closeComplete);
  }

  noData(): void {
    this.raw(Prebuilt.noData);
  }

  portalSuspended(): void {
    this.raw(Prebuilt.portalSuspended);
  }

  parameterDescription(typeOids: readonly number[]): void {
    this.begin(BackendType.ParameterDescription);
    this.int16(typeOids.length);
    for (const oid of typeOids) this.uint32(oid);
    this.end();
  }

  // --- Errors and notices ----------------------------------------------------------------------

  /** ErrorResponse from explicit fields or from a GatewayError (see errorFields). */
  errorResponse(error: NoticeFields | GatewayError): void {
    this.noticeLike(BackendType.ErrorResponse, error instanceof GatewayError ? errorFields(error) : error);
  }

  noticeResponse(fields: NoticeFields): void {
    this.noticeLike(BackendType.NoticeResponse, fields);
  }

  private noticeLike(type: number, f: NoticeFields): void {
    this.begin(type);
    this.field(0x53, f.severity); // S
    this.field(0x56, f.severity); // V
    this.field(0x43, f.code); // C
    this.field(0x4d, f.message); // M
    if (f.detail !== undefined) this.field(0x44, f.detail); // D
    if (f.hint !== undefined) this.field(0x48, f.hint); // H
    if (f.position !== undefined) this.field(0x50, String(f.position)); // P
    if (f.internalPosition !== undefined) this.field(0x70, String(f.internalPosition)); // p
    if (f.internalQuery !== undefined) this.field(0x71, f.internalQuery); // q
    if (f.where !== undefined) this.field(0x57, f.where); // W
    if (f.schema !== undefined) this.field(0x73, f.schema); // s
    if (f.table !== undefined) this.field(0x74, f.table); // t
    if (f.column !== undefined) this.field(0x63, f.column); // c
    if (f.dataType !== undefined) this.field(0x64, f.dataType); // d
    if (f.constraint !== undefined) this.field(0x6e, f.constraint); // n
    if (f.file !== undefined) this.field(0x46, f.file); // F
    if (f.line !== undefined) this.field(0x4c, String(f.line)); // L
    if (f.routine !== undefined) this.field(0x52, f.routine); // R
    this.int8(0);
    this.end();
  }

  private field(code: number, value: string): void {
    this.int8(code);
    this.cstring(value);
  }

  notificationResponse(processId: number, channel: string, payload: string): void {
    this.begin(BackendType.NotificationResponse);
    this.int32(processId);
    this.cstring(channel);
    this.cstring(payload);
    this.end();
  }

  // --- COPY ------------------------------------------------------------------------------------

  /** CopyOutResponse: overall format (0 text, 1 binary) and one format per column. */
  copyOutResponse(format: 0 | 1, columnFormats: readonly (0 | 1)[]): void {
    this.copyResponse(BackendType.CopyOutResponse, format, columnFormats);
  }

  copyInResponse(format: 0 | 1, columnFormats: readonly (0 | 1)[]): void {
    this.copyResponse(BackendType.CopyInResponse, format, columnFormats);
  }

  private copyResponse(type: number, format: 0 | 1, columnFormats: readonly (0 | 1)[]): void {
    this.begin(type);
    this.int8(format);
    this.int16(columnFormats.length);
    for (const f of columnFormats) this.int16(f);
    this.end();
  }

  copyData(data: Uint8Array | string): void {
    this.begin(BackendType.CopyData);
    if (typeof data === 'string') this.string(data);
    else this.bytes(data);
    this.end();
  }

  copyDone(): void {
    this.raw(Prebuilt.copyDone);
  }

  // --- Fast path -------------------------------------------------------------------------------

  functionCallResponse(value: Uint8Array | null): void {
    this.begin(BackendType.FunctionCallResponse);
    if (value === null) this.int32(-1);
    else {
      this.int32(value.length);
      this.bytes(value);
    }
    this.end();
  }
}

function fixed(type: number, payload: number[] = []): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = type;
  b.writeUInt32BE(4 + payload.length, 1);
  for (let i = 0; i < payload.length; i++) b[5 + i] = payload[i];
  return b;
}

/**
 * Complete fixed messages, built once. Never write into them; `BackendWriter#raw` copies them, and they
 * can also be written to a socket directly.
 */
export const Prebuilt = Object.freeze({
  authenticationOk: fixed(BackendType.Authentication, [0, 0, 0, AuthCode.Ok]),
  authenticationCleartextPassword: fixed(BackendType.Authentication, [0, 0, 0, AuthCode.CleartextPassword]),
  parseComplete: fixed(BackendType.ParseComplete),
  bindComplete: fixed(BackendType.BindComplete),
  closeComplete: fixed(BackendType.CloseComplete),
  noData: fixed(BackendType.NoData),
  portalSuspended: fixed(BackendType.PortalSuspended),
  emptyQueryResponse: fixed(BackendType.EmptyQueryResponse),
  copyDone: fixed(BackendType.CopyDone),
  readyForQueryIdle: fixed(BackendType.ReadyForQuery, [0x49]),
  readyForQueryInTransaction: fixed(BackendType.ReadyForQuery, [0x54]),
  readyForQueryFailed: fixed(BackendType.ReadyForQuery, [0x45]),
  /** Single-byte answers to SSLRequest / GSSENCRequest (not framed messages). */
  sslAccepted: Buffer.from('S'),
  sslRefused: Buffer.from('N'),
});
