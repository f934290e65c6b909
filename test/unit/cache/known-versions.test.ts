import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connector } from '../../../src/connectors/contract.ts';
import { knownTableVersions, type Versions } from '../../../src/cache/versions.ts';
import { VersionGate } from '../../../src/cache/version-gate.ts';

/** A connector knowing the versions in `known` ('schema.name' → version); `versioned` false: no data versions at all. */
function engine(known: Map<string, string>, versioned = true): Connector {
  return {
    ...(versioned && { dataVersion: async () => new Map(known), knownDataVersion: (t: { schema: string; name: string }) => known.get(`${t.schema}.${t.name}`) }),
  } as unknown as Connector;
}

describe('knownTableVersions', () => {
  const lake = new Map([['lake.a', 'v1'], ['lake.b', 'w1']]);
  const connectors: Record<string, Connector> = { lake: engine(lake), vertica: engine(new Map(), false) };
  const connector = (name: string) => connectors[name]!;
  const tables = [
    { engine: 'lake', schema: 'lake', name: 'a' },
    { engine: 'lake', schema: 'lake', name: 'b' },
    { engine: 'lake', schema: 'lake', name: 'a' }, // a self-join reads it twice
    { engine: 'vertica', schema: 'dw', name: 'c' },
  ];

  it('gives back the previous answer itself while every version is the same, a new one when one changes', () => {
    const first = knownTableVersions(tables, connector)!;
    assert.ok(!('untrusted' in first));
    assert.deepEqual([...first.versions], [['lake:lake.a', 'v1'], ['lake:lake.b', 'w1'], ['vertica:dw.c', '?']]);
    assert.equal(first.unknown, true);
    assert.equal(knownTableVersions(tables, connector, first), first);
    assert.equal(knownTableVersions([...tables], connector, first), first, 'another array of the same tables');
    lake.set('lake.b', 'w2');
    const changed = knownTableVersions(tables, connector, first)!;
    assert.notEqual(changed, first);
    assert.equal(!('untrusted' in changed) && changed.versions.get('lake:lake.b'), 'w2');
    assert.equal(knownTableVersions(tables.slice(0, 1), connector, changed) === changed, false, 'fewer tables: not the same answer');
    lake.delete('lake.a');
    assert.equal(knownTableVersions(tables, connector, changed), undefined, 'a version not known without I/O');
    lake.set('lake.a', 'v1');
  });

  it('never hands back an untrusted answer', () => {
    const untrusted: Versions = { untrusted: 'no' };
    const v = knownTableVersions(tables.slice(0, 1), connector, untrusted)!;
    assert.ok(!('untrusted' in v));
  });

  it("through the VersionGate: the last answer is passed to known(), and the same answer counts as no change", async () => {
    const gate = new VersionGate();
    const one = [{ engine: 'lake', schema: 'lake', name: 'a' }];
    const check = () => Promise.reject(new Error('no I/O expected'));
    const a = await gate.versions('lake:lake.a', check, (last) => knownTableVersions(one, connector, last));
    const b = await gate.versions('lake:lake.a', check, (last) => knownTableVersions(one, connector, last));
    assert.equal(b, a);
    assert.equal(gate.generation, 0);
    lake.set('lake.a', 'v2');
    const c = await gate.versions('lake:lake.a', check, (last) => knownTableVersions(one, connector, last));
    assert.notEqual(c, a);
    assert.equal(gate.generation, 1);
  });
});
