/**
 * pgjdbc 42.7 against the wire target: runs test/clients/java/JdbcSmoke.java (Java 11+ single-file source
 * launch, nothing compiled into the tree) and turns each line it prints into a subtest.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/gateway.ts';
import { gap } from '../helpers/known-gaps.ts';
import { findPgjdbcJar, parseCheckLines, pgjdbcSkipReason } from '../helpers/java.ts';
import { run, type RunResult } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

/** Every check JdbcSmoke prints, in order; a check that never reports fails here too. */
const CHECKS = [
  'connect',
  'statement_execute_query',
  'statement_execute_multiple_results',
  'types_getobject_text',
  'types_getobject_simple_query_mode',
  'types_getobject_binary_after_prepare_threshold',
  'types_getobject_binary_forced',
  'prepared_statement_params_reused',
  'prepared_statement_param_types_from_driver',
  'prepared_statement_null_params',
  'prepared_statement_where_params',
  'fetch_size_1000_in_transaction_100k_rows',
  'fetch_size_prepared_with_params_closed_early',
  'transaction_commit_rollback',
  'error_syntax_42601',
  'error_unknown_table_42P01',
  'error_division_by_zero_22012',
  'error_integer_overflow_22003',
  'error_bad_parameter_22P02',
  'query_timeout_cancels_with_57014',
  'wrong_password_28P01',
  'unknown_database_3D000',
  'sslmode_require_refused',
] as const;

const jar = findPgjdbcJar();
const skip = targetSkipReason() ?? (await pgjdbcSkipReason());

describe(`pgjdbc against ${targetKind()}`, { skip }, () => {
  let target: Target;
  let result: RunResult;
  let checks: Map<string, string | undefined>;

  before(async () => {
    target = await startTarget();
    result = await run(
      'java',
      ['-Duser.timezone=UTC', '-cp', jar!, join(repoRoot, 'test', 'clients', 'java', 'JdbcSmoke.java'), target.host, String(target.port), target.database, 'alice', 'alice'],
      { timeoutMs: 120_000 },
    );
    checks = parseCheckLines(result.stdout);
  });
  after(async () => {
    await target?.stop();
  });

  for (const name of CHECKS) {
    it(name, { todo: gap(name) }, () => {
      assert.ok(checks.has(name), `JdbcSmoke did not report "${name}"\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      const why = checks.get(name);
      assert.equal(why, undefined, `${name}: ${why}`);
    });
  }

  it('reports nothing else, ends with "done", exits 1 exactly when a check failed', () => {
    assert.deepEqual([...checks.keys()].filter((k) => !(CHECKS as readonly string[]).includes(k)), []);
    assert.match(result.stdout, /^done$/m, result.stderr);
    const failed = [...checks.values()].some((why) => why !== undefined);
    assert.equal(result.code, failed ? 1 : 0, result.stderr);
  });
});
