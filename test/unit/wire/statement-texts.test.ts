import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeUtf8Strict } from '../../../src/wire/frontend-messages.ts';
import { StatementTexts } from '../../../src/wire/statement-texts.ts';

/** `text` at an offset inside a larger buffer, NUL-terminated, as it sits in a message body. */
function inBody(text: string | Buffer, before = 7): { buf: Buffer; start: number; end: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const buf = Buffer.concat([Buffer.alloc(before, 0x41), bytes, Buffer.from([0, 0x42, 0x43])]);
  return { buf, start: before, end: before + bytes.length };
}

describe('StatementTexts', () => {
  it('answers a text that arrives again with the string it decoded before, and decodes it only once', () => {
    let decoded = 0;
    const texts = new StatementTexts((b, s, e) => (decoded++, decodeUtf8Strict(b, s, e)));
    const sql = 'SELECT booking_month, count(*) FROM lake.bookings GROUP BY 1';
    const a = inBody(sql, 3);
    const b = inBody(sql, 11);
    const first = texts.text(a.buf, a.start, a.end);
    const again = texts.text(b.buf, b.start, b.end);
    assert.equal(first, sql);
    assert.equal(again, sql);
    assert.equal(decoded, 1);
    // The kept bytes are a copy: the message buffer being reused for other bytes changes nothing.
    a.buf.fill(0x20);
    const c = inBody(sql);
    assert.equal(texts.text(c.buf, c.start, c.end), sql);
    assert.equal(decoded, 1);
  });

  it('tells apart texts of the same length, and non-ASCII ones', () => {
    const texts = new StatementTexts(decodeUtf8Strict);
    const got = ['SELECT 1 AS a', 'SELECT 2 AS a', 'SELECT 1 AS b', "SELECT 'é' AS x", "SELECT 'è' AS x"].map((t) => {
      const m = inBody(t);
      return texts.text(m.buf, m.start, m.end);
    });
    assert.deepEqual(got, ['SELECT 1 AS a', 'SELECT 2 AS a', 'SELECT 1 AS b', "SELECT 'é' AS x", "SELECT 'è' AS x"]);
    const again = ['SELECT 2 AS a', "SELECT 'è' AS x"].map((t) => {
      const m = inBody(t);
      return texts.text(m.buf, m.start, m.end);
    });
    assert.deepEqual(again, ['SELECT 2 AS a', "SELECT 'è' AS x"]);
  });

  it('tells apart long texts of one length that differ only at the start, in the middle or at the end', () => {
    const texts = new StatementTexts(decodeUtf8Strict);
    const base = `SELECT ${'x, '.repeat(200)}1 FROM lake.bookings WHERE id = 1000001`;
    const variants = [base, `Z${base.slice(1)}`, `${base.slice(0, 300)}y${base.slice(301)}`, `${base.slice(0, -1)}2`];
    for (let round = 0; round < 2; round++)
      for (const t of variants) {
        const m = inBody(t);
        assert.equal(texts.text(m.buf, m.start, m.end), t);
      }
  });

  it('still rejects invalid UTF-8 every time (22021), and keeps nothing of it', () => {
    const texts = new StatementTexts(decodeUtf8Strict);
    const bad = inBody(Buffer.from([0x53, 0x45, 0xc3, 0x28, 0x4c]));
    for (let i = 0; i < 2; i++) assert.throws(() => texts.text(bad.buf, bad.start, bad.end), (e: { sqlstate?: string }) => e.sqlstate === '22021');
  });

  it('keeps a bounded number of texts: older ones are decoded again, and are still right', () => {
    let decoded = 0;
    const texts = new StatementTexts((b, s, e) => (decoded++, decodeUtf8Strict(b, s, e)));
    const sqls = Array.from({ length: 100 }, (_, i) => `SELECT ${i} AS n`);
    for (let round = 0; round < 2; round++)
      for (const sql of sqls) {
        const m = inBody(sql);
        assert.equal(texts.text(m.buf, m.start, m.end), sql);
      }
    assert.equal(decoded, 200, '100 texts cycling through 32 slots are never found');
    const empty = inBody('');
    assert.equal(texts.text(empty.buf, empty.start, empty.end), '');
  });
});
