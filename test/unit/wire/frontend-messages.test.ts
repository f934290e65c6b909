import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serialize } from 'pg-protocol';
import { GatewayError } from '../../../src/errors/index.ts';
import {
  checkBindParameterCount,
  checkResultFormats,
  decodeFrontendMessage,
  decodePasswordMessage,
  decodeSASLInitialResponse,
  decodeSASLResponse,
  decodeStartupPacket,
  decodeUtf8Strict,
  formatCodeAt,
  type BindMessage,
} from '../../../src/wire/frontend-messages.ts';
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE } from '../../../src/wire/reader.ts';
import { cstr, i16, i32, u32 } from './helpers.ts';

const t = (c: string): number => c.charCodeAt(0);

/** Asserts that `fn` throws a GatewayError with this SQLSTATE and message. */
function throwsPg(fn: () => unknown, sqlstate: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GatewayError, `not a GatewayError: ${String(e)}`);
    assert.equal(e.sqlstate, sqlstate);
    assert.equal(e.message, message);
    return true;
  });
}

/** The body of a message built by pg-protocol's serializer (what node-postgres sends). */
function bodyOf(msg: Buffer): Buffer {
  return msg.subarray(5);
}

const bind = (pf: number[], params: (Buffer | null)[], rf: number[]): Buffer =>
  Buffer.concat([
    cstr('portal'),
    cstr('stmt'),
    i16(pf.length),
    ...pf.map(i16),
    i16(params.length),
    ...params.map((p) => (p === null ? i32(-1) : Buffer.concat([i32(p.length), p]))),
    i16(rf.length),
    ...rf.map(i16),
  ]);

