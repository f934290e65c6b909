import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapPgError } from '../../../src/connectors/postgres/errors.ts';

describe('postgres connector errors', () => {
  it('a server error is relayed with its SQLSTATE', () => {
    const e = mapPgError({ code: '22012', severity: 'ERROR', message: 'division by zero' }, 'crm');
    assert.equal(e.sqlstate, '22012');
  });

  it('a Node socket error (EPIPE: five capitals, no severity) is the engine being unavailable, named', () => {
    for (const code of ['EPIPE', 'ECONNRESET']) {
      const e = mapPgError(Object.assign(new Error(`write ${code}`), { code }), 'crm');
      assert.equal(e.code, 'ENGINE_UNAVAILABLE');
      assert.equal(e.sqlstate, '08006');
      assert.match(e.message, /postgres engine "crm"/);
    }
  });
});
