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

export class FileReadSim {
  /** Cached ranges [start, end), sorted by start; they may overlap (DuckDB keeps partial overlaps). */
  private ranges: Array<[number, number]> = [];
  bytes = 0;

  constructor(readonly size: number) {}

  /** A read through the external file cache. */
  cached(start: number, length: number): void {
    if (length <= 0) return;
    const end = start + length;
    if (this.ranges.some(([s, e]) => s <= start && e >= end)) return;
    let readEnd = end;
    const next = this.ranges.find(([s]) => s >= end);
    if (next !== undefined) {
      const gap = next[0] - end;
      if (gap <= MAX_GAP_FILL && gap <= length) readEnd = next[0];
    }
    // Bytes of [start, readEnd) not covered by a cached range overlapping the requested [start, end).
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

  /** A read that bypasses the cache. */
  direct(length: number): void {
    if (length > 0) this.bytes += length;
  }

  /** Is [start, start + length) already cached (as one range)? */
  isCached(start: number, length: number): boolean {
    return this.ranges.some(([s, e]) => s <= start && e >= start + length);
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
