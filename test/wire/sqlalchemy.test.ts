/**
 * SQLAlchemy's inspector through psycopg2 (Debian's python3-sqlalchemy and python3-psycopg2, importable
 * only by /usr/bin/python3): test/clients/sqlalchemy_inspect.py, one subtest per check it prints.
 * Tollgate only: the checks name the demo tables.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/gateway.ts';
import { parseCheckLines } from '../helpers/java.ts';
import { run, type RunResult } from '../helpers/proc.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const PYTHON = process.env.TOLLGATE_TEST_PYTHON ?? '/usr/bin/python3';
const CHECKS = ['inspector_schemas', 'inspector_tables', 'inspector_columns', 'inspector_keys_and_comment', 'bound_parameter_query'] as const;

const probe = await run(PYTHON, ['-c', 'import sqlalchemy, psycopg2']).catch(() => undefined);
const skip =
  targetSkipReason() ??
  (targetKind() === 'postgres' ? 'the demo tables exist only in tollgate' : undefined) ??
  (probe?.code === 0 ? undefined : `sqlalchemy/psycopg2 not importable by ${PYTHON} (apt-get install python3-sqlalchemy python3-psycopg2)`);

describe(`SQLAlchemy inspector against ${targetKind()}`, { skip }, () => {
  let target: Target;
  let result: RunResult;
  let checks: Map<string, string | undefined>;
  before(async () => {
    target = await startTarget();
    const env = { ...target.libpqEnv('alice'), PYTHONDONTWRITEBYTECODE: '1' };
    result = await run(PYTHON, [join(repoRoot, 'test', 'clients', 'sqlalchemy_inspect.py'), target.host, String(target.port), target.database, 'alice', 'alice'], {
      env,
      timeoutMs: 120_000,
    });
    checks = parseCheckLines(result.stdout);
  });
  after(async () => {
    await target?.stop();
  });

  for (const name of CHECKS) {
    it(name, () => {
      assert.ok(checks.has(name), `sqlalchemy_inspect.py did not report "${name}"\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      assert.equal(checks.get(name), undefined, `${name}: ${checks.get(name)}`);
    });
  }

  it('ends with done and exit 0', () => {
    assert.match(result.stdout, /^done$/m);
    assert.equal(result.code, 0);
  });
});
