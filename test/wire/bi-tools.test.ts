/**
 * Metabase's sync and DBeaver's navigator against tollgate, through pgjdbc (test/clients/java/BiToolSync.java):
 * the statements those tools send on connect and while reading the demo tables' structure, written as the
 * tools build them. Metabase: the PostgreSQL driver as on master in the 0.57+ driver-api era
 * (src/metabase/driver/postgres.clj at commit 008fd6675457cdd62da2265628bed3b725a607ea, and its sql-jdbc
 * parent namespaces of the same era). DBeaver: the org.jkiss.dbeaver.ext.postgresql model of DBeaver
 * 24.x-25.x (PostgreSchema of the 2024 sources, PostgreDataTypeCache of 2025; the pg_attribute statement is
 * what DBeaver 25.3.3 sends). Checked against PostgreSQL 15 holding the same tables and rows: all pass there.
 * Tollgate only: the checks name the demo tables.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/gateway.ts';
import { findPgjdbcJar, parseCheckLines, pgjdbcSkipReason } from '../helpers/java.ts';
import { run, type RunResult } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const CHECKS = {
  metabase: [
    'metabase_can_connect',
    'metabase_connection_options',
    'metabase_dbms_version',
    'metabase_db_default_timezone',
    'metabase_describe_database',
    'metabase_describe_fields',
    'metabase_describe_fks',
    'metabase_describe_indexes',
    'metabase_select_probe',
    'metabase_fingerprint_sample',
    'metabase_field_values',
    'metabase_read_only_session',
  ],
  dbeaver: [
    'dbeaver_connect',
    'dbeaver_context_defaults',
    'dbeaver_database_info',
    'dbeaver_settings',
    'dbeaver_schemas',
    'dbeaver_data_types',
    'dbeaver_roles',
    'dbeaver_tables',
    'dbeaver_table_statistics',
    'dbeaver_columns',
    'dbeaver_column_types',
    'dbeaver_schema_columns',
    'dbeaver_constraints',
    'dbeaver_indexes',
    'dbeaver_inheritance',
    'dbeaver_set_search_path',
    'dbeaver_read_data',
  ],
} as const;

const jar = findPgjdbcJar();
const skip =
  targetSkipReason() ?? (targetKind() === 'postgres' ? 'the demo tables exist only in tollgate' : undefined) ?? (await pgjdbcSkipReason());

describe(`Metabase and DBeaver through pgjdbc against ${targetKind()}`, { skip }, () => {
  let target: Target;
  const results = new Map<keyof typeof CHECKS, { result: RunResult; checks: Map<string, string | undefined> }>();
  before(async () => {
    target = await startTarget();
    for (const mode of Object.keys(CHECKS) as Array<keyof typeof CHECKS>) {
      const result = await run(
        'java',
        ['-cp', jar!, join(repoRoot, 'test', 'clients', 'java', 'BiToolSync.java'), mode, target.host, String(target.port), target.database, 'alice', 'alice'],
        { timeoutMs: 180_000 },
      );
      results.set(mode, { result, checks: parseCheckLines(result.stdout) });
    }
  });
  after(async () => {
    await target?.stop();
  });

  for (const [mode, names] of Object.entries(CHECKS) as Array<[keyof typeof CHECKS, readonly string[]]>) {
    for (const name of names) {
      it(name, () => {
        const { result, checks } = results.get(mode)!;
        assert.ok(checks.has(name), `BiToolSync ${mode} did not report "${name}"\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
        assert.equal(checks.get(name), undefined, `${name}: ${checks.get(name)}`);
      });
    }

    it(`${mode}: ends with done and exit 0`, () => {
      const { result } = results.get(mode)!;
      assert.match(result.stdout, /^done$/m);
      assert.equal(result.code, 0);
    });
  }
});
