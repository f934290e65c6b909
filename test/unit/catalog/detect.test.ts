import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { catalogReferences } from '../../../src/catalog/index.ts';
import { classifySessionStatement, splitStatements } from '../../../src/parser/index.ts';

/** The statements pgjdbc 42.7 and psql 15 send, captured from a real PostgreSQL 15, by their label (A2, B3, ...). */
function capturedStatements(): Map<string, string[]> {
  const text = readFileSync(new URL('../parser/fixtures/pg-client-catalog-queries.sql', import.meta.url), 'utf8');
  const byLabel = new Map<string, string[]>();
  let label = '';
  let body: string[] = [];
  const flush = (): void => {
    if (label) byLabel.set(label, splitStatements(body.join('\n')).statements.map((s) => s.text));
    body = [];
  };
  for (const line of text.split('\n')) {
    const m = /^-- ([A-Z]\d+)\. /.exec(line);
    if (m) {
      flush();
      label = m[1]!;
    } else if (/^-- SECTION/.test(line)) {
      flush();
      label = '';
    } else if (!line.startsWith('--')) body.push(line);
  }
  flush();
  return byLabel;
}

describe('catalogReferences on what real clients send', () => {
  const captured = capturedStatements();
  it('found the captured statements', () => assert.ok(captured.size >= 20, `${captured.size} labels`));
  // User queries and constant queries; everything else in sections A and B reads the catalog.
  const notCatalog = new Set(['A1', 'A4', 'A9', 'A10']);
  for (const [label, statements] of captured) {
    if (!/^[AB]/.test(label)) continue;
    for (const sql of statements) {
      if (classifySessionStatement(sql)) continue;
      it(`${label}: ${sql.slice(0, 60).replace(/\s+/g, ' ')}`, () => {
        const r = catalogReferences(sql);
        assert.equal(r.readsCatalog, !notCatalog.has(label), `evidence: ${r.evidence.join(', ')}`);
      });
    }
  }
});

describe('catalogReferences edge cases', () => {
  const cases: Array<[string, boolean]> = [
    ['select * from lake.bookings', false],
    ['select pg_class from t', false], // a column named like a catalog relation
    ['select x from t, pg_namespace n', true],
    ['select t.pg_class from t', false],
    ["select 'pg_catalog.pg_class'", false], // inside a string
    ["select 'lake.bookings'::regclass", true],
    ['select format_type(23, -1)', true],
    ['select pg_backend_pid()', false], // answered by the session, not the catalog
    ['select * from information_schema.tables where table_schema = $1', true],
    ['select count(*) from lake.bookings b join pg_catalog.pg_class c on true', true],
    ['select "pg_class".relname from "pg_class"', true], // quoting a lower-case name changes nothing: still the catalog
  ];
  for (const [sql, expected] of cases) it(sql, () => assert.equal(catalogReferences(sql).readsCatalog, expected));
});
