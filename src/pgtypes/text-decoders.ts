/**
 * Text input of bound parameters (and literals): `textDecoder(oid, settings)` picks, once per parameter
 * type, the function that turns the client's text into the canonical value, accepting what PostgreSQL
 * accepts and failing with PostgreSQL's SQLSTATE and message otherwise.
 */
import type { OutputSettings } from '../wire/backend.ts';
import { OID } from './oids.ts';
import type { PgValue } from './values.ts';
import { elementOid } from './typeinfo.ts';
import { parseBool, parseInt2, parseInt4, parseInt8, parseOid } from './scalars.ts';
import { parseFloat4, parseFloat8 } from './float.ts';
import { parseNumeric } from './numeric.ts';
import { checkNoNul, truncateName } from './text.ts';
import { parseJsonText, parseJsonbText } from './json.ts';
import { parseUuid } from './uuid.ts';
import { parseBytea } from './bytea.ts';
import { parseDateStyle } from './calendar.ts';
import { parseDate, parseTime, parseTimestamp, parseTimestamptz, parseTimetz, type DateInputContext } from './datetime-parse.ts';
import { resolveTimeZone } from './timezone.ts';
import { parseInterval, parseIntervalStyle } from './interval.ts';
import { parseArrayLiteral } from './arrays.ts';
import { DEFAULT_OUTPUT_SETTINGS } from './settings.ts';

export type ValueTextDecoder = (s: string) => PgValue;

/** Session settings text input depends on: DateStyle (field order), TimeZone, IntervalStyle. */
export type InputSettings = Pick<OutputSettings, 'dateStyle' | 'timeZone' | 'intervalStyle'>;

function dateContext(settings: InputSettings, now?: () => bigint): DateInputContext {
  const ctx: DateInputContext = { order: parseDateStyle(settings.dateStyle).order, zone: resolveTimeZone(settings.timeZone) };
  if (now !== undefined) ctx.now = now;
  return ctx;
}

const charIn: ValueTextDecoder = (s) => (s.length === 0 ? '' : s[0]!);

/**
 * The text input function for a parameter of type `oid`. OID 0 (unspecified) and unknown OIDs keep the
 * text as is. `now` overrides the clock used by 'now', 'today', ... (tests, statement timestamps).
 */
export function textDecoder(oid: number, settings: InputSettings = DEFAULT_OUTPUT_SETTINGS, now?: () => bigint): ValueTextDecoder {
  switch (oid) {
    case OID.bool:
      return parseBool;
    case OID.int2:
      return parseInt2;
    case OID.int4:
      return parseInt4;
    case OID.int8:
      return parseInt8;
    case OID.oid:
      return parseOid;
    case OID.regproc:
      // Its text form is a function name (or '-' for none), as for every reg* type: kept as text.
      return checkNoNul;
    case OID.float4:
      return parseFloat4;
    case OID.float8:
      return parseFloat8;
    case OID.numeric:
      return parseNumeric;
    case OID.name:
      return (s) => truncateName(checkNoNul(s));
    case OID.char:
      return charIn;
    case OID.json:
      return parseJsonText;
    case OID.jsonb:
      return parseJsonbText;
    case OID.uuid:
      return parseUuid;
    case OID.bytea:
      return parseBytea;
    case OID.date: {
      const ctx = dateContext(settings, now);
      return (s) => parseDate(s, ctx);
    }
    case OID.time: {
      const ctx = dateContext(settings, now);
      return (s) => parseTime(s, ctx);
    }
    case OID.timetz: {
      const ctx = dateContext(settings, now);
      return (s) => parseTimetz(s, ctx);
    }
    case OID.timestamp: {
      const ctx = dateContext(settings, now);
      return (s) => parseTimestamp(s, ctx);
    }
    case OID.timestamptz: {
      const ctx = dateContext(settings, now);
      return (s) => parseTimestamptz(s, ctx);
    }
    case OID.interval: {
      const style = parseIntervalStyle(settings.intervalStyle);
      return (s) => parseInterval(s, style);
    }
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.xml:
    case OID.unknown:
      return checkNoNul;
    default: {
      const elem = elementOid(oid);
      if (elem !== 0) {
        const element = textDecoder(elem, settings, now);
        return (s) => parseArrayLiteral(s, element);
      }
      return checkNoNul;
    }
  }
}
