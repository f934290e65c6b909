/** Table file snapshots: what revalidation notices, and the file system calls it makes when nothing changed. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FileSnapshots, snapshotVersion, type GlobFs } from '../../../src/estimate/index.ts';
import { nodeFs } from '../../../src/estimate/glob.ts';

/** nodeFs, counting calls. */
function countingFs(): GlobFs & { readdirs: number; stats: number; reset(): void } {
  const fs = {
    readdirs: 0,
    stats: 0,
    reset() {
      fs.readdirs = 0;
      fs.stats = 0;
    },
    readdir: ((dir: string, opts: { withFileTypes: true }) => {
      fs.readdirs++;
      return nodeFs.readdir(dir, opts);
    }) as GlobFs['readdir'],
    stat: (file: string) => {
      fs.stats++;
      return nodeFs.stat(file);
    },
  };
  return fs;
}

const HOUR_AGO = () => new Date(Date.now() - 3_600_000);

describe('FileSnapshots', () => {
  let root: string;
  let dir: string;
  let fs: ReturnType<typeof countingFs>;
  let snaps: FileSnapshots;
  /** Gives files and directories an mtime an hour ago (outside the racy window), children first. */
  const age = async (...paths: string[]) => {
    const t = HOUR_AGO();
    for (const p of paths) await utimes(p, t, t);
  };
  const pattern = () => path.join(dir, '*', '*.parquet');
  const names = (files: readonly { path: string }[]) => files.map((f) => path.relative(dir, f.path));

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tollgate-snapshot-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(root, 't-'));
    for (const day of ['day=1', 'day=2']) {
      await mkdir(path.join(dir, day));
      await writeFile(path.join(dir, day, 'a.parquet'), 'aaaa');
      await writeFile(path.join(dir, day, 'b.parquet'), 'bb');
    }
    await age(...['day=1', 'day=2'].flatMap((d) => [path.join(dir, d, 'a.parquet'), path.join(dir, d, 'b.parquet'), path.join(dir, d)]), dir);
    fs = countingFs();
    snaps = new FileSnapshots({ fs });
  });

  test('lists the glob in DuckDB order, with sizes', async () => {
    const s = await snaps.get(pattern());
    assert.deepEqual(names(s.files), ['day=1/a.parquet', 'day=1/b.parquet', 'day=2/a.parquet', 'day=2/b.parquet']);
    assert.deepEqual(
      s.files.map((f) => f.size),
      [4, 2, 4, 2],
    );
    assert.equal(s.settled, true);
    assert.equal(s.version, snapshotVersion(s.files));
  });

  test('unchanged: no listing, one stat per directory and per file, the same snapshot', async () => {
    const first = await snaps.get(pattern());
    fs.reset();
    const again = await snaps.get(pattern());
    assert.equal(fs.readdirs, 0);
    // The table directory and two partition directories; four files.
    assert.equal(fs.stats, 3 + 4);
    assert.equal(again, first);
  });

  test('a file added is listed', async () => {
    const first = await snaps.get(pattern());
    await writeFile(path.join(dir, 'day=2', 'c.parquet'), 'c');
    fs.reset();
    const s = await snaps.get(pattern());
    assert.ok(fs.readdirs > 0);
    assert.deepEqual(names(s.files), ['day=1/a.parquet', 'day=1/b.parquet', 'day=2/a.parquet', 'day=2/b.parquet', 'day=2/c.parquet']);
    assert.notEqual(s.version, first.version);
  });

  test('a file deleted drops out', async () => {
    const first = await snaps.get(pattern());
    await unlink(path.join(dir, 'day=1', 'b.parquet'));
    const s = await snaps.get(pattern());
    assert.deepEqual(names(s.files), ['day=1/a.parquet', 'day=2/a.parquet', 'day=2/b.parquet']);
    assert.notEqual(s.version, first.version);
  });

  test('a file replaced by rename is seen with its new size', async () => {
    const first = await snaps.get(pattern());
    const tmp = path.join(dir, 'day=1', '.tmp-write');
    await writeFile(tmp, 'aaaaaaaa');
    await rename(tmp, path.join(dir, 'day=1', 'a.parquet'));
    const s = await snaps.get(pattern());
    assert.deepEqual(names(s.files), names(first.files));
    assert.equal(s.files[0]!.size, 8);
    assert.notEqual(s.version, first.version);
  });

  test('a file overwritten in place (its directory untouched) is seen without listing again', async () => {
    const first = await snaps.get(pattern());
    await writeFile(path.join(dir, 'day=2', 'a.parquet'), 'a much longer body');
    // Whatever the file system did to the directory's mtime, put it back: only the file tells.
    const t = HOUR_AGO();
    await utimes(path.join(dir, 'day=2'), t, t);
    await snaps.get(pattern()); // the directory's new (aged) mtime: listed again once
    const second = await snaps.get(pattern());
    await writeFile(path.join(dir, 'day=2', 'a.parquet'), 'short');
    await utimes(path.join(dir, 'day=2', 'a.parquet'), new Date(t.getTime() + 5000), new Date(t.getTime() + 5000));
    fs.reset();
    const s = await snaps.get(pattern());
    assert.equal(fs.readdirs, 0);
    assert.equal(s.files[2]!.size, 5);
    assert.notEqual(s.version, second.version);
    assert.notEqual(second.version, first.version);
    assert.equal(second.files[2]!.size, 18);
  });

  test('a new partition directory is listed', async () => {
    const first = await snaps.get(pattern());
    await mkdir(path.join(dir, 'day=3'));
    await writeFile(path.join(dir, 'day=3', 'a.parquet'), 'x');
    const s = await snaps.get(pattern());
    assert.deepEqual(names(s.files).slice(-1), ['day=3/a.parquet']);
    assert.notEqual(s.version, first.version);
  });

  test('a directory that appears under a literal segment is seen', async () => {
    const literal = path.join(dir, '*', 'sub', '*.parquet');
    assert.deepEqual((await snaps.get(literal)).files, []);
    await mkdir(path.join(dir, 'day=1', 'sub'));
    await writeFile(path.join(dir, 'day=1', 'sub', 'x.parquet'), 'x');
    assert.deepEqual(names((await snaps.get(literal)).files), ['day=1/sub/x.parquet']);
  });

  test('a table that is one file (no glob)', async () => {
    const file = path.join(dir, 'day=1', 'a.parquet');
    const first = await snaps.get(file);
    assert.deepEqual(names(first.files), ['day=1/a.parquet']);
    fs.reset();
    assert.equal(await snaps.get(file), first);
    assert.equal(fs.readdirs, 0);
    await unlink(file);
    assert.deepEqual((await snaps.get(file)).files, []);
  });

  test('fileCheckMs: sizes trusted that long, directories checked every time', async () => {
    let now = Date.now();
    const lazy = new FileSnapshots({ fs, fileCheckMs: 1000, now: () => now });
    const first = await lazy.get(pattern());
    await writeFile(path.join(dir, 'day=1', 'b.parquet'), 'bbbbbb');
    const t = HOUR_AGO();
    await utimes(path.join(dir, 'day=1'), t, t);
    fs.reset();
    // The directory changed (aged again, so another mtime): listed again, every file taken anew.
    assert.equal((await lazy.get(pattern())).files[1]!.size, 6);
    await writeFile(path.join(dir, 'day=1', 'b.parquet'), 'b');
    await utimes(path.join(dir, 'day=1'), t, t);
    fs.reset();
    const within = await lazy.get(pattern());
    assert.equal(fs.stats, 3);
    assert.equal(within.files[1]!.size, 6);
    now += 1000;
    const later = await lazy.get(pattern());
    assert.equal(later.files[1]!.size, 1);
    assert.notEqual(later.version, first.version);
    // A caller that cannot wait: every file checked.
    await writeFile(path.join(dir, 'day=1', 'b.parquet'), 'bbb');
    await utimes(path.join(dir, 'day=1'), t, t);
    assert.equal((await lazy.get(pattern(), { fileCheckMs: 0 })).files[1]!.size, 3);
  });

  test('a directory modified within the racy window is listed again each time, and the snapshot is not settled', async () => {
    let now = Date.now();
    const racy = new FileSnapshots({ fs, now: () => now, racyMs: 2000 });
    await writeFile(path.join(dir, 'day=1', 'c.parquet'), 'c'); // day=1 and c.parquet: modified just now
    const s = await racy.get(pattern());
    assert.equal(s.settled, false);
    fs.reset();
    await racy.get(pattern());
    assert.ok(fs.readdirs > 0);
    now += 3000;
    await racy.get(pattern()); // listed once more, now long after the last change
    fs.reset();
    const settled = await racy.get(pattern());
    assert.equal(fs.readdirs, 0);
    assert.equal(settled.settled, true);
  });

  test('the version is a function of the files, not of their order', () => {
    const a = { path: '/t/a', size: 1, mtimeMs: 10.5 };
    const b = { path: '/t/b', size: 2, mtimeMs: 11 };
    assert.equal(snapshotVersion([a, b]), snapshotVersion([b, a]));
    assert.notEqual(snapshotVersion([a, b]), snapshotVersion([a, { ...b, size: 3 }]));
    assert.notEqual(snapshotVersion([a, b]), snapshotVersion([a, { ...b, mtimeMs: 12 }]));
    assert.notEqual(snapshotVersion([a, b]), snapshotVersion([a]));
  });
});

