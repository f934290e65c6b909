/** Glob matching and expansion, checked against DuckDB's own glob() on the same directory tree. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { expandGlob, matchesGlob } from '../../../src/estimate/index.ts';
import { segmentRegExp } from '../../../src/estimate/glob.ts';

test('segment patterns: * ? [..] [!..] and literal characters', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*.parquet', 'a.parquet', true],
    ['*.parquet', '.hidden.parquet', true],
    ['*.parquet', 'a.parquetx', false],
    ['data_?.parquet', 'data_0.parquet', true],
    ['data_?.parquet', 'data_10.parquet', false],
    ['[ab]*', 'b1', true],
    ['[ab]*', 'c1', false],
    ['[!ab]*', 'c1', true],
    ['[a-c]x', 'bx', true],
    ['a+b(c)', 'a+b(c)', true],
    ['a.b', 'axb', false],
    ['month=*', 'month=2024-01', true],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(segmentRegExp(pattern).test(name), expected, `${pattern} vs ${name}`);
});

test('matchesGlob: * stays in one directory, ** spans any number', () => {
  assert.equal(matchesGlob('/l/b/x=1/f.parquet', '/l/b/*/*.parquet'), true);
  assert.equal(matchesGlob('/l/b/x=1/y=2/f.parquet', '/l/b/*/*.parquet'), false);
  assert.equal(matchesGlob('/l/b/x=1/y=2/f.parquet', '/l/b/**/*.parquet'), true);
  assert.equal(matchesGlob('/l/b/f.parquet', '/l/b/**/*.parquet'), true);
  assert.equal(matchesGlob('/l/b/x/f.parquet', '/l/b/**'), true);
  assert.equal(matchesGlob('/l/c/f.parquet', '/l/b/**'), false);
  assert.equal(matchesGlob('/l/b/f.parquet', '/l/b/f.parquet'), true);
});

describe('expandGlob lists what DuckDB lists, in its order', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-glob-'));
    for (const f of ['x.parquet', '.y.parquet', 'B.parquet', 'a10.parquet', 'a9.parquet', 'a/z.parquet', 'a/b/w.parquet', '.h/v.parquet', 'a/notes.txt', 'é/u.parquet']) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), 'x');
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const pattern of ['*.parquet', '**/*.parquet', '**', 'a?.parquet', '[ab]*.parquet', '*/*.parquet', 'a/*', 'missing/*.parquet', 'x.parquet']) {
    test(pattern, async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      try {
        const full = path.join(dir, pattern);
        const reader = await conn.runAndReadAll(`SELECT file FROM glob('${full.replaceAll("'", "''")}')`);
        const duck = reader.getRows().map((r) => String(r[0]));
        assert.deepEqual(await expandGlob(full), duck);
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    });
  }
});
