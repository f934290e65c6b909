import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheableCatalogStatement } from '../../../src/catalog/cacheable.ts';

describe('which catalog statements may be answered from memory', () => {
  it('metadata reads that depend only on the catalog, the user and their inputs', () => {
    for (const sql of [
      "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE $1",
      "SELECT format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum) FROM pg_attribute a WHERE a.attrelid = 'lake.hotels'::regclass",
      "WITH t AS (SELECT oid FROM pg_type) SELECT count(*) FROM t",
      "select has_table_privilege(c.oid, 'SELECT') from pg_class c",
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'lake'",
    ])
      assert.equal(cacheableCatalogStatement(sql), true, sql);
  });

  it('not what changes on its own or has effects', () => {
    for (const sql of [
      'SELECT now(), relname FROM pg_class',
      'SELECT * FROM pg_stat_activity',
      'SELECT pg_total_relation_size(oid) FROM pg_class',
      "SELECT set_config('search_path', 'lake', false) FROM pg_class",
      'SELECT name, setting FROM pg_settings',
      'SELECT pg_backend_pid() FROM pg_class',
      'SELECT * FROM pg_class FOR UPDATE',
      'SELECT * INTO x FROM pg_class',
      'DELETE FROM pg_description',
      "SELECT 'unterminated FROM pg_class",
    ])
      assert.equal(cacheableCatalogStatement(sql), false, sql);
  });
});
