/** Texts longer than this are decoded every time (kept bytes would cost more memory than they save). */
const MAX_KEPT_BYTES = 8192;
/** Distinct texts kept, replaced round-robin. */
const SLOTS = 32;
/** Compared before the rest of a text of the same length. */
const TAIL_BYTES = 16;

/**
 * The last statement texts the clients sent, by their bytes: a text that arrives again (dashboards and
 * drivers send the same statements all day, Parse before every execution) is answered with the very
 * string it was decoded to before. The bytes are compared (length first, then memcmp) instead of
 * decoding and validating them again; and every session then hands the executor the same string
 * object, so each cache keyed by statement text finds it by pointer rather than by hashing and
 * comparing ~100-1000 characters (plans, analyses, cache decisions, the ledger's statement fields).
 */
export class StatementTexts {
  private readonly bytes: Buffer[] = [];
  private readonly texts: string[] = [];
  private next = 0;

  constructor(private readonly decode: (buf: Buffer, start: number, end: number) => string) {}

  text(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n === 0 || n > MAX_KEPT_BYTES) return this.decode(buf, start, end);
    const kept = this.bytes;
    // Same length, then the last bytes (where generated statements that differ by a literal usually
    // differ), then all of them: texts of one length never cost a full comparison each.
    const tail = Math.min(n, TAIL_BYTES);
    for (let i = 0; i < kept.length; i++) {
      const b = kept[i]!;
      if (b.length === n && buf.compare(b, n - tail, n, end - tail, end) === 0 && buf.compare(b, 0, n - tail, start, end - tail) === 0) return this.texts[i]!;
    }
    // Decoded (and validated) first: bytes that are not valid UTF-8 throw and are not kept.
    const text = this.decode(buf, start, end);
    const copy = Buffer.allocUnsafeSlow(n);
    buf.copy(copy, 0, start, end);
    kept[this.next] = copy;
    this.texts[this.next] = text;
    this.next = (this.next + 1) % SLOTS;
    return text;
  }
}
