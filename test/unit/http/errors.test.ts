import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { GatewayError, type ErrorCode } from '../../../src/errors/index.ts';
import { errorBody, statusFor, toHttpError, validationMessage } from '../../../src/http/errors.ts';
import { httpLogger } from '../../../src/http/logger.ts';
import { createLogger } from '../../../src/log/index.ts';

describe('HTTP error mapping', () => {
  it('maps codes and kinds to statuses', () => {
    const cases: Array<[ErrorCode, number]> = [
      ['INVALID_PARAMETER_VALUE', 400],
      ['SYNTAX_ERROR', 400],
      ['NOT_FOUND', 404],
      ['AUTHENTICATION_REQUIRED', 401],
      ['INVALID_PASSWORD', 401],
      ['INVALID_AUTHORIZATION', 403],
      ['INSECURE_TRANSPORT', 403],
      ['INSUFFICIENT_PRIVILEGE', 403],
      ['BUDGET_EXCEEDED', 429],
      ['MAX_BYTES_BILLED_EXCEEDED', 429],
      ['OUT_OF_MEMORY', 503],
      ['ENGINE_UNAVAILABLE', 503],
      ['LEDGER_UNAVAILABLE', 503],
      ['QUERY_CANCELED', 503],
      ['INTERNAL', 500],
      ['CONFIG_INVALID', 500],
    ];
    for (const [code, status] of cases) assert.equal(statusFor(new GatewayError(code, 'x')), status, code);
  });

  it('hides unknown errors behind a generic 500', () => {
    const { error, status } = toHttpError(new Error('connection string postgres://u:secret@h'));
    assert.equal(status, 500);
    assert.deepEqual(errorBody(error), { error: { code: 'INTERNAL', sqlstate: 'XX000', message: 'internal error in tollgate; the details are in the server log' } });
  });

  it('keeps the hint', () => {
    assert.deepEqual(errorBody(new GatewayError('NOT_FOUND', 'm', { hint: 'h' })), { error: { code: 'NOT_FOUND', sqlstate: '42704', message: 'm', hint: 'h' } });
  });

  it('names the field of a schema error', () => {
    assert.equal(validationMessage('body', [{ instancePath: '/userCaps/alice/monthly', keyword: 'minimum', message: 'must be >= 0' }]), 'userCaps.alice.monthly must be >= 0');
    assert.equal(validationMessage('body', [{ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'x' } }]), 'unknown field "x" in the body');
    assert.equal(validationMessage('body', [{ instancePath: '/userCaps/bob', keyword: 'required', params: { missingProperty: 'daily' } }]), 'userCaps.bob.daily is required in the body');
    assert.equal(validationMessage('querystring', [{ instancePath: '/limit', keyword: 'pattern', message: 'must match pattern "x"' }]), 'limit must match pattern "x"');
  });
});

describe('HTTP logger', () => {
  it('redacts a header object logged by hand', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        text += chunk.toString();
        cb();
      },
    });
    const log = httpLogger(createLogger({ destination }));
    log.info({ headers: { authorization: 'Basic c2VjcmV0', host: 'h' } }, 'x');
    log.info({ req: { method: 'GET', url: '/u', headers: { authorization: 'Basic c2VjcmV0' }, socket: { remoteAddress: '127.0.0.1' } } }, 'y');
    assert.ok(!text.includes('c2VjcmV0'), text);
    assert.ok(text.includes('"url":"/u"'));
  });
});
