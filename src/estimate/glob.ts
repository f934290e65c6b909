/**
 * Glob expansion the way DuckDB's local file system does it for read_parquet (Node 20 has no fs.glob):
 * `*` and `?` match within one path segment, `[abc]` / `[!abc]` / `[a-z]` match one character of a
 * class, `**` matches any number of directories (and, as the last segment, every file below). Hidden
 * files are not skipped. Order, which decides the file DuckDB binds a view to (the first one): entries of
 * a directory in byte order, the files of a directory before those of its subdirectories (what
 * `SELECT file FROM glob(...)` returns in DuckDB 1.5).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

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

async function list(dir: string): Promise<Entry[]> {
  let names: import('node:fs').Dirent[];
  try {
    names = await readdir(dir, { withFileTypes: true });
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
        const s = await stat(path.join(dir, d.name));
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
export async function expandGlob(pattern: string): Promise<string[]> {
  const abs = path.resolve(pattern);
  if (!hasGlob(abs)) {
    try {
      return (await stat(abs)).isFile() ? [abs] : [];
    } catch {
      return [];
    }
  }
  const segments = abs.split(path.sep).filter(Boolean);
  const firstGlob = segments.findIndex((s) => hasGlob(s));
  const base = path.sep + segments.slice(0, firstGlob).join(path.sep);
  const out: string[] = [];
  await walk(base, segments.slice(firstGlob), out);
  return out;
}

async function walk(dir: string, rest: readonly string[], out: string[]): Promise<void> {
  const [seg, ...tail] = rest;
  if (seg === undefined) return;
  if (seg === '**') {
    const entries = await list(dir);
    if (tail.length === 0) {
      for (const e of entries) if (e.file) out.push(path.join(dir, e.name));
    } else {
      await walk(dir, tail, out);
    }
    for (const e of entries) if (e.dir) await walk(path.join(dir, e.name), rest, out);
    return;
  }
  if (!hasGlob(seg)) {
    const next = path.join(dir, seg);
    if (tail.length === 0) {
      try {
        if ((await stat(next)).isFile()) out.push(next);
      } catch {
        /* missing */
      }
    } else {
      await walk(next, tail, out);
    }
    return;
  }
  const re = segmentRegExp(seg);
  for (const e of await list(dir)) {
    if (!re.test(e.name)) continue;
    if (tail.length === 0) {
      if (e.file) out.push(path.join(dir, e.name));
    } else if (e.dir) {
      await walk(path.join(dir, e.name), tail, out);
    }
  }
}
