/** The read replay's bookkeeping (binary searches over non-nested ranges) against a plain list of ranges. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileReadSim } from '../../../src/estimate/sim.ts';

/** The first implementation: every read scans and re-sorts all ranges (quadratic, obviously right). */
class ReferenceSim {
  private ranges: Array<[number, number]> = [];
  bytes = 0;
  cached(start: number, length: number): void {
    if (length <= 0) return;
    const end = start + length;
    if (this.ranges.some(([s, e]) => s <= start && e >= end)) return;
    let readEnd = end;
    const next = this.ranges.find(([s]) => s >= end);
    if (next !== undefined) {
      const gap = next[0] - end;
      if (gap <= 1 << 20 && gap <= length) readEnd = next[0];
    }
    let covered = 0;
    let cursor = start;
    for (const [s, e] of this.ranges) {
      if (e <= start || s >= end) continue;
      const from = Math.max(s, cursor);
      const to = Math.min(e, readEnd);
      if (to > from) {
        covered += to - from;
        cursor = to;
      }
    }
    this.bytes += readEnd - start - covered;
    this.ranges = this.ranges.filter(([s, e]) => !(s >= start && e <= readEnd));
    this.ranges.push([start, readEnd]);
    this.ranges.sort((a, b) => a[0] - b[0]);
  }
  isCached(start: number, length: number): boolean {
    return this.ranges.some(([s, e]) => s <= start && e >= start + length);
  }
}

test('cached reads: the same bytes as the reference on random reads (overlaps, gap fills, nested)', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 500; round++) {
    // Small files: many overlaps; large ones: gap fills up to 1 MiB.
    const size = 1 + rnd(round % 2 === 0 ? 300 : 5_000_000);
    const sim = new FileReadSim(size);
    const ref = new ReferenceSim();
    for (let k = 0; k < 200; k++) {
      const start = rnd(size);
      const length = rnd(k % 5 === 0 ? 2_000_000 : 300) - 5;
      sim.cached(start, length);
      ref.cached(start, length);
      assert.equal(sim.bytes, ref.bytes, `round ${round}, read ${k}`);
      const q = rnd(size);
      const ql = rnd(400);
      assert.equal(sim.isCached(q, ql), ref.isCached(q, ql));
    }
  }
});

test('a footer read, page windows, a bloom filter extended to the next cached range', () => {
  const sim = new FileReadSim(10_000);
  sim.cached(9992, 8);
  sim.cached(9000, 992);
  assert.equal(sim.bytes, 1000);
  sim.cached(100, 256);
  sim.cached(300, 256); // overlaps the previous window: 200 new bytes
  assert.equal(sim.bytes, 1456);
  sim.cached(8500, 400); // 100 bytes short of the footer: read up to it
  assert.equal(sim.bytes, 1956);
  assert.equal(sim.isCached(8500, 500), true);
  assert.equal(sim.isCached(8500, 600), false); // cached, but as two ranges
  sim.cached(8600, 10); // inside a cached range
  assert.equal(sim.bytes, 1956);
});
