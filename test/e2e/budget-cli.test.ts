/**
 * `tollgate budget …` against a running gateway (config/demo.yaml, small scale): the CLI as a user runs
 * it, a child process talking to the gateway's admin HTTP API, and the API showing what it stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayCliPath, repoRoot, startGateway, type Gateway } from '../helpers/gateway.ts';
import { run, type RunResult } from '../helpers/proc.ts';

describe('tollgate budget (CLI → admin HTTP API)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw?.stop();
  });

  const url = () => `http://127.0.0.1:${gw.httpPort}`;
  // Demo users: password = name; admin is the admin, alice an analyst of growth.
  const budget = (args: string[], user: string): Promise<RunResult> =>
    run(process.execPath, ['--import', 'tsx', gatewayCliPath, 'budget', ...args, '--url', url()], {
      cwd: repoRoot,
      env: { ...process.env, TOLLGATE_USER: user, TOLLGATE_PASSWORD: user },
    });
  const api = async (path: string, user = 'admin') => {
    const res = await fetch(new URL(path, url()), { headers: { authorization: `Basic ${Buffer.from(`${user}:${user}`).toString('base64')}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('sets a budget as admin; the API returns it with the actor', async () => {
    const r = await budget(['set', 'growth', '--monthly', '200'], 'admin');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n--- gateway ---\n${gw.output().slice(-4000)}`);
    assert.match(r.stdout, /Budget of growth set/);
    assert.match(r.stdout, /monthly 200\.00 USD/);
    assert.match(r.stdout, /warnings at 50%, 80%/);

    const got = await api('/v1/admin/teams/growth/budget');
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.budget.monthly, 200);
    assert.equal(got.body.budget.daily, null);
    assert.deepEqual(got.body.budget.softThresholds, [0.5, 0.8]);
    assert.equal(got.body.budget.hardLimit, 1);
    assert.equal(got.body.budget.updatedBy, 'admin');
  });

  it('merges: set changes only the flags given (percentages on the CLI, fractions in the API)', async () => {
    const r = await budget(['set', 'growth', '--daily', '10', '--soft', '60,90', '--hard', '110'], 'admin');
    assert.equal(r.code, 0, r.stderr);
    const got = await api('/v1/admin/teams/growth/budget');
    assert.equal(got.body.budget.monthly, 200, 'kept');
    assert.equal(got.body.budget.daily, 10);
    assert.deepEqual(got.body.budget.softThresholds, [0.6, 0.9]);
    assert.equal(got.body.budget.hardLimit, 1.1);

    const show = await budget(['show', 'growth'], 'admin');
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /monthly 200\.00 USD, daily 10\.00 USD/);
    assert.match(show.stdout, /hard limit 110%/);
    assert.match(show.stdout, /this month .*spent .* USD/);
  });

  it('refuses an analyst with exit 1 and a message saying admin is needed; nothing changes', async () => {
    const r = await budget(['set', 'growth', '--monthly', '999'], 'alice');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /user "alice" is not an admin/);
    assert.equal((await api('/v1/admin/teams/growth/budget')).body.budget.monthly, 200);
  });

  it('reports API refusals: an unknown team and a bad amount, exit 1', async () => {
    const unknown = await budget(['show', 'nosuchteam'], 'admin');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /team "nosuchteam" not found/);
    const negative = await budget(['set', 'growth', '--monthly=-5'], 'admin');
    assert.equal(negative.code, 1);
    assert.match(negative.stderr, /monthly must be >= 0/);
  });

  it('issues an override and lists the history with who did what', async () => {
    const o = await budget(['override', 'growth', '--minutes', '30'], 'admin');
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /Override for growth: 1 query/);
    assert.match(o.stdout, /^tgo_\S+$/m);

    const h = await budget(['history', 'growth'], 'admin');
    assert.equal(h.code, 0, h.stderr);
    const lines = h.stdout.trim().split('\n').slice(1);
    assert.match(lines[0], /admin {2}issued an override/);
    assert.ok(lines.some((l) => /admin {2}set monthly 200\.00 USD/.test(l)), h.stdout);
  });
});
