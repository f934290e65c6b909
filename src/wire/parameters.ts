import { GatewayError, isGatewayError } from '../errors/index.ts';
import { binaryDecoder, textDecoder, type InputSettings } from '../pgtypes/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { decodeUtf8Strict, type FormatCode } from './frontend-messages.ts';

/**
 * Decodes one Bind parameter into its canonical value. A parameter of unknown type (OID 0) sent as
 * text stays a string, for the engine to cast, as PostgreSQL's 'unknown' literal would.
 */
export function decodeParameter(raw: Buffer | null, typeOid: number, format: FormatCode, index: number, settings: InputSettings): PgValue {
  if (raw === null) return null;
  if (format === 0) {
    const text = decodeUtf8Strict(raw, 0, raw.length);
    // The session's DateStyle and TimeZone decide how '01/02/2024' or a zone-less timestamptz is read.
    return typeOid === 0 ? text : textDecoder(typeOid, settings)(text);
  }
  if (typeOid === 0)
    throw new GatewayError('INVALID_BINARY_REPRESENTATION', `could not determine the data type of bind parameter ${index} sent in binary format`, {
      hint: 'Declare the parameter type in Parse, or send it in text format.',
    });
  try {
    return binaryDecoder(typeOid)(raw);
  } catch (e) {
    if (isGatewayError(e) && e.code === 'INVALID_BINARY_REPRESENTATION')
      throw new GatewayError('INVALID_BINARY_REPRESENTATION', `incorrect binary data format in bind parameter ${index}`, { detail: e.message });
    throw e;
  }
}