describe('FileSnapshots, watched (inotify): trusted without I/O until a directory reports a change', () => {
  let dir: string;
  let fs: ReturnType<typeof countingFs>;
  let snaps: FileSnapshots;
  const pattern = () => path.join(dir, '*', '*.parquet');
  /** Gets until the version differs from `from` (the change notification arrives asynchronously). */
  const nextVersion = async (from: string): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const s = await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
      if (s.version !== from) return s.version;
      await new Promise((r) => setTimeout(r, 10));
    }
    return from;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-watch-'));
    for (const day of ['day=1', 'day=2']) {
      await mkdir(path.join(dir, day));
      await writeFile(path.join(dir, day, 'a.parquet'), 'aaaa');
    }
    const t = HOUR_AGO();
    for (const p of [path.join(dir, 'day=1', 'a.parquet'), path.join(dir, 'day=2', 'a.parquet'), path.join(dir, 'day=1'), path.join(dir, 'day=2'), dir]) await utimes(p, t, t);
    fs = countingFs();
    snaps = new FileSnapshots({ fs });
  });
  after(() => snaps?.close());

  test('unchanged: after two checks, no file system call at all', async () => {
    const first = await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
    await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
    fs.reset();
    const third = await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
    assert.equal(third.version, first.version);
    assert.deepEqual([fs.readdirs, fs.stats], [0, 0]);
    snaps.close();
  });

  test('current(): the snapshot without I/O while nothing was reported, nothing once a directory reports a change', async () => {
    assert.equal(snaps.current(pattern()), undefined, 'nothing checked yet');
    await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
    // The first check arms the watches; only a check that starts armed is trusted without I/O.
    assert.equal(snaps.current(pattern()), undefined);
    const second = await snaps.get(pattern(), { fileCheckMs: 0, watched: true });
    fs.reset();
    assert.equal(snaps.current(pattern()), second);
    assert.deepEqual([fs.readdirs, fs.stats], [0, 0]);
    await writeFile(path.join(dir, 'day=2', 'b.parquet'), 'b');
    for (let i = 0; i < 200 && snaps.current(pattern()) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(snaps.current(pattern()), undefined, 'a reported change is never answered from memory');
    snaps.close();
  });

  test('a file overwritten in place (its directory untouched), a file added, a partition added: each seen', async () => {
    let v = (await snaps.get(pattern(), { fileCheckMs: 0, watched: true })).version;
    v = (await snaps.get(pattern(), { fileCheckMs: 0, watched: true })).version;
    await writeFile(path.join(dir, 'day=1', 'a.parquet'), 'aaaaaaaa');
    const overwritten = await nextVersion(v);
    assert.notEqual(overwritten, v, 'the in-place overwrite is seen');
    await writeFile(path.join(dir, 'day=2', 'b.parquet'), 'b');
    const added = await nextVersion(overwritten);
    assert.notEqual(added, overwritten, 'the new file is seen');
    await mkdir(path.join(dir, 'day=3'));
    await writeFile(path.join(dir, 'day=3', 'a.parquet'), 'c');
    const partition = await nextVersion(added);
    assert.notEqual(partition, added, 'the new partition is seen');
    snaps.close();
  });
});
