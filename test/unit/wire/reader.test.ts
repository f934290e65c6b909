import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../src/errors/index.ts';
import { decodeFrontendMessage, decodeStartupPacket } from '../../../src/wire/frontend-messages.ts';
import { MessageReader, SSL_REQUEST_CODE, type Frame } from '../../../src/wire/reader.ts';
import { frame, i32, prng, sessionTranscript, u32 } from './helpers.ts';

/** Feeds `chunks` to a fresh reader, pulling frames as a session would; returns a readable log. */
function run(chunks: Buffer[]): string[] {
  const reader = new MessageReader();
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let f = reader.next(); f !== null; f = reader.next()) {
      out.push(describeFrame(f));
      if (f.kind === 'error') return out;
      if (f.kind === 'startup' && f.code !== SSL_REQUEST_CODE) reader.phase = 'typed';
    }
  }
  if (reader.buffered !== 0) out.push(`pending ${reader.buffered}`);
  return out;
}

function describeFrame(f: Frame): string {
  if (f.kind === 'error') return `error ${f.error.sqlstate} ${f.error.message}`;
  if (f.kind === 'startup') return JSON.stringify(decodeStartupPacket(f), replacer);
  return JSON.stringify(decodeFrontendMessage(f.type, f.body), replacer);
}

function replacer(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') return `<${Buffer.from((v as { data: number[] }).data).toString('hex')}>`;
  return v;
}

const transcript = sessionTranscript();
const whole = run([transcript]);

describe('MessageReader framing', () => {
  it('decodes a whole session transcript in one chunk', () => {
    assert.equal(whole.length, 24);
    assert.match(whole[0], /SSLRequest/);
    assert.match(whole[1], /"user":"alice".*"application_name":"Métabase"/);
    assert.match(whole[2], /AuthResponse/);
    assert.match(whole[4], /SELECT 'é', '日本'/);
    assert.match(whole[8], /"type":"Bind","portal":"p1","statement":"s1","paramFormats":\[0,0,1\],"params":\["<3432>",null,"<000102ff>"\],"resultFormats":\[1\]/);
    assert.match(whole[10], /"type":"Execute","portal":"p1","maxRows":100/);
    assert.match(whole[22], /"type":"FunctionCall","functionOid":1598,"argFormats":\[1\],"args":\["<00000007>",null\],"resultFormat":1/);
    assert.equal(whole[23], '{"type":"Terminate"}');
  });

  it('gives the same messages for every split of the transcript into two chunks', () => {
    for (let i = 1; i < transcript.length; i++) {
      assert.deepEqual(run([transcript.subarray(0, i), transcript.subarray(i)]), whole, `split at ${i}`);
    }
  });

  it('gives the same messages for every split into three chunks with the middle one up to 12 bytes', () => {
    // Every header (5 bytes) and every short body spread over three chunks, at every position.
    const n = transcript.length;
    for (let i = 1; i < n - 1; i++) {
      for (let j = i + 1; j < n && j <= i + 12; j++) {
        const got = run([transcript.subarray(0, i), transcript.subarray(i, j), transcript.subarray(j)]);
        if (got.length !== whole.length || got.some((g, k) => g !== whole[k])) {
          assert.deepEqual(got, whole, `split at ${i}, ${j}`);
        }
      }
    }
  });

  it('gives the same messages when fed one byte at a time, and when fed in random chunks', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < transcript.length; i++) bytes.push(transcript.subarray(i, i + 1));
    assert.deepEqual(run(bytes), whole);
    const rnd = prng(7);
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < transcript.length; ) {
        const n = 1 + Math.floor(rnd() * 40);
        chunks.push(transcript.subarray(pos, pos + n));
        pos += n;
      }
      assert.deepEqual(run(chunks), whole, `round ${round}`);
    }
  });

  it('handles many messages in one chunk, and a chunk boundary inside the 5-byte header', () => {
    const sync = frame('S');
    const many = Buffer.concat(Array.from({ length: 1000 }, () => sync));
    const reader = new MessageReader({ phase: 'typed' });
    reader.push(many.subarray(0, 4002));
    let count = 0;
    while (reader.next() !== null) count++;
    assert.equal(count, 800);
    assert.equal(reader.buffered, 2);
    reader.push(many.subarray(4002));
    while (reader.next() !== null) count++;
    assert.equal(count, 1000);
    assert.equal(reader.buffered, 0);
  });

  it('keeps handed-out bodies intact while later chunks arrive (no overwrite on compaction)', () => {
    const reader = new MessageReader({ phase: 'typed' });
    const expected: Buffer[] = [];
    const got: Buffer[] = [];
    const rnd = prng(3);
    const stream: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const body = Buffer.alloc(1 + Math.floor(rnd() * 3000));
      for (let k = 0; k < body.length; k++) body[k] = Math.floor(rnd() * 256);
      expected.push(body);
      stream.push(frame('d', body));
    }
    const all = Buffer.concat(stream);
    for (let pos = 0; pos < all.length; ) {
      const n = 1 + Math.floor(rnd() * 5000);
      // A copy, so that the test does not depend on the caller keeping its chunk untouched.
      reader.push(Buffer.from(all.subarray(pos, pos + n)));
      pos += n;
      for (let f = reader.next(); f !== null; f = reader.next()) {
        assert.equal(f.kind, 'message');
        if (f.kind === 'message') got.push(f.body);
      }
    }
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++) assert.ok(got[i].equals(expected[i]), `body ${i}`);
  });

  it('exposes the bytes buffered after an SSLRequest (unencrypted data before the handshake)', () => {
    const reader = new MessageReader();
    reader.push(Buffer.concat([frame(null, u32(SSL_REQUEST_CODE)), frame(null, u32(196608), Buffer.from('user\0x\0\0'))]));
    const f = reader.next();
    assert.equal(f?.kind, 'startup');
    assert.ok(reader.buffered > 0);
  });
});

