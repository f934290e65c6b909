import { isUtf8 } from 'node:buffer';
import { GatewayError } from '../errors/index.ts';
import { StatementTexts } from './statement-texts.ts';
import {
  CANCEL_REQUEST_CODE,
  FrontendType,
  GSSENC_REQUEST_CODE,
  SSL_REQUEST_CODE,
} from './reader.ts';

/**
 * Decoders for frontend (client → server) messages, from the bodies framed by MessageReader.
 *
 * Validation is as strict as PostgreSQL's (pqformat.c, postgres.c, postmaster.c) and uses its wording:
 * a string without its NUL inside the body is 'invalid string in message', a count that runs past the end
 * 'insufficient data left in message', bytes left over 'invalid message format' (all 08P01); strings that
 * are not valid UTF-8 are 22021 'invalid byte sequence for encoding "UTF8": 0x..'; format codes other than
 * 0 and 1 are 22023 'unsupported format code: N' (PostgreSQL's SQLSTATE for that check). Wording and
 * SQLSTATEs were checked against PostgreSQL 15 (see the tests). Note that PostgreSQL reports a malformed body as an ERROR and carries on
 * (the framing is intact: the length was valid), whereas 08P01 is FATAL in tollgate's error table; the
 * session decides. Decoders throw GatewayError and nothing else.
 *
 * Byte payloads (Bind parameters, CopyData, SASL data) are zero-copy views into the read buffer; see
 * MessageReader for how long they stay valid (as long as they are referenced).
 */

/** 0 = text, 1 = binary. */
export type FormatCode = 0 | 1;

export interface QueryMessage {
  readonly type: 'Query';
  readonly query: string;
}
export interface ParseMessage {
  readonly type: 'Parse';
  /** Prepared statement name; '' is the unnamed statement. */
  readonly name: string;
  readonly query: string;
  /** Parameter type OIDs as sent (0 = unspecified); may be shorter than the number of $n. */
  readonly paramTypes: number[];
}
export interface BindMessage {
  readonly type: 'Bind';
  /** Portal name; '' is the unnamed portal. */
  readonly portal: string;
  readonly statement: string;
  /** Zero (all text), one (applies to all) or one per parameter; see formatCodeAt. */
  readonly paramFormats: FormatCode[];
  /** Parameter values; null is SQL NULL. Views into the read buffer. */
  readonly params: (Buffer | null)[];
  /** Zero (all text), one (applies to all) or one per result column; see checkResultFormats. */
  readonly resultFormats: FormatCode[];
}
export interface DescribeMessage {
  readonly type: 'Describe';
  /** 'S' = prepared statement, 'P' = portal. */
  readonly target: 'S' | 'P';
  readonly name: string;
}
export interface ExecuteMessage {
  readonly type: 'Execute';
  readonly portal: string;
  /** Row limit; 0 or negative means no limit (PostgreSQL treats max_rows <= 0 as FETCH_ALL). */
  readonly maxRows: number;
}
export interface CloseMessage {
  readonly type: 'Close';
  readonly target: 'S' | 'P';
  readonly name: string;
}
export interface SyncMessage {
  readonly type: 'Sync';
}
export interface FlushMessage {
  readonly type: 'Flush';
}
export interface TerminateMessage {
  readonly type: 'Terminate';
}
/**
 * A 'p' message. Which message it is depends on the authentication state: decode `data` with
 * decodePasswordMessage, decodeSASLInitialResponse or decodeSASLResponse.
 */
export interface AuthResponseMessage {
  readonly type: 'AuthResponse';
  readonly data: Buffer;
}
export interface CopyDataMessage {
  readonly type: 'CopyData';
  readonly data: Buffer;
}
export interface CopyDoneMessage {
  readonly type: 'CopyDone';
}
export interface CopyFailMessage {
  readonly type: 'CopyFail';
  readonly message: string;
}
export interface FunctionCallMessage {
  readonly type: 'FunctionCall';
  readonly functionOid: number;
  readonly argFormats: FormatCode[];
  readonly args: (Buffer | null)[];
  readonly resultFormat: FormatCode;
}

