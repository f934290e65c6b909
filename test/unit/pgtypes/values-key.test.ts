import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valuesKey } from '../../../src/pgtypes/values.ts';

describe('valuesKey', () => {
  it('tells apart values plain JSON would confuse', () => {
    const keys = [
      valuesKey([5n]),
      valuesKey(['5n']),
      valuesKey([5]),
      valuesKey(['5']),
      valuesKey([NaN]),
      valuesKey([null]),
      valuesKey([Infinity]),
      valuesKey([new Uint8Array([1, 2])]),
      valuesKey(['0102']),
      valuesKey([[1, 2]]),
    ];
    assert.equal(new Set(keys).size, keys.length, keys.join('\n'));
  });

  it('is the same for equal values', () => {
    assert.equal(valuesKey([1n, 'a', new Uint8Array([255]), { months: 1, days: 2, micros: 3n }]), valuesKey([1n, 'a', new Uint8Array([255]), { months: 1, days: 2, micros: 3n }]));
  });
});