describe('MessageReader limits', () => {
  function firstFrame(bytes: Buffer, opts: ConstructorParameters<typeof MessageReader>[0] = {}): Frame | null {
    const reader = new MessageReader(opts);
    reader.push(bytes);
    return reader.next();
  }
  function expectError(f: Frame | null, message: string): void {
    assert.ok(f && f.kind === 'error', `expected an error, got ${JSON.stringify(f)}`);
    assert.ok(f.error instanceof GatewayError);
    assert.equal(f.error.sqlstate, '08P01');
    assert.equal(f.error.severity, 'FATAL');
    assert.equal(f.error.message, message);
  }

  it('refuses startup packets shorter than 8 or longer than 10000 + 4 bytes', () => {
    expectError(firstFrame(Buffer.from([0, 0, 0, 7, 0, 0, 0])), 'invalid length of startup packet');
    expectError(firstFrame(Buffer.from([0, 0, 0, 0])), 'invalid length of startup packet');
    expectError(firstFrame(u32(10005)), 'invalid length of startup packet');
    // 10004 is PostgreSQL's largest: accepted (pending until the bytes arrive).
    assert.equal(firstFrame(u32(10004)), null);
    expectError(firstFrame(u32(200), { maxStartupPacketLength: 100 }), 'invalid length of startup packet');
  });

  it('refuses typed lengths below 4 and above the per-type maximum, from the header alone', () => {
    expectError(firstFrame(Buffer.from([0x51, 0, 0, 0, 3]), { phase: 'typed' }), 'invalid message length');
    // 2 GiB: refused after 5 bytes, nothing allocated.
    expectError(firstFrame(Buffer.from([0x51, 0x80, 0, 0, 0]), { phase: 'typed' }), 'invalid message length');
    expectError(firstFrame(Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]), { phase: 'typed' }), 'invalid message length');
    // Small types (Describe): 10000; 'p': 65535.
    expectError(firstFrame(Buffer.concat([Buffer.from('D'), u32(10001)]), { phase: 'typed' }), 'invalid message length');
    assert.equal(firstFrame(Buffer.concat([Buffer.from('D'), u32(10000)]), { phase: 'typed' }), null);
    expectError(firstFrame(Buffer.concat([Buffer.from('p'), u32(65536)]), { phase: 'typed' }), 'invalid message length');
    assert.equal(firstFrame(Buffer.concat([Buffer.from('Q'), u32(0x3ffffffe)]), { phase: 'typed' }), null);
    expectError(firstFrame(Buffer.concat([Buffer.from('Q'), u32(0x3fffffff)]), { phase: 'typed' }), 'invalid message length');
    expectError(firstFrame(Buffer.concat([Buffer.from('Q'), u32(1001)]), { phase: 'typed', maxMessageLength: 1000 }), 'invalid message length');
  });

  it('refuses an unknown type byte at once', () => {
    expectError(firstFrame(Buffer.from('Z'), { phase: 'typed' }), 'invalid frontend message type 90');
    expectError(firstFrame(Buffer.from([0]), { phase: 'typed' }), 'invalid frontend message type 0');
  });

  it('reports an error once, then stays failed: null, further chunks ignored', () => {
    const reader = new MessageReader({ phase: 'typed' });
    reader.push(Buffer.concat([frame('S'), Buffer.from('Z'), frame('S')]));
    assert.equal(reader.next()?.kind, 'message');
    assert.equal(reader.next()?.kind, 'error');
    assert.equal(reader.next(), null);
    reader.push(frame('S'));
    assert.equal(reader.next(), null);
    assert.equal(reader.hasFailed, true);
    assert.equal(reader.buffered, 0);
  });

  it('does not allocate what a header claims before the bytes arrive', () => {
    const reader = new MessageReader({ phase: 'typed' });
    const before = process.memoryUsage().arrayBuffers;
    reader.push(Buffer.concat([Buffer.from('Q'), u32(0x3ffffffe), Buffer.alloc(100)]));
    assert.equal(reader.next(), null);
    reader.push(Buffer.alloc(1000));
    assert.equal(reader.next(), null);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('reassembles a large message sent in 64 KiB chunks', () => {
    const query = 'SELECT ' + 'x'.repeat(5 * 1024 * 1024);
    const bytes = frame('Q', Buffer.from(query + '\0'));
    const reader = new MessageReader({ phase: 'typed' });
    let f: Frame | null = null;
    for (let pos = 0; pos < bytes.length; pos += 65536) {
      reader.push(bytes.subarray(pos, pos + 65536));
      f = reader.next() ?? f;
    }
    assert.ok(f && f.kind === 'message');
    const msg = decodeFrontendMessage(f.type, f.body);
    assert.equal(msg.type === 'Query' && msg.query.length, query.length);
  });
});