export type FrontendMessage =
  | QueryMessage
  | ParseMessage
  | BindMessage
  | DescribeMessage
  | ExecuteMessage
  | CloseMessage
  | SyncMessage
  | FlushMessage
  | TerminateMessage
  | AuthResponseMessage
  | CopyDataMessage
  | CopyDoneMessage
  | CopyFailMessage
  | FunctionCallMessage;

const SYNC: SyncMessage = Object.freeze({ type: 'Sync' });
const FLUSH: FlushMessage = Object.freeze({ type: 'Flush' });
const TERMINATE: TerminateMessage = Object.freeze({ type: 'Terminate' });
const COPY_DONE: CopyDoneMessage = Object.freeze({ type: 'CopyDone' });

function protocolViolation(message: string): GatewayError {
  return new GatewayError('PROTOCOL_VIOLATION', message);
}

/**
 * PostgreSQL's report_invalid_encoding for UTF8: the bytes of the first invalid sequence, as many as
 * its lead byte announces (at most 8 and at most what is left), as '0x%02x' separated by spaces.
 */
export function invalidUtf8Error(buf: Uint8Array, start: number, end: number): GatewayError {
  const bad = firstInvalidUtf8(buf, start, end);
  const at = bad < 0 ? start : bad;
  const lead = buf[at] ?? 0;
  const mblen = (lead & 0x80) === 0 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
  const n = Math.min(mblen, end - at, 8);
  const parts: string[] = [];
  for (let j = 0; j < n; j++) parts.push('0x' + buf[at + j].toString(16).padStart(2, '0'));
  return new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', `invalid byte sequence for encoding "UTF8": ${parts.join(' ')}`);
}

/**
 * Offset of the first byte that does not start a legal UTF-8 sequence (PostgreSQL's pg_utf8_islegal:
 * no overlong forms, no surrogates, nothing above U+10FFFF, no NUL), or -1 when all of [start, end) is legal.
 */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      if (b === 0) return i;
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > end) return i;
    const b1 = buf[i + 1];
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < n; k++) {
      const c = buf[i + k];
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += n;
  }
  return -1;
}

/** Decodes [start, end) as UTF-8, or throws 22021 as PostgreSQL does for an invalid byte sequence. */
export function decodeUtf8Strict(buf: Buffer, start: number, end: number): string {
  if (end === start) return '';
  // Fast path for ASCII-only short strings and for valid UTF-8 in general.
  if (isUtf8(buf.subarray(start, end))) return buf.toString('utf8', start, end);
  throw invalidUtf8Error(buf, start, end);
}

/** Shared by every session of this process: they send the same statements (see StatementTexts). */
const recentTexts = new StatementTexts(decodeUtf8Strict);

