/**
 * What DuckDB 1.5 reads from one file, replayed: the bytes that reach `read()`/`pread()` (what
 * /proc/<pid>/io rchar counts). Two paths, measured with strace on the demo lake:
 *
 *  - cached reads go through DuckDB's external file cache (CachingFileHandle::Read, on by default): the
 *    footer (8 bytes, then the footer itself), bloom filters, and the 256-byte windows DuckDB reads ahead
 *    of each page header. Bytes already cached are not read again; a read that ends at most its own length
 *    (and at most 1 MiB) before a cached range is extended up to it (ShouldExpandToFillGap), which is why
 *    a bloom filter read often runs on to the footer;
 *  - direct reads bypass it: page payloads, and page headers read byte by byte when the row group's
 *    transport already holds a prefetch (after a bloom filter check).
 */
const MAX_GAP_FILL = 1 << 20;

/** First index in the ascending `xs` whose value is > x (`strict`) or >= x. */
function bound(xs: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? xs[mid]! > x : xs[mid]! >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class FileReadSim {
  /**
   * Cached ranges [starts[i], ends[i]). They may partially overlap (DuckDB keeps partial overlaps), but none
   * contains another: a read inside a cached range returns early, and the ranges inside a new one are
   * dropped. So starts and ends are both strictly increasing, and every lookup is a binary search (a
   * statement replays thousands of page reads per file).
   */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  bytes = 0;

  constructor(readonly size: number) {}

  /** A read through the external file cache. */
  cached(start: number, length: number): void {
    if (length <= 0) return;
    const end = start + length;
    const { starts, ends } = this;
    // The range starting last at or before `start` reaches furthest of those: it alone can contain the read.
    const before = bound(starts, start, true);
    if (before > 0 && ends[before - 1]! >= end) return;
    const next = bound(starts, end, false);
    let readEnd = end;
    if (next < starts.length) {
      const gap = starts[next]! - end;
      if (gap <= MAX_GAP_FILL && gap <= length) readEnd = starts[next]!;
    }
    // Bytes of [start, readEnd) covered by the ranges overlapping the requested [start, end): [first, next).
    let covered = 0;
    let cursor = start;
    for (let i = bound(ends, start, true); i < next; i++) {
      const from = Math.max(starts[i]!, cursor);
      const to = Math.min(ends[i]!, readEnd);
      if (to > from) {
        covered += to - from;
        cursor = to;
      }
    }
    this.bytes += readEnd - start - covered;
    // Drop the ranges inside [start, readEnd), insert it in their place.
    const from = bound(starts, start, false);
    const to = Math.max(from, bound(ends, readEnd, true));
    starts.splice(from, to - from, start);
    ends.splice(from, to - from, readEnd);
  }

  /** A read that bypasses the cache. */
  direct(length: number): void {
    if (length > 0) this.bytes += length;
  }

  /** Is [start, start + length) already cached (as one range)? */
  isCached(start: number, length: number): boolean {
    const before = bound(this.starts, start, true);
    return before > 0 && this.ends[before - 1]! >= start + length;
  }
}

/** The simulations of one statement's reads, one per file, shared by all its table references. */
export class ReadSims {
  private readonly files = new Map<string, FileReadSim>();

  of(path: string, size: number): FileReadSim {
    let sim = this.files.get(path);
    if (sim === undefined || sim.size !== size) {
      sim = new FileReadSim(size);
      this.files.set(path, sim);
    }
    return sim;
  }
}
