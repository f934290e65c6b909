import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connector, Health } from '../../../src/connectors/contract.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { EngineHealth } from '../../../src/planner/engine-health.ts';

function fake(name: string, health: () => Promise<Health>): Connector {
  return { name, health } as unknown as Connector;
}

describe('engine health', () => {
  it('unknown engines count as up; checks and failures mark them', async () => {
    let ok = true;
    const h = new EngineHealth([fake('a', async () => ({ ok })), fake('b', async () => Promise.reject(new Error('connection refused')))], silentLogger());
    assert.equal(h.isUp('a'), true);
    assert.equal(h.isUp('b'), true);
    await h.checkAll();
    assert.equal(h.isUp('a'), true);
    assert.equal(h.isUp('b'), false);
    assert.equal(h.snapshot().b?.detail, 'connection refused');
    ok = false;
    await h.checkAll();
    assert.equal(h.isUp('a'), false);
    ok = true;
    await h.checkAll();
    assert.equal(h.isUp('a'), true);
    h.markDown('a', 'statement could not connect');
    assert.equal(h.isUp('a'), false);
  });
});