/** A cursor over one message body, throwing PostgreSQL's errors when the body is malformed. */
class BodyCursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw protocolViolation('no data left in message');
    return this.buf[this.pos++];
  }

  int16(): number {
    if (this.buf.length - this.pos < 2) throw protocolViolation('insufficient data left in message');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    if (this.buf.length - this.pos < 2) throw protocolViolation('insufficient data left in message');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (this.buf.length - this.pos < 4) throw protocolViolation('insufficient data left in message');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    if (this.buf.length - this.pos < 4) throw protocolViolation('insufficient data left in message');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    if (n < 0 || n > this.buf.length - this.pos) throw protocolViolation('insufficient data left in message');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A NUL-terminated string, validated as UTF-8 (pq_getmsgstring). */
  cstring(): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0) throw protocolViolation('invalid string in message');
    const s = decodeUtf8Strict(this.buf, this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  /** A statement's text: cstring(), decoded once per distinct recent text (StatementTexts). */
  statementText(): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0) throw protocolViolation('invalid string in message');
    const s = recentTexts.text(this.buf, this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  /** A NUL-terminated string without encoding checks (pq_getmsgrawstring); read as UTF-8, lossily. */
  rawCString(): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0) throw protocolViolation('invalid string in message');
    const s = this.buf.toString('utf8', this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  formatCode(): FormatCode {
    const f = this.int16();
    if (f !== 0 && f !== 1) throw new GatewayError('INVALID_PARAMETER_VALUE', `unsupported format code: ${f}`);
    return f;
  }

  formatCodes(): FormatCode[] {
    const n = this.uint16();
    if (n * 2 > this.remaining) throw protocolViolation('insufficient data left in message');
    const out = new Array<FormatCode>(n);
    for (let i = 0; i < n; i++) out[i] = this.formatCode();
    return out;
  }

  /** int32 length (-1 = NULL) then that many bytes. */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    return this.bytes(len);
  }

  end(): void {
    if (this.pos !== this.buf.length) throw protocolViolation('invalid message format');
  }
}

function decodeQuery(body: Buffer): QueryMessage {
  const c = new BodyCursor(body);
  const query = c.statementText();
  c.end();
  return { type: 'Query', query };
}

function decodeParse(body: Buffer): ParseMessage {
  const c = new BodyCursor(body);
  const name = c.cstring();
  const query = c.statementText();
  const n = c.uint16();
  if (n * 4 > c.remaining) throw protocolViolation('insufficient data left in message');
  const paramTypes = new Array<number>(n);
  for (let i = 0; i < n; i++) paramTypes[i] = c.uint32();
  c.end();
  return { type: 'Parse', name, query, paramTypes };
}

function decodeBind(body: Buffer): BindMessage {
  const c = new BodyCursor(body);
  const portal = c.cstring();
  const statement = c.cstring();
  const paramFormats = c.formatCodes();
  const n = c.uint16();
  if (paramFormats.length > 1 && paramFormats.length !== n) {
    throw protocolViolation(`bind message has ${paramFormats.length} parameter formats but ${n} parameters`);
  }
  // Each parameter takes at least its 4-byte length word: refuse absurd counts before allocating.
  if (n * 4 > c.remaining) throw protocolViolation('insufficient data left in message');
  const params = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) params[i] = c.nullableBytes();
  const resultFormats = c.formatCodes();
  c.end();
  return { type: 'Bind', portal, statement, paramFormats, params, resultFormats };
}

function decodeDescribeOrClose(body: Buffer, what: 'DESCRIBE' | 'CLOSE'): { target: 'S' | 'P'; name: string } {
  const c = new BodyCursor(body);
  const t = c.byte();
  if (t !== 0x53 && t !== 0x50) throw protocolViolation(`invalid ${what} message subtype ${t}`);
  const name = c.cstring();
  c.end();
  return { target: t === 0x53 ? 'S' : 'P', name };
}

function decodeExecute(body: Buffer): ExecuteMessage {
  const c = new BodyCursor(body);
  const portal = c.cstring();
  const maxRows = c.int32();
  c.end();
  return { type: 'Execute', portal, maxRows };
}

function decodeFunctionCall(body: Buffer): FunctionCallMessage {
  const c = new BodyCursor(body);
  const functionOid = c.uint32();
  const argFormats = c.formatCodes();
  const n = c.uint16();
  if (argFormats.length > 1 && argFormats.length !== n) {
    throw protocolViolation(`function call message contains ${argFormats.length} argument formats but ${n} arguments`);
  }
  if (n * 4 > c.remaining) throw protocolViolation('insufficient data left in message');
  const args = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) {
    const len = c.int32();
    if (len === -1) args[i] = null;
    else if (len < 0) throw protocolViolation(`invalid argument size ${len} in function call message`);
    else args[i] = c.bytes(len);
  }
  const resultFormat = c.formatCode();
  c.end();
  return { type: 'FunctionCall', functionOid, argFormats, args, resultFormat };
}

