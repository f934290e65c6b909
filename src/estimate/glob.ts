/**
 * Glob expansion the way DuckDB's local file system does it for read_parquet (Node 20 has no fs.glob):
 * `*` and `?` match within one path segment, `[abc]` / `[!abc]` / `[a-z]` match one character of a
 * class, `**` matches any number of directories (and, as the last segment, every file below). Hidden
 * files are not skipped. Order, which decides the file DuckDB binds a view to (the first one): entries of
 * a directory in byte order, the files of a directory before those of its subdirectories (what
 * `SELECT file FROM glob(...)` returns in DuckDB 1.5).
 */
import { stat as statCallback, type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The file system calls a listing makes (injectable: tests count them). */
export interface GlobFs {
  readdir(dir: string, opts: { withFileTypes: true }): Promise<Dirent[]>;
  stat(file: string): Promise<Stats>;
}

export const nodeFs: GlobFs = {
  readdir,
  // The callback form: measured about twice as fast as fs.promises.stat for 1,000 files at once.
  stat: (file) => new Promise((resolve, reject) => statCallback(file, (err, s) => (err ? reject(err) : resolve(s)))),
};

/** What a glob names, and the directories whose entries decided it (a listing stays valid while they are unchanged). */
export interface GlobListing {
  files: string[];
  /**
   * Every directory listed, or looked into for a literal name, with its stat taken just before (null: it is
   * missing). Stat first: a change made while it is listed then shows as a later mtime.
   */
  dirs: Map<string, Stats | null>;
}

const GLOB_CHARS = /[*?[]/;

export function hasGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** A regular expression matching one path segment against one glob segment. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, (m) => `\\${m}`);
    }
  }
  return new RegExp(`^${re}$`, 's');
}

/** Does `file` (absolute) match `pattern` (absolute)? For tests and for filtering known paths. */
export function matchesGlob(file: string, pattern: string): boolean {
  const f = file.split(path.sep).filter(Boolean);
  const p = pattern.split(path.sep).filter(Boolean);
  const match = (fi: number, pi: number): boolean => {
    if (pi === p.length) return fi === f.length;
    if (p[pi] === '**') {
      if (pi === p.length - 1) return fi < f.length;
      for (let k = fi; k < f.length; k++) if (match(k, pi + 1)) return true;
      return false;
    }
    return fi < f.length && segmentRegExp(p[pi]!).test(f[fi]!) && match(fi + 1, pi + 1);
  };
  return match(0, 0);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

interface Entry {
  name: string;
  dir: boolean;
  file: boolean;
}

async function list(dir: string, fs: GlobFs): Promise<Entry[]> {
  let names: Dirent[];
  try {
    names = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return [];
    throw e;
  }
  const out: Entry[] = [];
  for (const d of names) {
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      // DuckDB follows links (the connector's sandbox notes it).
      try {
        const s = await fs.stat(path.join(dir, d.name));
        isDir = s.isDirectory();
        isFile = s.isFile();
      } catch {
        continue;
      }
    }
    out.push({ name: d.name, dir: isDir, file: isFile });
  }
  return out.sort((a, b) => byteOrder(a.name, b.name));
}

/**
 * The files `pattern` (an absolute path, maybe with glob characters) names, in DuckDB's order. A
 * pattern without glob characters names itself when it is a file.
 */
export async function expandGlob(pattern: string, fs: GlobFs = nodeFs): Promise<string[]> {
  return (await walkGlob(pattern, fs, false)).files;
}

/** expandGlob, with the directories the answer depends on (see GlobListing). */
export function listGlob(pattern: string, fs: GlobFs = nodeFs): Promise<GlobListing> {
  return walkGlob(pattern, fs, true);
}

async function walkGlob(pattern: string, fs: GlobFs, statDirs: boolean): Promise<GlobListing> {
  const abs = path.resolve(pattern);
  if (!hasGlob(abs)) {
    const walker = new Walker(fs, statDirs);
    await walker.visit(path.dirname(abs));
    const listing: GlobListing = { files: [], dirs: walker.dirs };
    try {
      if ((await fs.stat(abs)).isFile()) listing.files.push(abs);
    } catch {
      /* missing */
    }
    return listing;
  }
  const segments = abs.split(path.sep).filter(Boolean);
  const firstGlob = segments.findIndex((s) => hasGlob(s));
  const base = path.sep + segments.slice(0, firstGlob).join(path.sep);
  const walker = new Walker(fs, statDirs);
  await walker.walk(base, segments.slice(firstGlob));
  return { files: walker.files, dirs: walker.dirs };
}

class Walker {
  readonly files: string[] = [];
  readonly dirs = new Map<string, Stats | null>();

  constructor(
    private readonly fs: GlobFs,
    private readonly statDirs: boolean,
  ) {}

  /** Records `dir` as one the listing depends on (with its stat, when asked for). */
  async visit(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    this.dirs.set(dir, this.statDirs ? await this.fs.stat(dir).catch(() => null) : null);
  }

  private async list(dir: string): Promise<Entry[]> {
    await this.visit(dir);
    return list(dir, this.fs);
  }

  async walk(dir: string, rest: readonly string[]): Promise<void> {
    const [seg, ...tail] = rest;
    if (seg === undefined) return;
    if (seg === '**') {
      const entries = await this.list(dir);
      if (tail.length === 0) {
        for (const e of entries) if (e.file) this.files.push(path.join(dir, e.name));
      } else {
        await this.walk(dir, tail);
      }
      for (const e of entries) if (e.dir) await this.walk(path.join(dir, e.name), rest);
      return;
    }
    if (!hasGlob(seg)) {
      const next = path.join(dir, seg);
      if (tail.length === 0) {
        // The file's presence is an entry of `dir`; a literal directory is recorded when it is listed.
        await this.visit(dir);
        try {
          if ((await this.fs.stat(next)).isFile()) this.files.push(next);
        } catch {
          /* missing */
        }
      } else {
        await this.walk(next, tail);
      }
      return;
    }
    const re = segmentRegExp(seg);
    for (const e of await this.list(dir)) {
      if (!re.test(e.name)) continue;
      if (tail.length === 0) {
        if (e.file) this.files.push(path.join(dir, e.name));
      } else if (e.dir) {
        await this.walk(path.join(dir, e.name), tail);
      }
    }
  }
}
