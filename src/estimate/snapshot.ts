/**
 * Table file snapshots: the files a table's glob names (in DuckDB's order), each with its size and mtime,
 * and a `version` that changes when any of them does: the table's data version, checked cheaply and not
 * per row.
 *
 * Revalidation (see README.md for the measurements behind it), one batch of stats, no listing:
 *  - on every get, every directory the listing depends on (listed by the glob, hive partition directories
 *    included, or looked into for a literal name): a file added, deleted or renamed into place changes its
 *    directory's mtime (and a directory replaced by another changes its inode), so while none changed, the
 *    list of names stands. Any change: the glob is listed again;
 *  - every file, when they were last checked `fileCheckMs` ago or more (0: on every get): a file
 *    overwritten in place keeps its directory's mtime, only its own size/mtime say so. Per-file stats are
 *    most of the cost of a large table, and callers differ in how late they may see an overwrite.
 *
 * Timestamps have a granularity (a kernel tick, a second on some file systems): a change in the same tick
 * as the last one leaves the mtime as it was. A directory modified within `racyMs` of being listed is
 * listed again on every check until it is older (like git's racily clean index entries), and a snapshot
 * with such a file or directory is not `settled`: its version may miss a change made in that tick.
 */
import { DirWatch } from './dir-watch.ts';
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { listGlob, nodeFs, type GlobFs } from './glob.ts';
import { mapLimit } from './limit.ts';

export interface SnapshotFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface TableSnapshot {
  pattern: string;
  /** In DuckDB's order (a view is bound to the first). */
  files: readonly SnapshotFile[];
  /** Hash of the (path, size, mtimeMs) of every file, sorted by path: the table's data version. */
  version: string;
  /**
   * False while a file or directory was modified within `racyMs` of being checked: a change in the same
   * timestamp tick may not show in the version yet. Results should not be cached under such a version.
   */
  settled: boolean;
}

export interface SnapshotOptions {
  /** readdir/stat (tests count the calls). */
  fs?: GlobFs;
  /** Timestamp granularity to allow for, ms (default 2000: file systems with 1 s or 2 s mtimes). */
  racyMs?: number;
  /** Default of get()'s `fileCheckMs` (default 0: every file is checked on every get). */
  fileCheckMs?: number;
  /** Clock (ms, the same epoch as mtimes). */
  now?: () => number;
}

/** What identifies a directory's state: its inode and mtime (null: missing). */
type DirState = { ino: number; mtimeMs: number } | null;

interface Entry {
  snapshot: TableSnapshot;
  /** The directories the listing depends on, as they were just before they were listed. */
  dirs: Map<string, DirState>;
  listedAt: number;
  /** When the files' sizes and mtimes were last taken. */
  filesCheckedAt: number;
  /** Watched: every directory of this listing is watched. */
  armed?: boolean;
  /** Watched: the watch generation before the check that made this entry (trusted while unchanged). */
  watchedFrom?: number;
}

/** Stats in flight at once (the libuv pool is shared with DuckDB's calls). */
const STAT_CONCURRENCY = 32;

export class FileSnapshots {
  private readonly entries = new Map<string, Entry>();
  private readonly watches = new Map<string, DirWatch>();
  private readonly fs: GlobFs;
  private readonly racyMs: number;
  private readonly fileCheckMs: number;
  private readonly now: () => number;

  constructor(opts: SnapshotOptions = {}) {
    this.fs = opts.fs ?? nodeFs;
    this.racyMs = opts.racyMs ?? 2000;
    this.fileCheckMs = opts.fileCheckMs ?? 0;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The files `pattern` (absolute, maybe a glob) names now. `fileCheckMs`: sizes and mtimes taken less than
   * this long ago are trusted (a file overwritten in place since then is seen that much later).
   */
  async get(pattern: string, opts: { fileCheckMs?: number; watched?: boolean } = {}): Promise<TableSnapshot> {
    const current = opts.watched ? this.current(pattern) : undefined;
    if (current) return current;
    const known = this.entries.get(pattern);
    const watch = opts.watched ? this.watchOf(pattern) : undefined;
    const generation = watch?.current();
    const start = this.now();
    const fileCheckMs = opts.fileCheckMs ?? this.fileCheckMs;
    const entry = (known !== undefined && (await this.revalidate(known, start, fileCheckMs))) || (await this.list(pattern, start));
    // Trusted next time only if every directory was watched before this check started: arming now
    // covers the next check; this one is trusted if the dirs were already armed (nothing new to arm).
    if (watch && generation !== undefined) {
      const existing = [...entry.dirs].filter(([, st]) => st !== null).map(([dir]) => dir);
      const wasArmed = known?.armed === true && existing.every((d) => known.dirs.has(d));
      const armed = watch.arm(existing);
      entry.armed = armed;
      if (armed && wasArmed) entry.watchedFrom = generation;
      else delete entry.watchedFrom;
    }
    this.entries.set(pattern, entry);
    return entry.snapshot;
  }

  /**
   * The snapshot of a watched `pattern` when it is known current without touching the filesystem: it is
   * settled and its directories reported nothing since its check began. Undefined otherwise (get() checks).
   */
  current(pattern: string): TableSnapshot | undefined {
    const known = this.entries.get(pattern);
    if (known?.watchedFrom === undefined || !known.snapshot.settled) return undefined;
    return this.watches.get(pattern)?.quietSince(known.watchedFrom) ? known.snapshot : undefined;
  }

  /** Stops every directory watch. */
  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private watchOf(pattern: string): DirWatch {
    let w = this.watches.get(pattern);
    if (!w) this.watches.set(pattern, (w = new DirWatch()));
    return w;
  }

  /** Forgets every snapshot (the next get lists again). */
  clear(): void {
    this.entries.clear();
  }

  private stat(file: string): Promise<Stats | null> {
    return this.fs.stat(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    });
  }