describe('MessageReader and decoders under random input', () => {
  /** Runs reader + decoders; anything thrown that is not a GatewayError fails the test. */
  function chew(chunks: Buffer[], phase: 'startup' | 'typed'): { frames: number; errors: number } {
    const reader = new MessageReader({ phase });
    let frames = 0;
    let errors = 0;
    for (const c of chunks) {
      reader.push(c);
      for (let f = reader.next(); f !== null; f = reader.next()) {
        if (f.kind === 'error') {
          errors++;
          assert.ok(f.error instanceof GatewayError);
          return { frames, errors };
        }
        frames++;
        try {
          if (f.kind === 'startup') {
            const p = decodeStartupPacket(f);
            if (p.type === 'StartupMessage') reader.phase = 'typed';
          } else decodeFrontendMessage(f.type, f.body);
        } catch (e) {
          assert.ok(e instanceof GatewayError, `non-GatewayError thrown: ${String(e)}`);
          errors++;
        }
      }
    }
    return { frames, errors };
  }

  function randomChunks(bytes: Buffer, rnd: () => number): Buffer[] {
    const chunks: Buffer[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const n = 1 + Math.floor(rnd() * 64);
      chunks.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    return chunks;
  }

  it('never throws on random bytes, in either phase', () => {
    const rnd = prng(42);
    for (let round = 0; round < 3000; round++) {
      const len = Math.floor(rnd() * 200);
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(rnd() * 256);
      // Make plausible headers common: a known type byte and a small length.
      if (len > 5 && rnd() < 0.7) {
        bytes[0] = 'QPBDECSHXpdcfF'.charCodeAt(Math.floor(rnd() * 14));
        bytes.writeUInt32BE(4 + Math.floor(rnd() * (len - 4)), 1);
      }
      assert.doesNotThrow(() => chew(randomChunks(bytes, rnd), round % 2 ? 'typed' : 'startup'));
    }
  });

  it('never throws on truncated or corrupted transcripts; a truncation alone is never an error', () => {
    const rnd = prng(1234);
    for (let round = 0; round < 2000; round++) {
      const cut = Math.floor(rnd() * transcript.length);
      const truncated = transcript.subarray(0, cut);
      const r = chew(randomChunks(truncated, rnd), 'startup');
      assert.equal(r.errors, 0, `truncation at ${cut}`);

      const corrupted = Buffer.from(transcript);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) corrupted[Math.floor(rnd() * corrupted.length)] = Math.floor(rnd() * 256);
      assert.doesNotThrow(() => chew(randomChunks(corrupted, rnd), 'startup'));
    }
  });

  it('never throws when message bodies of each type are cut short or padded', () => {
    const reader = new MessageReader();
    reader.push(transcript);
    const bodies: Array<[number, Buffer]> = [];
    for (let f = reader.next(); f !== null; f = reader.next()) {
      if (f.kind === 'startup' && f.code !== SSL_REQUEST_CODE) reader.phase = 'typed';
      else if (f.kind === 'message') bodies.push([f.type, f.body]);
    }
    assert.equal(bodies.length, 22);
    for (const [type, body] of bodies) {
      for (let cut = 0; cut <= body.length; cut++) {
        for (const b of [body.subarray(0, cut), Buffer.concat([body.subarray(0, cut), i32(-1)])]) {
          try {
            decodeFrontendMessage(type, b);
          } catch (e) {
            assert.ok(e instanceof GatewayError, `type ${String.fromCharCode(type)} cut ${cut}: ${String(e)}`);
          }
        }
      }
    }
  });
});