describe('frontend message decoding', () => {
  it('decodes what node-postgres sends', () => {
    assert.deepEqual(decodeFrontendMessage(t('Q'), bodyOf(serialize.query('SELECT 1'))), { type: 'Query', query: 'SELECT 1' });
    assert.deepEqual(decodeFrontendMessage(t('P'), bodyOf(serialize.parse({ name: 'a', text: 'SELECT $1', types: [23, 4294967295] }))), {
      type: 'Parse',
      name: 'a',
      query: 'SELECT $1',
      paramTypes: [23, 4294967295],
    });
    assert.deepEqual(decodeFrontendMessage(t('D'), bodyOf(serialize.describe({ type: 'P', name: 'x' }))), { type: 'Describe', target: 'P', name: 'x' });
    assert.deepEqual(decodeFrontendMessage(t('C'), bodyOf(serialize.close({ type: 'S', name: '' }))), { type: 'Close', target: 'S', name: '' });
    assert.deepEqual(decodeFrontendMessage(t('E'), bodyOf(serialize.execute({ portal: 'x', rows: 5 }))), { type: 'Execute', portal: 'x', maxRows: 5 });
    assert.deepEqual(decodeFrontendMessage(t('E'), Buffer.concat([cstr(''), i32(-1)])), { type: 'Execute', portal: '', maxRows: -1 });
    assert.deepEqual(decodeFrontendMessage(t('S'), Buffer.alloc(0)), { type: 'Sync' });
    assert.deepEqual(decodeFrontendMessage(t('H'), Buffer.alloc(0)), { type: 'Flush' });
    assert.deepEqual(decodeFrontendMessage(t('X'), Buffer.alloc(0)), { type: 'Terminate' });
    assert.deepEqual(decodeFrontendMessage(t('c'), Buffer.alloc(0)), { type: 'CopyDone' });
    assert.deepEqual(decodeFrontendMessage(t('f'), cstr('oops')), { type: 'CopyFail', message: 'oops' });
    const data = Buffer.from('a\tb\n');
    const copy = decodeFrontendMessage(t('d'), data);
    assert.equal(copy.type === 'CopyData' && copy.data, data); // the same view, not a copy
  });

  it('decodes Bind: formats, NULLs, zero-copy parameter values', () => {
    const body = bind([1], [Buffer.from([0, 0, 0, 42]), null, Buffer.alloc(0)], [0, 1]);
    const m = decodeFrontendMessage(t('B'), body) as BindMessage;
    assert.equal(m.portal, 'portal');
    assert.equal(m.statement, 'stmt');
    assert.deepEqual(m.paramFormats, [1]);
    assert.deepEqual(m.params, [Buffer.from([0, 0, 0, 42]), null, Buffer.alloc(0)]);
    assert.deepEqual(m.resultFormats, [0, 1]);
    assert.equal(m.params[0]!.buffer, body.buffer); // a view into the message body
    assert.equal(formatCodeAt(m.paramFormats, 2), 1);
    assert.equal(formatCodeAt([], 2), 0);
    assert.equal(formatCodeAt([0, 1], 1), 1);
  });

  it('refuses malformed bodies with PostgreSQL 15 SQLSTATEs and messages', () => {
    // Each case was checked against a PostgreSQL 15 server.
    throwsPg(() => decodeFrontendMessage(t('S'), Buffer.from([1])), '08P01', 'invalid message format');
    throwsPg(() => decodeFrontendMessage(t('H'), Buffer.from([1])), '08P01', 'invalid message format');
    throwsPg(() => decodeFrontendMessage(t('B'), bind([2], [Buffer.from('a')], [])), '22023', 'unsupported format code: 2');
    throwsPg(() => decodeFrontendMessage(t('B'), bind([], [Buffer.from('a')], [5])), '22023', 'unsupported format code: 5');
    throwsPg(() => decodeFrontendMessage(t('B'), bind([], [], [-1])), '22023', 'unsupported format code: -1');
    throwsPg(() => decodeFrontendMessage(t('B'), bind([0, 0], [Buffer.from('a')], [])), '08P01', 'bind message has 2 parameter formats but 1 parameters');
    throwsPg(
      () => decodeFrontendMessage(t('B'), Buffer.concat([cstr(''), cstr(''), i16(0), i16(1), i32(-2), i16(0)])),
      '08P01',
      'insufficient data left in message',
    );
    throwsPg(
      () => decodeFrontendMessage(t('B'), Buffer.concat([cstr(''), cstr(''), i16(0), i16(1), i32(5), Buffer.from('abc'), i16(0)])),
      '08P01',
      'insufficient data left in message',
    );
    throwsPg(() => decodeFrontendMessage(t('B'), Buffer.concat([cstr(''), cstr(''), i16(0), i16(0), i16(0), Buffer.from([0])])), '08P01', 'invalid message format');
    // 65535 parameters announced, none there: refused before allocating.
    throwsPg(() => decodeFrontendMessage(t('B'), Buffer.concat([cstr(''), cstr(''), i16(0), Buffer.from([0xff, 0xff])])), '08P01', 'insufficient data left in message');
    throwsPg(() => decodeFrontendMessage(t('P'), Buffer.concat([cstr(''), cstr('select 1'), i16(2), i32(23)])), '08P01', 'insufficient data left in message');
    throwsPg(() => decodeFrontendMessage(t('P'), Buffer.concat([cstr(''), cstr('select 1')])), '08P01', 'insufficient data left in message');
    throwsPg(() => decodeFrontendMessage(t('Q'), Buffer.from('select 1')), '08P01', 'invalid string in message');
    throwsPg(() => decodeFrontendMessage(t('Q'), Buffer.from('select 1\0x')), '08P01', 'invalid message format');
    throwsPg(() => decodeFrontendMessage(t('Q'), Buffer.alloc(0)), '08P01', 'invalid string in message');
    throwsPg(() => decodeFrontendMessage(t('D'), Buffer.concat([Buffer.from('X'), cstr('')])), '08P01', 'invalid DESCRIBE message subtype 88');
    throwsPg(() => decodeFrontendMessage(t('D'), Buffer.alloc(0)), '08P01', 'no data left in message');
    throwsPg(() => decodeFrontendMessage(t('C'), Buffer.concat([Buffer.from('X'), cstr('')])), '08P01', 'invalid CLOSE message subtype 88');
    throwsPg(() => decodeFrontendMessage(t('E'), Buffer.concat([cstr(''), Buffer.from([0, 0])])), '08P01', 'insufficient data left in message');
    throwsPg(() => decodeFrontendMessage(t('Z'), Buffer.alloc(0)), '08P01', 'invalid frontend message type 90');
    throwsPg(() => decodeFrontendMessage(t('F'), Buffer.concat([u32(1), i16(2), i16(0), i16(0), i16(1), i32(0), i16(0)])), '08P01', 'function call message contains 2 argument formats but 1 arguments');
    throwsPg(() => decodeFrontendMessage(t('F'), Buffer.concat([u32(1), i16(0), i16(1), i32(-5), i16(0)])), '08P01', 'invalid argument size -5 in function call message');
  });

  it('refuses strings that are not UTF-8 with 22021 and the offending bytes, as PostgreSQL prints them', () => {
    const q = (bytes: number[]) => () => decodeFrontendMessage(t('Q'), Buffer.from([0x73, ...bytes, 0]));
    throwsPg(q([0xc3, 0x28, 0x61]), '22021', 'invalid byte sequence for encoding "UTF8": 0xc3 0x28');
    throwsPg(q([0xe2, 0x82]), '22021', 'invalid byte sequence for encoding "UTF8": 0xe2 0x82');
    throwsPg(q([0xf0, 0x9f, 0x98, 0x41, 0x41]), '22021', 'invalid byte sequence for encoding "UTF8": 0xf0 0x9f 0x98 0x41');
    throwsPg(q([0x80, 0x41]), '22021', 'invalid byte sequence for encoding "UTF8": 0x80');
    throwsPg(q([0xed, 0xa0, 0x80]), '22021', 'invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80'); // surrogate
    throwsPg(q([0xc0, 0xaf]), '22021', 'invalid byte sequence for encoding "UTF8": 0xc0 0xaf'); // overlong
    throwsPg(q([0xf4, 0x90, 0x80, 0x80]), '22021', 'invalid byte sequence for encoding "UTF8": 0xf4 0x90 0x80 0x80'); // > U+10FFFF
    throwsPg(() => decodeFrontendMessage(t('P'), Buffer.concat([Buffer.from([0xff, 0]), cstr('x'), i16(0)])), '22021', 'invalid byte sequence for encoding "UTF8": 0xff');
    assert.equal(decodeUtf8Strict(Buffer.from('añ日😀'), 0, Buffer.byteLength('añ日😀')), 'añ日😀');
  });

  it('checks result format and parameter counts against the statement (session helpers)', () => {
    checkResultFormats([], 3);
    checkResultFormats([1], 3);
    checkResultFormats([0, 1, 0], 3);
    throwsPg(() => checkResultFormats([0, 0], 1), '08P01', 'bind message has 2 result formats but query has 1 columns');
    const m = decodeFrontendMessage(t('B'), bind([], [], [])) as BindMessage;
    throwsPg(() => checkBindParameterCount(m, 1), '08P01', 'bind message supplies 0 parameters, but prepared statement "stmt" requires 1');
    // ERROR, not FATAL, as in PostgreSQL: the client may go on.
    assert.throws(() => checkBindParameterCount(m, 1), (e: { severity?: string }) => e.severity === 'ERROR');
  });
});

