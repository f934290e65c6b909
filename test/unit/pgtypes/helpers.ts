import assert from 'node:assert/strict';
import { ERROR_CODES, GatewayError } from '../../../src/errors/index.ts';
import {
  DATETIME_FORMAT_CODE,
  DATETIME_OVERFLOW_CODE,
  INTERVAL_OVERFLOW_CODE,
  UNTRANSLATABLE_CODE,
  TZ_DISPLACEMENT_CODE,
} from '../../../src/pgtypes/errors.ts';
import { typeInfoByName } from '../../../src/pgtypes/index.ts';
import type { OutputSettings } from '../../../src/wire/backend.ts';

export const ISO_UTC: OutputSettings = {
  dateStyle: 'ISO, MDY',
  timeZone: 'UTC',
  extraFloatDigits: 1,
  intervalStyle: 'postgres',
  byteaOutput: 'hex',
};

export function settings(over: Partial<OutputSettings>): OutputSettings {
  return { ...ISO_UTC, ...over };
}

export function oidOf(typname: string): number {
  const info = typeInfoByName(typname);
  assert.ok(info, `unknown type ${typname}`);
  return info.oid;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/**
 * The SQLSTATE tollgate sends for a PostgreSQL SQLSTATE: the same one when the shared error table has it,
 * otherwise the documented fallback (see src/pgtypes/errors.ts).
 */
export function expectedSqlstate(pgState: string): string {
  if (Object.values(ERROR_CODES).some((s) => s.sqlstate === pgState)) return pgState;
  const fallback: Record<string, string> = {
    '22007': ERROR_CODES[DATETIME_FORMAT_CODE].sqlstate,
    '22008': ERROR_CODES[DATETIME_OVERFLOW_CODE].sqlstate,
    '22009': ERROR_CODES[TZ_DISPLACEMENT_CODE].sqlstate,
    '22015': ERROR_CODES[INTERVAL_OVERFLOW_CODE].sqlstate,
    '22P05': ERROR_CODES[UNTRANSLATABLE_CODE].sqlstate,
  };
  return fallback[pgState] ?? pgState;
}

/** Asserts fn throws a GatewayError with PostgreSQL's message and (mapped) SQLSTATE. */
export function assertPgError(fn: () => unknown, expected: { sqlstate: string; message: string }, label: string): void {
  let thrown: unknown;
  try {
    const v = fn();
    assert.fail(`${label}: expected error "${expected.message}", got ${String(v)}`);
  } catch (e) {
    thrown = e;
  }
  if (thrown instanceof assert.AssertionError) throw thrown;
  assert.ok(thrown instanceof GatewayError, `${label}: expected GatewayError, got ${String(thrown)}`);
  assert.equal(thrown.message, expected.message, label);
  assert.equal(thrown.sqlstate, expectedSqlstate(expected.sqlstate), `${label}: sqlstate`);
}