  /** The entry brought up to date without listing, or undefined when the glob must be listed again. */
  private async revalidate(entry: Entry, start: number, fileCheckMs: number): Promise<Entry | undefined> {
    const dirs = [...entry.dirs];
    const { files } = entry.snapshot;
    const checkFiles = start - entry.filesCheckedAt >= fileCheckMs;
    const [dirStats, fileStats] = await Promise.all([
      mapLimit(dirs, STAT_CONCURRENCY, ([dir]) => this.stat(dir)),
      checkFiles ? mapLimit(files, STAT_CONCURRENCY, (f) => this.stat(f.path)) : undefined,
    ]);
    const listingHolds = dirs.every(([, before], i) => {
      const now = dirStats[i]!;
      if (before === null || now === null) return before === now;
      return now.ino === before.ino && now.mtimeMs === before.mtimeMs && before.mtimeMs <= entry.listedAt - this.racyMs;
    });
    if (!listingHolds) return undefined;
    if (fileStats === undefined) return entry;
    // A file gone without its directory changing (or no longer a file): list again rather than guess.
    if (fileStats.some((s) => s === null || !s.isFile())) return undefined;
    let changed = false;
    const next = files.map((f, i) => {
      const s = fileStats[i]!;
      if (s.size === f.size && s.mtimeMs === f.mtimeMs) return f;
      changed = true;
      return { path: f.path, size: s.size, mtimeMs: s.mtimeMs };
    });
    const settled = this.isSettled(entry.dirs, next, entry.listedAt, start);
    const snapshot = changed || settled !== entry.snapshot.settled ? makeSnapshot(entry.snapshot.pattern, next, settled) : entry.snapshot;
    return { snapshot, dirs: entry.dirs, listedAt: entry.listedAt, filesCheckedAt: start };
  }

  private async list(pattern: string, start: number): Promise<Entry> {
    const listing = await listGlob(pattern, this.fs);
    const dirs = new Map<string, DirState>([...listing.dirs].map(([dir, s]) => [dir, s && { ino: s.ino, mtimeMs: s.mtimeMs }]));
    const stats = await mapLimit(listing.files, STAT_CONCURRENCY, (f) => this.stat(f));
    const files: SnapshotFile[] = [];
    listing.files.forEach((path, i) => {
      const s = stats[i];
      // Deleted since it was listed: its directory's mtime changed, so the next get lists again.
      if (s) files.push({ path, size: s.size, mtimeMs: s.mtimeMs });
    });
    const settled = this.isSettled(dirs, files, start, start);
    return { snapshot: makeSnapshot(pattern, files, settled), dirs, listedAt: start, filesCheckedAt: start };
  }

  private isSettled(dirs: ReadonlyMap<string, DirState>, files: readonly SnapshotFile[], listedAt: number, checkedAt: number): boolean {
    for (const s of dirs.values()) if (s !== null && s.mtimeMs > listedAt - this.racyMs) return false;
    return files.every((f) => f.mtimeMs <= checkedAt - this.racyMs);
  }
}

function makeSnapshot(pattern: string, files: SnapshotFile[], settled: boolean): TableSnapshot {
  return { pattern, files, version: snapshotVersion(files), settled };
}

/** Stable hash of the sorted (path, size, mtimeMs): equal for the same files whatever the listing order or process. */
export function snapshotVersion(files: readonly SnapshotFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
  return h.digest('hex').slice(0, 32);
}
