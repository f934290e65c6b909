/**
 * PostgreSQL values on the wire: type metadata, text and binary output of result values, and text and
 * binary input of bound parameters, byte-for-byte as PostgreSQL 15 does them. Select each function once per
 * column or parameter; the returned functions are the hot path.
 */
export * from './values.ts';
export { OID, type OidName } from './oids.ts';
export {
  typeInfo,
  typeInfoByName,
  elementOid,
  arrayOid,
  isArrayOid,
  allTypes,
  displayName,
  formatType,
  type TypeInfo,
  type TypeCategory,
} from './typeinfo.ts';
export { textEncoder, type ValueTextEncoder } from './text-encoders.ts';
export { binaryEncoder, hasBinaryEncoder, type ValueBinaryEncoder } from './binary-encoders.ts';
export { textDecoder, type ValueTextDecoder, type InputSettings } from './text-decoders.ts';
export { binaryDecoder, type ValueBinaryDecoder } from './binary-decoders.ts';
export { DEFAULT_OUTPUT_SETTINGS } from './settings.ts';
export { resolveTimeZone, tryResolveTimeZone, type TimeZone } from './timezone.ts';
export { parseDateStyle, type DateStyle, type DateStyleName, type DateOrder } from './calendar.ts';
export { parseIntervalStyle, type IntervalStyle } from './interval.ts';
export { float8ToText, float4ToText } from './float.ts';
export { quoteArrayElement } from './arrays.ts';
