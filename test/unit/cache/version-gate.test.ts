import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VersionGate } from '../../../src/cache/version-gate.ts';
import type { Versions } from '../../../src/cache/versions.ts';

/** A check whose answer the test releases: resolves with a version numbered by the order it started. */
function checks() {
  let started = 0;
  const pending: Array<() => void> = [];
  const check = (): Promise<Versions> => {
    const n = ++started;
    return new Promise((resolve) => pending.push(() => resolve({ versions: new Map([['lake:t', `v${n}`]]), unknown: false })));
  };
  return { check, started: () => started, release: () => pending.shift()!() };
}

const versionOf = (v: Versions) => ('versions' in v ? v.versions.get('lake:t') : undefined);
/** Versions of table t at version `n`, as known() gives them. */
const v = (n: string): Versions => ({ versions: new Map([['lake:t', n]]), unknown: false });

describe('data-version checks shared by concurrent statements', () => {
  it('a statement arriving during a check waits for the next one, shared with everyone who arrived meanwhile', async () => {
    const gate = new VersionGate();
    const c = checks();
    const first = gate.versions('t', c.check);
    const second = gate.versions('t', c.check);
    const third = gate.versions('t', c.check);
    assert.equal(c.started(), 1);
    c.release();
    assert.equal(versionOf(await first), 'v1');
    await new Promise((r) => setImmediate(r));
    assert.equal(c.started(), 2);
    c.release();
    assert.deepEqual([versionOf(await second), versionOf(await third)], ['v2', 'v2']);
    // Nothing running: the next statement checks again (recheckMs 0).
    const fourth = gate.versions('t', c.check);
    c.release();
    assert.equal(versionOf(await fourth), 'v3');
  });

  it('versions known without I/O need no check, and a changed one counts as a change', async () => {
    const gate = new VersionGate();
    const c = checks();
    let known: Versions | undefined = v('k1');
    assert.equal(versionOf(await gate.versions('t', c.check, () => known)), 'k1');
    assert.equal(c.started(), 0, 'no check ran');
    const generation = gate.generation;
    known = v('k2');
    assert.equal(versionOf(await gate.versions('t', c.check, () => known)), 'k2');
    assert.equal(gate.generation, generation + 1);
    assert.equal(versionOf(gate.latest('t', c.check) as Versions), 'k2');
    // Not known: a real check, as before.
    known = undefined;
    const checked = gate.versions('t', c.check, () => known);
    await new Promise((r) => setImmediate(r));
    c.release();
    assert.equal(versionOf(await checked), 'v1');
  });

  it('asks known() only after the events pending in this turn of the loop: a file change queued before the query is seen', async () => {
    const gate = new VersionGate();
    const c = checks();
    let known: Versions | undefined = v('before');
    assert.equal(versionOf(await gate.versions('t', c.check, () => known)), 'before');
    // The query is handled first; the directory's event is handled later in the same poll, as when both
    // are ready at once. Its answer must be the version after the change.
    const answer = gate.versions('t', c.check, () => known);
    queueMicrotask(() => (known = v('after')));
    assert.equal(versionOf(await answer), 'after');
    // Statements of one turn share one wait.
    let waits = 0;
    const counting = new VersionGate(0, undefined, () => (waits++, Promise.resolve()));
    await Promise.all([counting.versions('t', c.check, () => known), counting.versions('t', c.check, () => known)]);
    assert.equal(waits, 2, 'the injected wait is asked per statement; the default one is one setImmediate per turn');
  });

  it('with recheckMs, an answer checked recently enough is reused; latest() takes the last one whatever its age', async () => {
    let now = 0;
    const gate = new VersionGate(1000, () => now);
    const c = checks();
    const a = gate.versions('t', c.check);
    c.release();
    assert.equal(versionOf(await a), 'v1');
    now = 900;
    assert.equal(versionOf(await gate.versions('t', c.check)), 'v1');
    now = 5000;
    assert.equal(versionOf(await gate.latest('t', c.check)), 'v1');
    const b = gate.versions('t', c.check);
    c.release();
    assert.equal(versionOf(await b), 'v2');
  });
});
