import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentSchema, searchPathSchemas } from '../../../src/executor/search-path.ts';

describe('search_path', () => {
  it('reads names as PostgreSQL does: unquoted fold to lower case, quoted kept, "$user" is the user', () => {
    assert.deepEqual(searchPathSchemas('"$user", public', 'alice'), ['alice', 'public']);
    assert.deepEqual(searchPathSchemas('Lake,"Mixed Case" ,  web', 'alice'), ['lake', 'Mixed Case', 'web']);
    assert.deepEqual(searchPathSchemas('"a""b"', 'alice'), ['a"b']);
    assert.deepEqual(searchPathSchemas('', 'alice'), []);
  });

  it('current_schema() is the first schema on the path that exists, else null', () => {
    const served = new Set(['lake', 'web']);
    assert.equal(currentSchema('"$user", public', 'alice', served), 'public');
    assert.equal(currentSchema('lake', 'alice', served), 'lake');
    assert.equal(currentSchema('nope, "$user", web, public', 'alice', served), 'web');
    assert.equal(currentSchema('"$user"', 'lake', served), 'lake');
    assert.equal(currentSchema('nope', 'alice', served), null);
    assert.equal(currentSchema('LAKE', 'alice', served), 'lake');
    assert.equal(currentSchema('"LAKE"', 'alice', served), null);
  });
});
