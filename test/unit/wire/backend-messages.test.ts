import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Parser } from 'pg-protocol/dist/parser.js';
import { GatewayError } from '../../../src/errors/index.ts';
import { BackendWriter, Prebuilt, errorFields } from '../../../src/wire/backend-messages.ts';
import { BufferWriter } from '../../../src/wire/writer.ts';
import { prng } from './helpers.ts';

/** Parses backend bytes with node-postgres's own parser (pg-protocol), as a client would. */
function clientParse(bytes: Buffer): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  new Parser().parse(bytes, (msg) => out.push(msg as unknown as Record<string, unknown>));
  return out;
}

/** DataRow values as raw bytes (pg-protocol decodes them as text, which would hide encoding bugs). */
function rawDataRows(bytes: Buffer): Array<Array<Buffer | null>> {
  const rows: Array<Array<Buffer | null>> = [];
  for (let pos = 0; pos < bytes.length; ) {
    const type = bytes[pos];
    const len = bytes.readUInt32BE(pos + 1);
    const body = bytes.subarray(pos + 5, pos + 1 + len);
    pos += 1 + len;
    if (type !== 0x44) continue;
    const n = body.readInt16BE(0);
    const row: Array<Buffer | null> = [];
    let p = 2;
    for (let i = 0; i < n; i++) {
      const l = body.readInt32BE(p);
      p += 4;
      if (l === -1) row.push(null);
      else {
        row.push(body.subarray(p, p + l));
        p += l;
      }
    }
    assert.equal(p, body.length, 'DataRow length');
    rows.push(row);
  }
  return rows;
}

