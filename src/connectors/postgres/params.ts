/**
 * Canonical parameter values → the text PostgreSQL's input functions read.
 *
 * Each value is printed by pgtypes' text encoder for its declared type, under the same settings the
 * engine sessions run with (ISO dates, UTC, 'postgres' intervals, hex bytea), and sent with that type
 * in the Parse message, so PostgreSQL reads it with the type the client meant. An undeclared type (0)
 * lets PostgreSQL infer it from the statement, as it does for its own clients; the value then goes as
 * its plain text form.
 */
import { GatewayError } from '../../errors/index.ts';
import { DEFAULT_OUTPUT_SETTINGS, textEncoder, type ValueTextEncoder } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';

export interface EncodedParams {
  values: Array<string | null>;
  /** One OID per value (0 = let PostgreSQL infer it). */
  types: number[];
}

export function encodeParams(params: readonly PgValue[], paramTypes: readonly number[]): EncodedParams {
  const types = params.map((_, i) => paramTypes[i] ?? 0);
  // Declared types beyond the values still describe parameters of the statement.
  for (let i = params.length; i < paramTypes.length; i++) types.push(paramTypes[i]!);
  const encoders = new Map<number, ValueTextEncoder>();
  const values = params.map((v, i) => {
    if (v === null) return null;
    const oid = types[i]!;
    let encode = encoders.get(oid);
    if (encode === undefined) {
      encode = textEncoder(oid, DEFAULT_OUTPUT_SETTINGS);
      encoders.set(oid, encode);
    }
    let text: string;
    try {
      text = encode(v);
    } catch (e) {
      throw new GatewayError('INVALID_PARAMETER_VALUE', `parameter $${i + 1}: cannot print this value as type OID ${oid}`, { cause: e });
    }
    if (text.includes('\0')) throw new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', `parameter $${i + 1}: PostgreSQL text cannot contain NUL (0x00)`);
    return text;
  });
  return { values, types };
}