function emptyBody(body: Buffer): void {
  if (body.length !== 0) throw protocolViolation('invalid message format');
}

/**
 * Decodes one typed frontend message. `type` is the type byte from MessageReader (unknown types are
 * already refused there, but are checked again here). Throws GatewayError.
 */
export function decodeFrontendMessage(type: number, body: Buffer): FrontendMessage {
  switch (type) {
    case FrontendType.Query:
      return decodeQuery(body);
    case FrontendType.Parse:
      return decodeParse(body);
    case FrontendType.Bind:
      return decodeBind(body);
    case FrontendType.Describe:
      return { type: 'Describe', ...decodeDescribeOrClose(body, 'DESCRIBE') };
    case FrontendType.Execute:
      return decodeExecute(body);
    case FrontendType.Close:
      return { type: 'Close', ...decodeDescribeOrClose(body, 'CLOSE') };
    case FrontendType.Sync:
      emptyBody(body);
      return SYNC;
    case FrontendType.Flush:
      emptyBody(body);
      return FLUSH;
    case FrontendType.Terminate:
      // PostgreSQL does not look at Terminate's body; neither do we.
      return TERMINATE;
    case FrontendType.AuthResponse:
      return { type: 'AuthResponse', data: body };
    case FrontendType.CopyData:
      return { type: 'CopyData', data: body };
    case FrontendType.CopyDone:
      return COPY_DONE;
    case FrontendType.CopyFail: {
      const c = new BodyCursor(body);
      const message = c.cstring();
      c.end();
      return { type: 'CopyFail', message };
    }
    case FrontendType.FunctionCall:
      return decodeFunctionCall(body);
    default:
      throw protocolViolation(`invalid frontend message type ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// 'p' messages, decoded according to the authentication state.

/** PasswordMessage (cleartext or md5): the password bytes, without the NUL. */
export function decodePasswordMessage(body: Buffer): { password: Buffer } {
  const nul = body.indexOf(0);
  // PostgreSQL: strlen(buf.data) + 1 != buf.len → 'invalid password packet size'.
  if (nul < 0 || nul !== body.length - 1) throw protocolViolation('invalid password packet size');
  return { password: body.subarray(0, nul) };
}

/** SASLInitialResponse: the mechanism chosen and the initial client response (null when absent, length -1). */
export function decodeSASLInitialResponse(body: Buffer): { mechanism: string; data: Buffer | null } {
  const c = new BodyCursor(body);
  const mechanism = c.rawCString();
  const data = c.nullableBytes();
  c.end();
  return { mechanism, data };
}

/** SASLResponse: the whole body is the mechanism's data. */
export function decodeSASLResponse(body: Buffer): { data: Buffer } {
  return { data: body };
}

// ---------------------------------------------------------------------------------------------------
// Startup packets (untyped).

export interface StartupMessage {
  readonly type: 'StartupMessage';
  /** (major << 16) | minor. */
  readonly protocolVersion: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  /**
   * The parameters as sent (user, database, application_name, client_encoding, options, ...), in a
   * null-prototype object (a parameter named "__proto__" is just a key). Protocol options ('_pq_.*') are
   * not included; they are listed in protocolOptions.
   */
  readonly parameters: Record<string, string>;
  /** Names of '_pq_.' protocol options sent; none is supported, so they belong in NegotiateProtocolVersion. */
  readonly protocolOptions: string[];
}
export interface SSLRequest {
  readonly type: 'SSLRequest';
}
export interface GSSENCRequest {
  readonly type: 'GSSENCRequest';
}
export interface CancelRequest {
  readonly type: 'CancelRequest';
  readonly processId: number;
  /** 4 bytes in protocol 3.0 (up to 256 from protocol 3.2); compare with crypto.timingSafeEqual. */
  readonly secretKey: Buffer;
}
export type StartupPacket = StartupMessage | SSLRequest | GSSENCRequest | CancelRequest;

/** Newest protocol minor version tollgate speaks (3.0). */
export const SUPPORTED_MINOR_VERSION = 0;

/**
 * Decodes a startup-phase packet. Throws GatewayError: 0A000 'unsupported frontend protocol' for a major
 * version other than 3, 08P01 for a malformed packet. A 3.x request with x > 0 is accepted: the session
 * answers with NegotiateProtocolVersion (minor 0, plus protocolOptions) and carries on with 3.0.
 */
export function decodeStartupPacket(frame: { code: number; body: Buffer }): StartupPacket {
  const { code, body } = frame;
  switch (code) {
    case SSL_REQUEST_CODE:
    case GSSENC_REQUEST_CODE:
      if (body.length !== 0) throw protocolViolation('invalid length of startup packet');
      return code === SSL_REQUEST_CODE ? { type: 'SSLRequest' } : { type: 'GSSENCRequest' };
    case CANCEL_REQUEST_CODE: {
      // pid + secret key: 4 bytes in 3.0, up to 256 in 3.2.
      if (body.length < 8 || body.length > 4 + 256) throw protocolViolation('invalid length of startup packet');
      return { type: 'CancelRequest', processId: body.readInt32BE(0), secretKey: Buffer.from(body.subarray(4)) };
    }
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== 3) {
    throw new GatewayError(
      'UNSUPPORTED_PROTOCOL_VERSION',
      `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.${SUPPORTED_MINOR_VERSION}`,
    );
  }
  const parameters: Record<string, string> = Object.create(null) as Record<string, string>;
  const protocolOptions: string[] = [];
  // Pairs of NUL-terminated name and value, then one NUL that must be the last byte (postmaster.c).
  let pos = 0;
  const len = body.length;
  for (;;) {
    if (pos >= len) break;
    if (body[pos] === 0) break; // terminator
    const nameEnd = body.indexOf(0, pos);
    if (nameEnd < 0 || nameEnd + 1 >= len) break; // missing value; complained about below
    const valueEnd = body.indexOf(0, nameEnd + 1);
    if (valueEnd < 0) break;
    const name = decodeUtf8Strict(body, pos, nameEnd);
    const value = decodeUtf8Strict(body, nameEnd + 1, valueEnd);
    if (name.startsWith('_pq_.')) protocolOptions.push(name);
    else parameters[name] = value;
    pos = valueEnd + 1;
  }
  if (pos !== len - 1 || body[pos] !== 0) {
    throw protocolViolation('invalid startup packet layout: expected terminator as last byte');
  }
  return { type: 'StartupMessage', protocolVersion: code, majorVersion: major, minorVersion: minor, parameters, protocolOptions };
}

// ---------------------------------------------------------------------------------------------------
// Helpers for the session.

/** The format of parameter (or column) `i` given a format list of length 0, 1 or N. */
export function formatCodeAt(formats: readonly FormatCode[], i: number): FormatCode {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
}

/** PostgreSQL's check in PortalSetResultFormat: a result format list must have 0, 1 or `columns` entries. */
export function checkResultFormats(formats: readonly FormatCode[], columns: number): void {
  if (formats.length > 1 && formats.length !== columns) {
    // An ERROR in PostgreSQL (the session goes on), like every check of exec_bind_message.
    throw new GatewayError('MALFORMED_MESSAGE', `bind message has ${formats.length} result formats but query has ${columns} columns`);
  }
}

/** PostgreSQL's check in exec_bind_message: the number of parameters must match the statement's. */
export function checkBindParameterCount(bind: BindMessage, expected: number): void {
  if (bind.params.length !== expected) {
    throw new GatewayError(
      'MALFORMED_MESSAGE',
      `bind message supplies ${bind.params.length} parameters, but prepared statement "${bind.statement}" requires ${expected}`,
    );
  }
}
