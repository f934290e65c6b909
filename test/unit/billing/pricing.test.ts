import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billedBytes, charge, DEFAULT_BILLING, formatBytes, formatMoney, TIB } from '../../../src/billing/index.ts';

const MiB = 2 ** 20;

describe('pricing', () => {
  it('bills each reference rounded up to the MiB, at least 10 MiB', () => {
    assert.equal(billedBytes(0, DEFAULT_BILLING), 10 * MiB);
    assert.equal(billedBytes(10 * MiB + 1, DEFAULT_BILLING), 11 * MiB);
    assert.equal(billedBytes(3 * 2 ** 30, DEFAULT_BILLING), 3 * 2 ** 30);
  });

  it('prices per TiB by engine and sums per statement', () => {
    const c = charge(
      [
        { engine: 'lake', bytes: TIB / 2 },
        { engine: 'lake', bytes: 1 },
        { engine: 'crm', bytes: TIB },
      ],
      (e) => (e === 'lake' ? 5 : 2),
      DEFAULT_BILLING,
    );
    assert.equal(c.estimatedBytes, TIB / 2 + 1 + TIB);
    assert.equal(c.billedBytes, TIB / 2 + 10 * MiB + TIB);
    assert.ok(Math.abs(c.cost - (2.5 + (10 * MiB / TIB) * 5 + 2)) < 1e-12);
    assert.deepEqual(c.byEngine.map((e) => e.engine), ['lake', 'crm']);
  });

  it('a free engine bills nothing, not a minimum at no price', () => {
    const c = charge([{ engine: 'tollgate', bytes: 5 }], () => 0, DEFAULT_BILLING);
    assert.deepEqual([c.estimatedBytes, c.billedBytes, c.cost], [5, 0, 0]);
  });

  it('formats amounts and sizes the way the notice shows them', () => {
    assert.equal(formatBytes(1.24 * 2 ** 30), '1.24 GiB');
    assert.equal(formatBytes(512 * MiB), '512 MiB');
    assert.equal(formatBytes(900), '900 B');
    assert.equal(formatMoney(12.4, 'USD'), '$12.40');
    assert.equal(formatMoney(0.0076, 'USD'), '$0.0076');
    assert.equal(formatMoney(0, 'USD'), '$0.00');
    assert.equal(formatMoney(1234.5, 'EUR'), '€1,234.50');
  });
});
