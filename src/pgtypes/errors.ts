import { ERROR_CODES, GatewayError, type ErrorCode } from '../errors/index.ts';

/**
 * Error helpers for value conversion, worded exactly as PostgreSQL words them.
 *
 * PostgreSQL uses a few SQLSTATEs that the shared table in src/errors/codes.ts may not list yet
 * (22007 invalid_datetime_format, 22008 datetime_field_overflow, 22009 invalid_time_zone_displacement_value,
 * 22015 interval_field_overflow, 22P05 untranslatable_character). They are looked up by name; until the table has them, the nearest
 * listed code of the same class is used instead, so no SQLSTATE is ever invented here.
 */
function codeOr(preferred: string, fallback: ErrorCode): ErrorCode {
  return (preferred in ERROR_CODES ? preferred : fallback) as ErrorCode;
}

export const DATETIME_FORMAT_CODE = codeOr('INVALID_DATETIME_FORMAT', 'INVALID_TEXT_REPRESENTATION');
export const DATETIME_OVERFLOW_CODE = codeOr('DATETIME_FIELD_OVERFLOW', 'DATA_EXCEPTION');
export const TZ_DISPLACEMENT_CODE = codeOr('INVALID_TIME_ZONE_DISPLACEMENT_VALUE', 'DATA_EXCEPTION');
export const INTERVAL_OVERFLOW_CODE = codeOr('INTERVAL_FIELD_OVERFLOW', 'DATA_EXCEPTION');
/** 22P05 untranslatable_character (jsonb's \u0000). */
export const UNTRANSLATABLE_CODE = codeOr('UNTRANSLATABLE_CHARACTER', 'INVALID_TEXT_REPRESENTATION');

/** invalid input syntax for type integer: "abc" (22P02) */
export function invalidSyntax(typeName: string, input: string): GatewayError {
  return new GatewayError('INVALID_TEXT_REPRESENTATION', `invalid input syntax for type ${typeName}: "${input}"`);
}

/** invalid input syntax for type date: "x" (22007 in PostgreSQL) */
export function invalidDatetimeSyntax(typeName: string, input: string): GatewayError {
  return new GatewayError(DATETIME_FORMAT_CODE, `invalid input syntax for type ${typeName}: "${input}"`);
}

/** date/time field value out of range: "2024-13-01" (22008) */
export function datetimeFieldOverflow(input: string, hint?: string): GatewayError {
  return new GatewayError(DATETIME_OVERFLOW_CODE, `date/time field value out of range: "${input}"`, hint === undefined ? {} : { hint });
}

/** e.g. timestamp out of range: "294277-01-01" (22008) */
export function datetimeOutOfRange(message: string): GatewayError {
  return new GatewayError(DATETIME_OVERFLOW_CODE, message);
}

/** value "99999" is out of range for type smallint (22003) */
export function valueOutOfRange(input: string, typeName: string): GatewayError {
  return new GatewayError('NUMERIC_VALUE_OUT_OF_RANGE', `value "${input}" is out of range for type ${typeName}`);
}

export function numericOutOfRange(message: string): GatewayError {
  return new GatewayError('NUMERIC_VALUE_OUT_OF_RANGE', message);
}

/** Bad binary parameter data (22P03); the caller adds which parameter it was. */
export function badBinary(message: string): GatewayError {
  return new GatewayError('INVALID_BINARY_REPRESENTATION', message);
}

/** Binary data whose length does not fit the type. */
export function badBinaryLength(typeName: string, expected: number | string, got: number): GatewayError {
  return badBinary(`incorrect binary data format for type ${typeName}: expected ${expected} bytes, got ${got}`);
}

export function invalidParameterValue(message: string): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', message);
}

/** The value handed to an encoder is not the in-memory form values.ts promises for the column type. */
export function badValue(typeName: string, v: unknown): GatewayError {
  const shown = typeof v === 'bigint' ? `${v}n` : typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : String(v);
  return new GatewayError('INTERNAL', `cannot encode ${typeof v} value ${shown} as ${typeName}`);
}