describe('authentication messages', () => {
  it('decodes PasswordMessage', () => {
    assert.deepEqual(decodePasswordMessage(bodyOf(serialize.password('sécret'))).password, Buffer.from('sécret'));
    throwsPg(() => decodePasswordMessage(Buffer.from('abc')), '08P01', 'invalid password packet size');
    throwsPg(() => decodePasswordMessage(Buffer.from('ab\0c\0')), '08P01', 'invalid password packet size');
  });

  it('decodes SASLInitialResponse and SASLResponse', () => {
    assert.deepEqual(decodeSASLInitialResponse(bodyOf(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=*,r=abc'))), {
      mechanism: 'SCRAM-SHA-256',
      data: Buffer.from('n,,n=*,r=abc'),
    });
    assert.deepEqual(decodeSASLInitialResponse(Buffer.concat([cstr('SCRAM-SHA-256'), i32(-1)])), { mechanism: 'SCRAM-SHA-256', data: null });
    throwsPg(() => decodeSASLInitialResponse(Buffer.from('SCRAM')), '08P01', 'invalid string in message');
    throwsPg(() => decodeSASLInitialResponse(Buffer.concat([cstr('SCRAM-SHA-256'), i32(10), Buffer.from('abc')])), '08P01', 'insufficient data left in message');
    throwsPg(() => decodeSASLInitialResponse(Buffer.concat([cstr('SCRAM-SHA-256'), i32(1), Buffer.from('ab')])), '08P01', 'invalid message format');
    const data = Buffer.from('c=biws,r=x,p=y');
    assert.equal(decodeSASLResponse(data).data, data);
  });
});

describe('startup packets', () => {
  const packet = (code: number, body: Buffer = Buffer.alloc(0)) => ({ code, body });

  it('decodes StartupMessage parameters and protocol options', () => {
    const raw = serialize.startup({ user: 'bob', database: 'db', application_name: 'Tableau ✓' });
    const m = decodeStartupPacket(packet(raw.readUInt32BE(4), raw.subarray(8)));
    assert.equal(m.type, 'StartupMessage');
    if (m.type !== 'StartupMessage') return;
    assert.equal(m.majorVersion, 3);
    assert.equal(m.minorVersion, 0);
    assert.deepEqual({ ...m.parameters }, { user: 'bob', database: 'db', application_name: 'Tableau ✓', client_encoding: 'UTF8' });

    const m2 = decodeStartupPacket(packet(0x30002, Buffer.from('user\0x\0_pq_.foo\0bar\0__proto__\0y\0\0')));
    assert.ok(m2.type === 'StartupMessage');
    if (m2.type !== 'StartupMessage') return;
    assert.equal(m2.minorVersion, 2);
    assert.deepEqual(m2.protocolOptions, ['_pq_.foo']);
    assert.equal(m2.parameters.user, 'x');
    assert.equal(Object.getPrototypeOf(m2.parameters), null);
    assert.equal(m2.parameters['__proto__'], 'y');
  });

  it('refuses bad layouts and other major versions', () => {
    const bad = 'invalid startup packet layout: expected terminator as last byte';
    throwsPg(() => decodeStartupPacket(packet(196608, Buffer.alloc(0))), '08P01', bad);
    throwsPg(() => decodeStartupPacket(packet(196608, Buffer.from('user\0x\0'))), '08P01', bad);
    throwsPg(() => decodeStartupPacket(packet(196608, Buffer.from('user\0x\0\0\0'))), '08P01', bad);
    throwsPg(() => decodeStartupPacket(packet(196608, Buffer.from('user\0\0'))), '08P01', bad);
    throwsPg(() => decodeStartupPacket(packet(196608, Buffer.from('user'))), '08P01', bad);
    assert.deepEqual({ ...(decodeStartupPacket(packet(196608, Buffer.from('\0'))) as { parameters: object }).parameters }, {});
    throwsPg(() => decodeStartupPacket(packet(0x20000, Buffer.from('\0'))), '0A000', 'unsupported frontend protocol 2.0: server supports 3.0 to 3.0');
    throwsPg(() => decodeStartupPacket(packet(1234, Buffer.from('\0'))), '0A000', 'unsupported frontend protocol 0.1234: server supports 3.0 to 3.0');
  });

  it('decodes SSLRequest, GSSENCRequest and CancelRequest', () => {
    assert.deepEqual(decodeStartupPacket(packet(SSL_REQUEST_CODE)), { type: 'SSLRequest' });
    assert.deepEqual(decodeStartupPacket(packet(GSSENC_REQUEST_CODE)), { type: 'GSSENCRequest' });
    const cancel = serialize.cancel(4242, -559038737);
    assert.equal(cancel.readUInt32BE(4), CANCEL_REQUEST_CODE);
    assert.deepEqual(decodeStartupPacket(packet(CANCEL_REQUEST_CODE, cancel.subarray(8))), {
      type: 'CancelRequest',
      processId: 4242,
      secretKey: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    });
    throwsPg(() => decodeStartupPacket(packet(CANCEL_REQUEST_CODE, Buffer.alloc(6))), '08P01', 'invalid length of startup packet');
    throwsPg(() => decodeStartupPacket(packet(SSL_REQUEST_CODE, Buffer.alloc(1))), '08P01', 'invalid length of startup packet');
  });
});
