/**
 * psycopg2 (libpq; Debian's python3-psycopg2, importable only by /usr/bin/python3) against the wire target:
 * runs test/clients/psycopg2_smoke.py and turns each line it prints into a subtest.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/gateway.ts';
import { parseCheckLines } from '../helpers/java.ts';
import { gap } from '../helpers/known-gaps.ts';
import { run, type RunResult } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const PYTHON = process.env.TOLLGATE_TEST_PYTHON ?? '/usr/bin/python3';

/** Every check psycopg2_smoke.py prints but the DECLARE one (below); a check that never reports fails here too. */
const CHECKS = [
  'connect_and_session_parameters',
  'fetchall_types',
  'execute_params_many_types',
  'execute_param_bytea',
  'fetchmany_100k_rows',
  'error_syntax_42601',
  'error_unknown_table_42P01',
  'error_division_by_zero_22012',
  'error_data_exceptions_22003_22P02',
  'autocommit_off_transactions',
  'autocommit_on',
  'copy_expert_csv',
  'cancel_long_query',
  'wrong_password',
] as const;

/**
 * `conn.cursor(name='c')` makes psycopg2 send DECLARE "c" CURSOR WITHOUT HOLD FOR ..., FETCH FORWARD n
 * FROM "c" and CLOSE "c" as simple queries inside a transaction; tollgate serves them with forward-only
 * cursors (src/executor/cursors.ts). Kept as its own, clearly named subtest.
 */
const DECLARE_CURSOR_CHECK = 'declare_cursor_named';

const probe = await run(PYTHON, ['-c', 'import psycopg2']).catch(() => undefined);
const skip =
  targetSkipReason() ??
  (probe?.code === 0 ? undefined : `psycopg2 not importable by ${PYTHON} (apt-get install python3-psycopg2): ${probe?.stderr.trim() ?? 'no python'}`);

describe(`psycopg2 against ${targetKind()}`, { skip }, () => {
  let target: Target;
  let result: RunResult;
  let checks: Map<string, string | undefined>;

  before(async () => {
    target = await startTarget();
    const env = { ...target.libpqEnv('alice'), LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' };
    result = await run(
      PYTHON,
      [join(repoRoot, 'test', 'clients', 'psycopg2_smoke.py'), target.host, String(target.port), target.database, 'alice', 'alice'],
      { env, timeoutMs: 120_000 },
    );
    checks = parseCheckLines(result.stdout);
  });
  after(async () => {
    await target?.stop();
  });

  const verdict = (name: string) => {
    assert.ok(checks.has(name), `psycopg2_smoke.py did not report "${name}"\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    const why = checks.get(name);
    assert.equal(why, undefined, `${name}: ${why}`);
  };

  for (const name of CHECKS) it(name, { todo: gap(name) }, () => verdict(name));

  it(`${DECLARE_CURSOR_CHECK}: server-side named cursor (DECLARE/FETCH/CLOSE)`, { todo: gap(DECLARE_CURSOR_CHECK) }, () =>
    verdict(DECLARE_CURSOR_CHECK),
  );

  it('reports nothing else, ends with "done", exits 1 exactly when a check failed', () => {
    const known: string[] = [...CHECKS, DECLARE_CURSOR_CHECK];
    assert.deepEqual([...checks.keys()].filter((k) => !known.includes(k)), []);
    assert.match(result.stdout, /^done$/m, result.stderr);
    const failed = [...checks.values()].some((why) => why !== undefined);
    assert.equal(result.code, failed ? 1 : 0, result.stderr);
  });
});
