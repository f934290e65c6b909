/**
 * pgjdbc's DatabaseMetaData against tollgate (test/clients/java/JdbcMetadata.java): what JDBC-based BI
 * tools (DBeaver, Metabase's sync) call first. Tollgate only: the checks name the demo tables.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/gateway.ts';
import { findPgjdbcJar, parseCheckLines, pgjdbcSkipReason } from '../helpers/java.ts';
import { run, type RunResult } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const CHECKS = [
  'product_version',
  'get_catalogs',
  'get_schemas',
  'get_tables_with_remarks',
  'get_columns_repeated',
  'get_primary_and_imported_keys',
  'get_type_info',
  'data_after_metadata',
] as const;

const jar = findPgjdbcJar();
const skip =
  targetSkipReason() ?? (targetKind() === 'postgres' ? 'the demo tables exist only in tollgate' : undefined) ?? (await pgjdbcSkipReason());

describe(`pgjdbc DatabaseMetaData against ${targetKind()}`, { skip }, () => {
  let target: Target;
  let result: RunResult;
  let checks: Map<string, string | undefined>;
  before(async () => {
    target = await startTarget();
    result = await run(
      'java',
      ['-cp', jar!, join(repoRoot, 'test', 'clients', 'java', 'JdbcMetadata.java'), target.host, String(target.port), target.database, 'alice', 'alice'],
      { timeoutMs: 120_000 },
    );
    checks = parseCheckLines(result.stdout);
  });
  after(async () => {
    await target?.stop();
  });

  for (const name of CHECKS) {
    it(name, () => {
      assert.ok(checks.has(name), `JdbcMetadata did not report "${name}"\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      assert.equal(checks.get(name), undefined, `${name}: ${checks.get(name)}`);
    });
  }

  it('ends with done and exit 0', () => {
    assert.match(result.stdout, /^done$/m);
    assert.equal(result.code, 0);
  });
});
