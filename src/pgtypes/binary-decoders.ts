/**
 * Binary input of bound parameters (the *_recv functions): `binaryDecoder(oid)` picks the function once per
 * parameter type. Wrong lengths and malformed data throw INVALID_BINARY_REPRESENTATION (22P03); the caller
 * adds which parameter it was ('incorrect binary data format in bind parameter 1').
 */
import { GatewayError } from '../errors/index.ts';
import { OID } from './oids.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgValue } from './values.ts';
import { elementOid, typeInfo } from './typeinfo.ts';
import { numericFromBinary } from './numeric.ts';
import { uuidBytesToText } from './uuid.ts';
import { arrayFromBinary } from './arrays.ts';
import { decodeUtf8, truncateName } from './text.ts';
import { jsonbFromBinary, parseJsonText } from './json.ts';
import {
  DATE_END_JULIAN,
  EPOCH_DIFF_DAYS,
  EPOCH_DIFF_USECS,
  END_TIMESTAMP_1970,
  MIN_TIMESTAMP_1970,
  UNIX_EPOCH_JDATE,
  USECS_PER_DAY_N,
} from './calendar.ts';
import { TZ_DISPLACEMENT_CODE, badBinaryLength, datetimeOutOfRange } from './errors.ts';

export type ValueBinaryDecoder = (b: Uint8Array) => PgValue;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function fixed(typeName: string, size: number, read: (b: Uint8Array) => PgValue): ValueBinaryDecoder {
  return (b) => {
    if (b.length !== size) throw badBinaryLength(typeName, size, b.length);
    return read(b);
  };
}

const int2Recv = fixed('smallint', 2, (b) => ((b[0]! << 24) >> 16) | b[1]!);
const int4Recv = fixed('integer', 4, (b) => (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!);
const oidRecv = fixed('oid', 4, (b) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
const int8Recv = fixed('bigint', 8, (b) => view(b).getBigInt64(0));
const float4Recv = fixed('real', 4, (b) => view(b).getFloat32(0));
const float8Recv = fixed('double precision', 8, (b) => view(b).getFloat64(0));
const boolRecv = fixed('boolean', 1, (b) => b[0] !== 0);
const charRecv = fixed('"char"', 1, (b) => String.fromCharCode(b[0]!));
const uuidRecv = fixed('uuid', 16, (b) => uuidBytesToText(b));

const dateRecv = fixed('date', 4, (b) => {
  const d = view(b).getInt32(0);
  if (d === 0x7fffffff) return Infinity;
  if (d === -0x80000000) return -Infinity;
  const days = d + EPOCH_DIFF_DAYS;
  const jd = days + UNIX_EPOCH_JDATE;
  if (jd < 0 || jd >= DATE_END_JULIAN) throw datetimeOutOfRange('date out of range');
  return days;
});

const timeRecv = fixed('time', 8, (b) => {
  const t = view(b).getBigInt64(0);
  if (t < 0n || t > USECS_PER_DAY_N) throw datetimeOutOfRange('time out of range');
  return t;
});

/** TZDISP_LIMIT: offsets must stay within +-15:59. */
const TZDISP_LIMIT = (15 * 60 + 59) * 60;

const timetzRecv = fixed('time with time zone', 12, (b) => {
  const v = view(b);
  const micros = v.getBigInt64(0);
  const zone = v.getInt32(8);
  if (micros < 0n || micros > USECS_PER_DAY_N) throw datetimeOutOfRange('time out of range');
  if (zone <= -TZDISP_LIMIT || zone >= TZDISP_LIMIT) throw new GatewayError(TZ_DISPLACEMENT_CODE, 'time zone displacement out of range');
  return { micros, offsetSeconds: zone === 0 ? 0 : -zone };
});

const PG_NOBEGIN = -(2n ** 63n);
const PG_NOEND = 2n ** 63n - 1n;

const timestampRecv = fixed('timestamp', 8, (b) => {
  const t = view(b).getBigInt64(0);
  if (t === PG_NOEND) return TIMESTAMP_POS_INFINITY;
  if (t === PG_NOBEGIN) return TIMESTAMP_NEG_INFINITY;
  const v = t + EPOCH_DIFF_USECS;
  if (v < MIN_TIMESTAMP_1970 || v >= END_TIMESTAMP_1970) throw datetimeOutOfRange('timestamp out of range');
  return v;
});

const intervalRecv = fixed('interval', 16, (b) => {
  const v = view(b);
  return { micros: v.getBigInt64(0), days: v.getInt32(8), months: v.getInt32(12) };
});

const textRecv: ValueBinaryDecoder = (b) => decodeUtf8(b);
const nameRecv: ValueBinaryDecoder = (b) => truncateName(decodeUtf8(b));
const jsonRecv: ValueBinaryDecoder = (b) => parseJsonText(decodeUtf8(b));
const jsonbRecv: ValueBinaryDecoder = (b) => jsonbFromBinary(b);
/** Copies: the input usually views a reused protocol buffer. */
const byteaRecv: ValueBinaryDecoder = (b) => b.slice();
const numericRecv: ValueBinaryDecoder = (b) => numericFromBinary(b);

/** The binary input function for a parameter of type `oid`; throws 42883 for types without one. */
export function binaryDecoder(oid: number): ValueBinaryDecoder {
  switch (oid) {
    case OID.bool:
      return boolRecv;
    case OID.int2:
      return int2Recv;
    case OID.int4:
      return int4Recv;
    case OID.int8:
      return int8Recv;
    case OID.oid:
    case OID.regproc:
      return oidRecv;
    case OID.float4:
      return float4Recv;
    case OID.float8:
      return float8Recv;
    case OID.numeric:
      return numericRecv;
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.xml:
    case OID.unknown:
      return textRecv;
    case OID.name:
      return nameRecv;
    case OID.char:
      return charRecv;
    case OID.json:
      return jsonRecv;
    case OID.jsonb:
      return jsonbRecv;
    case OID.bytea:
      return byteaRecv;
    case OID.uuid:
      return uuidRecv;
    case OID.date:
      return dateRecv;
    case OID.time:
      return timeRecv;
    case OID.timetz:
      return timetzRecv;
    case OID.timestamp:
    case OID.timestamptz:
      return timestampRecv;
    case OID.interval:
      return intervalRecv;
    default: {
      const elem = elementOid(oid);
      if (elem !== 0) {
        const element = binaryDecoder(elem);
        return (b) => arrayFromBinary(b, elem, element);
      }
      throw new GatewayError('UNDEFINED_FUNCTION', `no binary input function available for type ${typeInfo(oid)?.name ?? oid}`);
    }
  }
}