describe('BufferWriter', () => {
  it('reserves the header and back-fills the length', () => {
    const w = new BufferWriter(64);
    w.begin(0x5a);
    w.int8(0x49);
    w.end();
    assert.deepEqual(w.flush(), Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
    assert.equal(w.flush().length, 0);
  });

  it('grows across many messages and hands out one Buffer per flush', () => {
    const w = new BufferWriter(64);
    for (let i = 0; i < 1000; i++) {
      w.begin(0x43);
      w.cstring(`SELECT ${i}`);
      w.end();
    }
    const msgs = clientParse(w.flush());
    assert.equal(msgs.length, 1000);
    assert.equal(msgs[999].text, 'SELECT 999');
  });

  it('never writes over a flushed Buffer', () => {
    const w = new BufferWriter(256);
    const flushed: Buffer[] = [];
    const expected: Buffer[] = [];
    const rnd = prng(9);
    for (let i = 0; i < 2000; i++) {
      const s = 'x'.repeat(Math.floor(rnd() * 300));
      w.begin(0x43);
      w.cstring(s);
      w.end();
      if (rnd() < 0.3) {
        const b = w.flush();
        flushed.push(b);
        expected.push(Buffer.from(b));
      }
    }
    for (let i = 0; i < flushed.length; i++) assert.ok(flushed[i].equals(expected[i]), `flush ${i}`);
  });

  it('drops NULs inside C strings (they would shift every later field)', () => {
    const w = new BackendWriter();
    w.commandComplete('SEL\0ECT 1');
    assert.equal(clientParse(w.flush())[0].text, 'SELECT 1');
  });

  it('discard() drops what was not flushed', () => {
    const w = new BackendWriter();
    w.commandComplete('A');
    const a = w.flush();
    w.commandComplete('B');
    w.discard();
    w.commandComplete('C');
    assert.deepEqual(clientParse(Buffer.concat([a, w.flush()])).map((m) => m.text), ['A', 'C']);
  });
});

describe('BackendWriter messages, read back by pg-protocol', () => {
  it('authentication, startup and status messages', () => {
    const w = new BackendWriter();
    w.authenticationSASL(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
    w.authenticationSASLContinue(Buffer.from('r=abc,s=c2FsdA==,i=4096'));
    w.authenticationSASLFinal(Buffer.from('v=xyz'));
    w.authenticationOk();
    w.authenticationCleartextPassword();
    w.authenticationMD5Password(Buffer.from([1, 2, 3, 4]));
    w.parameterStatus('server_version', '16.0 (tollgate)');
    w.backendKeyData(1234, -559038737);
    w.readyForQuery('I');
    w.readyForQuery('T');
    w.readyForQuery('E');
    const m = clientParse(w.flush());
    assert.deepEqual(
      m.map((x) => x.name),
      [
        'authenticationSASL',
        'authenticationSASLContinue',
        'authenticationSASLFinal',
        'authenticationOk',
        'authenticationCleartextPassword',
        'authenticationMD5Password',
        'parameterStatus',
        'backendKeyData',
        'readyForQuery',
        'readyForQuery',
        'readyForQuery',
      ],
    );
    assert.deepEqual(m[0].mechanisms, ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
    assert.equal(m[1].data, 'r=abc,s=c2FsdA==,i=4096');
    assert.equal(m[2].data, 'v=xyz');
    assert.deepEqual(m[5].salt, Buffer.from([1, 2, 3, 4]));
    assert.equal(m[6].parameterName, 'server_version');
    assert.equal(m[6].parameterValue, '16.0 (tollgate)');
    assert.equal(m[7].processID, 1234);
    assert.equal(m[7].secretKey, -559038737);
    assert.deepEqual(m.slice(8).map((x) => x.status), ['I', 'T', 'E']);
  });

  it('RowDescription, DataRow, CommandComplete and the extended-protocol acknowledgements', () => {
    const w = new BackendWriter();
    w.parseComplete();
    w.parameterDescription([23, 25, 4294967295]);
    w.bindComplete();
    w.rowDescription([
      { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typlen: 4, typmod: -1, format: 0 },
      { name: 'prix €', typeOid: 1700, typmod: (10 << 16) + 2 + 4 },
      { name: 'blob', typeOid: 17, format: 1 },
    ]);
    w.dataRow(['1', '12.50', Buffer.from([0xde, 0xad])]);
    w.dataRow([null, 'ünïcödé ✓ 😀', new Uint8Array(0)]);
    w.portalSuspended();
    w.commandComplete('SELECT 2');
    w.noData();
    w.emptyQueryResponse();
    w.closeComplete();
    const bytes = w.flush();
    const m = clientParse(bytes);
    assert.deepEqual(
      m.map((x) => x.name),
      ['parseComplete', 'parameterDescription', 'bindComplete', 'rowDescription', 'dataRow', 'dataRow', 'portalSuspended', 'commandComplete', 'noData', 'emptyQuery', 'closeComplete'],
    );
    assert.deepEqual(m[1].dataTypeIDs, [23, 25, 4294967295]);
    const fields = m[3].fields as Array<Record<string, unknown>>;
    assert.deepEqual({ ...fields[0] }, { name: 'id', tableID: 16384, columnID: 1, dataTypeID: 23, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' });
    assert.deepEqual({ ...fields[1] }, { name: 'prix €', tableID: 0, columnID: 0, dataTypeID: 1700, dataTypeSize: -1, dataTypeModifier: 655366, format: 'text' });
    assert.equal(fields[2].format, 'binary');
    assert.deepEqual(m[4].fields, ['1', '12.50', Buffer.from([0xde, 0xad]).toString()]);
    assert.deepEqual(m[5].fields, [null, 'ünïcödé ✓ 😀', '']);
    assert.deepEqual(rawDataRows(bytes), [
      [Buffer.from('1'), Buffer.from('12.50'), Buffer.from([0xde, 0xad])],
      [null, Buffer.from('ünïcödé ✓ 😀'), Buffer.alloc(0)],
    ]);
    assert.equal(m[7].text, 'SELECT 2');
  });

  it('DataRow writes strings of every size and script correctly (ASCII loop, utf8Write, exact length)', () => {
    const rnd = prng(5);
    const alphabet = ['a', 'Z', '0', ' ', 'é', 'ß', '€', '日', '😀', '\u0000', '\ud800'];
    const values: string[] = [];
    for (const len of [0, 1, 47, 48, 49, 100, 4095, 4096, 4097, 70000]) {
      for (let k = 0; k < 3; k++) {
        let s = '';
        while (s.length < len) s += k === 0 ? 'x' : alphabet[Math.floor(rnd() * alphabet.length)];
        values.push(s);
      }
    }
    const w = new BackendWriter(16);
    for (let i = 0; i < values.length; i += 3) w.dataRow(values.slice(i, i + 3));
    for (let i = 0; i < values.length; i += 3) {
      w.beginDataRow(3);
      for (const v of values.slice(i, i + 3)) w.textValue(v);
      w.endDataRow();
    }
    const rows = rawDataRows(w.flush());
    assert.equal(rows.length, (values.length / 3) * 2);
    const expected = values.map((v) => Buffer.from(v, 'utf8')); // lone surrogates → U+FFFD, like Buffer
    for (let r = 0; r < rows.length; r++) {
      const fields = rows[r] as Buffer[];
      for (let c = 0; c < 3; c++) assert.ok(fields[c].equals(expected[(r % (values.length / 3)) * 3 + c]), `row ${r} col ${c}`);
    }
  });

  it('DataRow value by value, with binary numbers', () => {
    const w = new BackendWriter();
    w.beginDataRow(6);
    w.int16Value(-2);
    w.int32Value(123456);
    w.int64Value(-(2n ** 62n));
    w.float64Value(0.1);
    w.nullValue();
    w.bytesValue(Buffer.from([9]));
    w.endDataRow();
    const [row] = rawDataRows(w.flush());
    const f = row as Buffer[];
    assert.equal(f[0].readInt16BE(), -2);
    assert.equal(f[1].readInt32BE(), 123456);
    assert.equal(f[2].readBigInt64BE(), -(2n ** 62n));
    assert.equal(f[3].readDoubleBE(), 0.1);
    assert.equal(f[4], null);
    assert.deepEqual(f[5], Buffer.from([9]));
  });

  it('ErrorResponse and NoticeResponse with every field', () => {
    const w = new BackendWriter();
    w.errorResponse({
      severity: 'ERROR',
      code: '42P01',
      message: 'relation "x" does not exist',
      detail: 'd',
      hint: 'h',
      position: 15,
      internalPosition: 3,
      internalQuery: 'iq',
      where: 'w',
      schema: 's',
      table: 't',
      column: 'c',
      dataType: 'dt',
      constraint: 'k',
      file: 'f.c',
      line: 42,
      routine: 'r',
    });
    w.errorResponse(new GatewayError('INVALID_PASSWORD', 'password authentication failed for user "bob"', { hint: 'check it' }));
    w.noticeResponse({ severity: 'WARNING', code: '01000', message: 'careful' });
    const [e, g, n] = clientParse(w.flush());
    assert.equal(e.name, 'error');
    const expected: Record<string, string> = {
      severity: 'ERROR',
      code: '42P01',
      message: 'relation "x" does not exist',
      detail: 'd',
      hint: 'h',
      position: '15',
      internalPosition: '3',
      internalQuery: 'iq',
      where: 'w',
      schema: 's',
      table: 't',
      column: 'c',
      dataType: 'dt',
      constraint: 'k',
      file: 'f.c',
      line: '42',
      routine: 'r',
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(e[k], v, k);
    assert.equal(g.severity, 'FATAL');
    assert.equal(g.code, '28P01');
    assert.equal(g.hint, 'check it');
    assert.equal(n.name, 'notice');
    assert.equal(n.severity, 'WARNING');
    assert.deepEqual(errorFields(new GatewayError('SYNTAX_ERROR', 'syntax error at or near "x"', { position: 8 })), {
      severity: 'ERROR',
      code: '42601',
      message: 'syntax error at or near "x"',
      position: 8,
    });
  });

  it('NegotiateProtocolVersion, COPY, notification, function call response', () => {
    const w = new BackendWriter();
    w.negotiateProtocolVersion(0, ['_pq_.a', '_pq_.b']);
    const nego = w.flush();
    assert.deepEqual(nego, Buffer.concat([Buffer.from([0x76, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0, 2]), Buffer.from('_pq_.a\0_pq_.b\0')]));
    w.copyOutResponse(0, [0, 0]);
    w.copyInResponse(1, [1]);
    w.copyData('1\tone\n');
    w.copyData(Buffer.from([1, 2]));
    w.copyDone();
    w.notificationResponse(7, 'chan', 'payload');
    const m = clientParse(w.flush());
    assert.deepEqual(
      m.map((x) => x.name),
      ['copyOutResponse', 'copyInResponse', 'copyData', 'copyData', 'copyDone', 'notification'],
    );
    assert.equal(m[0].binary, false);
    assert.deepEqual(m[0].columnTypes, [0, 0]);
    assert.equal(m[1].binary, true);
    assert.deepEqual(m[2].chunk, Buffer.from('1\tone\n'));
    assert.equal(m[5].channel, 'chan');
    assert.equal(m[5].payload, 'payload');
    w.functionCallResponse(null);
    w.functionCallResponse(Buffer.from([1]));
    assert.deepEqual(w.flush(), Buffer.from([0x56, 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0x56, 0, 0, 0, 9, 0, 0, 0, 1, 1]));
  });

  it('pre-built fixed messages', () => {
    assert.deepEqual(Prebuilt.parseComplete, Buffer.from([0x31, 0, 0, 0, 4]));
    assert.deepEqual(Prebuilt.bindComplete, Buffer.from([0x32, 0, 0, 0, 4]));
    assert.deepEqual(Prebuilt.readyForQueryIdle, Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
    assert.deepEqual(Prebuilt.authenticationOk, Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
    assert.deepEqual(Prebuilt.sslRefused, Buffer.from('N'));
  });
});
