/**
 * Metadata of Parquet files, cached by path and checked against (size, mtime) on every use (its own stat,
 * or the file's entry in a table snapshot, snapshot.ts): a file that was replaced (another size or
 * modification time) is read again, a deleted one drops out of the cache (and a new file is simply a path
 * not seen before). Besides footers, an
 * entry keeps what the estimator read from the file body on demand: page headers of column chunks and
 * bloom filters, which are also only valid for that (size, mtime).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { parseBloomHeader } from './bloom.ts';
import { readFooter, readFully, type ParquetFooter } from './footer.ts';
import { matchesGlob } from './glob.ts';
import { readStruct, num, ThriftTruncatedError } from './thrift.ts';

export interface PageInfo {
  /** File offset of the page header. */
  offset: number;
  headerLength: number;
  compressedSize: number;
}

export interface CachedFile {
  path: string;
  size: number;
  mtimeMs: number;
  footer: ParquetFooter;
  /** Page layouts by `${rowGroup}:${leaf}`. */
  pages: Map<string, PageInfo[]>;
  /** Bloom filter bitsets by `${rowGroup}:${leaf}` (null: unreadable or unsupported). */
  blooms: Map<string, Uint8Array | null>;
}

export interface FooterCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because the file changed or disappeared. */
  invalidations: number;
}

export class FooterCache {
  private readonly entries = new Map<string, CachedFile>();
  /** The snapshot version of each glob when its unlisted files were last forgotten. */
  private readonly listed = new Map<string, string>();
  readonly stats: FooterCacheStats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(private readonly maxEntries = 20_000) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The file's metadata, read again when its size or mtime changed; undefined when it is gone. `known`: its
   * size and mtime as a table snapshot last saw them, enough for a hit; a miss reads the footer anyway, and
   * stats first, so that a snapshot a little late never has a footer read at the old size.
   */
  async get(path: string, known?: { size: number; mtimeMs: number }): Promise<CachedFile | undefined> {
    if (known !== undefined) {
      const hit = this.hit(path, known);
      if (hit !== undefined) return hit;
    }
    let s;
    try {
      s = await stat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        if (this.entries.delete(path)) this.stats.invalidations++;
        return undefined;
      }
      throw e;
    }
    const hit = this.hit(path, s);
    if (hit !== undefined) return hit;
    if (this.entries.delete(path)) this.stats.invalidations++;
    this.stats.misses++;
    const footer = await readFooter(path, s.size);
    const entry: CachedFile = { path, size: s.size, mtimeMs: s.mtimeMs, footer, pages: new Map(), blooms: new Map() };
    this.entries.set(path, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry;
  }

  private hit(path: string, s: { size: number; mtimeMs: number }): CachedFile | undefined {
    const hit = this.entries.get(path);
    if (hit === undefined || hit.size !== s.size || hit.mtimeMs !== s.mtimeMs) return undefined;
    this.stats.hits++;
    // Most recently used last.
    this.entries.delete(path);
    this.entries.set(path, hit);
    return hit;
  }

  /** Drops the entries `gone` says are of deleted files (those a glob matches but no longer lists). */
  forget(gone: (path: string) => boolean): void {
    for (const key of [...this.entries.keys()]) {
      if (gone(key)) {
        this.entries.delete(key);
        this.stats.invalidations++;
      }
    }
  }

  /**
   * Drops the entries of files `pattern` (a glob) matches but no longer lists; nothing to do while the
   * listing's `version` is the one last seen for it.
   */
  forgetUnlisted(pattern: string, files: readonly string[], version?: string): void {
    if (version !== undefined && this.listed.get(pattern) === version) return;
    const listed = new Set(files);
    this.forget((p) => !listed.has(p) && matchesGlob(p, pattern));
    if (version !== undefined) this.listed.set(pattern, version);
  }

  clear(): void {
    this.entries.clear();
    this.listed.clear();
  }
}

const HEADER_PROBE = 256;

/** Runs `fn` with the file open: the handle given, or one opened (and closed) for it. */
async function withHandle<T>(file: CachedFile, given: FileHandle | undefined, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
  if (given !== undefined) return fn(given);
  const fh = await open(file.path, 'r');
  try {
    return await fn(fh);
  } finally {
    await fh.close();
  }
}

/** The pages of one column chunk (row group `rg`, leaf `leaf`), from their headers; cached in the entry. */
export async function chunkPages(file: CachedFile, rg: number, leaf: number, handle?: FileHandle): Promise<PageInfo[]> {
  const key = `${rg}:${leaf}`;
  const known = file.pages.get(key);
  if (known) return known;
  const chunk = file.footer.rowGroups[rg]!.columns[leaf]!;
  const start = chunk.dictionaryPageOffset ?? chunk.dataPageOffset;
  const end = start + chunk.totalCompressedSize;
  const pages: PageInfo[] = [];
  await withHandle(file, handle, async (fh) => {
    let pos = start;
    while (pos < end) {
      let probe = HEADER_PROBE;
      for (;;) {
        const buf = new Uint8Array(Math.min(probe, file.size - pos));
        const got = await readFully(fh, buf, pos);
        try {
          const { value, end: headerLength } = readStruct(buf.subarray(0, got));
          const compressedSize = num(value, 3);
          if (compressedSize === undefined || compressedSize < 0) throw new Error('parquet: a page header without a size');
          pages.push({ offset: pos, headerLength, compressedSize });
          pos += headerLength + compressedSize;
          break;
        } catch (e) {
          if (!(e instanceof ThriftTruncatedError) || got < buf.length || probe >= 1 << 20) throw e;
          probe *= 4;
        }
      }
    }
  });
  file.pages.set(key, pages);
  return pages;
}

/** The bitset of the bloom filter of one chunk, or null when there is none DuckDB could use. */
export async function chunkBloom(file: CachedFile, rg: number, leaf: number, handle?: FileHandle): Promise<Uint8Array | null> {
  const key = `${rg}:${leaf}`;
  const known = file.blooms.get(key);
  if (known !== undefined) return known;
  const chunk = file.footer.rowGroups[rg]!.columns[leaf]!;
  let result: Uint8Array | null = null;
  const bloomOffset = chunk.bloomOffset;
  if (bloomOffset !== undefined) {
    result = await withHandle(file, handle, async (fh) => {
      const length = chunk.bloomLength ?? Math.min(HEADER_PROBE, file.size - bloomOffset);
      const buf = new Uint8Array(Math.min(length, file.size - bloomOffset));
      const got = await readFully(fh, buf, bloomOffset);
      const header = parseBloomHeader(buf.subarray(0, got));
      if (header === undefined) return null;
      if (header.headerLength + header.numBytes <= got) return buf.slice(header.headerLength, header.headerLength + header.numBytes);
      const bits = new Uint8Array(header.numBytes);
      const n = await readFully(fh, bits, bloomOffset + header.headerLength);
      return n === header.numBytes ? bits : null;
    });
  }
  file.blooms.set(key, result);
  return result;
}
