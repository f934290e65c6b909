/**
 * PostgreSQL result types → the types tollgate serves, and the text decoders that read them.
 *
 * Values arrive in PostgreSQL's text format and are decoded by pgtypes' own input functions, so they
 * are exact (numeric digits, microseconds, intervals' three fields, arrays, bytea). The engine
 * sessions pin the settings the text format depends on (see options.ts), and the decoders read with
 * the same ones.
 *
 * A type pgtypes knows (every built-in scalar it lists and its array) keeps its OID and typmod.
 * Anything else — inet, money, bit, ranges, geometric types, tsvector, enums, composite rows and
 * records, arrays of those, extension types — is served as `text` (typmod -1) holding PostgreSQL's
 * own output for the value ('192.168.0.1/32', '$1.00', '[1,5)', '(1,a)', '{...}'). textDecoder would
 * keep such text as is under the original OID, but the layers above (RowDescription, binary output,
 * the shadow catalog's DDL) only know pgtypes' types. Domains need nothing: PostgreSQL describes a
 * domain column by its base type.
 */
import { OID } from '../../pgtypes/oids.ts';
import { textDecoder, typeInfo, type InputSettings, type ValueTextDecoder } from '../../pgtypes/index.ts';

/** The settings every engine session runs with (options.ts sets them), as pgtypes' decoders take them. */
export const SESSION_SETTINGS: Readonly<InputSettings> = Object.freeze({
  dateStyle: 'ISO, MDY',
  timeZone: 'UTC',
  intervalStyle: 'postgres',
});

export interface ServedType {
  typeOid: number;
  typeModifier: number;
}

/** The type tollgate serves for a PostgreSQL type OID and typmod. */
export function servedType(typeOid: number, typeModifier: number): ServedType {
  if (typeInfo(typeOid) !== undefined && typeOid !== OID.unknown) return { typeOid, typeModifier };
  return { typeOid: OID.text, typeModifier: -1 };
}

/** The decoder for a column of a served type. */
export function decoderFor(typeOid: number): ValueTextDecoder {
  return textDecoder(typeOid, SESSION_SETTINGS);
}
