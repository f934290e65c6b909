/**
 * Binary output of result values (the *_send functions): `binaryEncoder(oid)` picks the function once per
 * column. Values are never null here (the wire writes NULL as length -1).
 */
import { GatewayError } from '../errors/index.ts';
import { OID } from './oids.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgInterval, type PgTimeTz, type PgValue } from './values.ts';
import { elementOid, typeInfo } from './typeinfo.ts';
import { numericToBinary } from './numeric.ts';
import { uuidToBytes } from './uuid.ts';
import { arrayToBinary } from './arrays.ts';
import { EPOCH_DIFF_DAYS, EPOCH_DIFF_USECS } from './calendar.ts';

const EPOCH_DIFF_USECS_N = Number(EPOCH_DIFF_USECS);
import { badValue } from './errors.ts';

export type ValueBinaryEncoder = (v: PgValue) => Uint8Array;

const TWO_32 = 4294967296;
/** Bounds within which a bigint (and that bigint minus the 1970/2000 epoch difference) is exact as a double. */
const FAST_MIN = -(2n ** 52n);
const FAST_MAX = 2n ** 52n;

/** Writes a 64-bit integer given as a double known to be exact (avoids BigInt arithmetic). */
function writeInt64Number(b: Buffer, n: number, off: number): void {
  const hi = Math.floor(n / TWO_32);
  b.writeInt32BE(hi, off);
  b.writeUInt32BE(n - hi * TWO_32, off + 4);
}

function writeInt64(b: Buffer, v: bigint, off: number): void {
  if (v >= FAST_MIN && v <= FAST_MAX) writeInt64Number(b, Number(v), off);
  else b.writeBigInt64BE(v, off);
}

const TRUE_BYTE = new Uint8Array([1]);
const FALSE_BYTE = new Uint8Array([0]);

const boolSend: ValueBinaryEncoder = (v) => (v ? TRUE_BYTE : FALSE_BYTE).slice();

const int2Send: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(Number(v), 0);
  return b;
};

const int4Send: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(Number(v), 0);
  return b;
};

const oidSend: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(Number(v) >>> 0, 0);
  return b;
};

/** regproc's binary form is the function's OID; a value known only by its name cannot be sent that way. */
const regprocSend: ValueBinaryEncoder = (v) => {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return oidSend(v);
  if (v === '-') return oidSend(0);
  throw new GatewayError('FEATURE_NOT_SUPPORTED', `regproc value "${String(v)}" cannot be sent in binary format`, {
    hint: 'Ask for this column in text format, or cast it to oid.',
  });
};

const int8Send: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(8);
  if (typeof v === 'bigint') writeInt64(b, v, 0);
  else writeInt64Number(b, Math.trunc(v as number), 0);
  return b;
};

const float4Send: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(4);
  b.writeFloatBE(v as number, 0);
  return b;
};

const float8Send: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(v as number, 0);
  return b;
};

const textSend: ValueBinaryEncoder = (v) => Buffer.from(typeof v === 'string' ? v : String(v), 'utf8');

const charSend: ValueBinaryEncoder = (v) => {
  const s = v as string;
  return Uint8Array.of(s.length === 0 ? 0 : s.charCodeAt(0) & 0xff);
};

const jsonbSend: ValueBinaryEncoder = (v) => {
  const text = Buffer.from(v as string, 'utf8');
  const b = Buffer.allocUnsafe(text.length + 1);
  b[0] = 1;
  text.copy(b, 1);
  return b;
};

const byteaSend: ValueBinaryEncoder = (v) => {
  if (!(v instanceof Uint8Array)) throw badValue('bytea', v);
  return v;
};

const numericSend: ValueBinaryEncoder = (v) => numericToBinary(typeof v === 'string' ? v : String(v));
const uuidSend: ValueBinaryEncoder = (v) => uuidToBytes(v as string);

const dateSend: ValueBinaryEncoder = (v) => {
  const days = v as number;
  const b = Buffer.allocUnsafe(4);
  if (days === Infinity) b.writeInt32BE(0x7fffffff, 0);
  else if (days === -Infinity) b.writeInt32BE(-0x80000000, 0);
  else b.writeInt32BE(days - EPOCH_DIFF_DAYS, 0);
  return b;
};

const timeSend: ValueBinaryEncoder = (v) => {
  const b = Buffer.allocUnsafe(8);
  writeInt64(b, v as bigint, 0);
  return b;
};

const timetzSend: ValueBinaryEncoder = (v) => {
  const t = v as PgTimeTz;
  const b = Buffer.allocUnsafe(12);
  writeInt64(b, t.micros, 0);
  b.writeInt32BE(t.offsetSeconds === 0 ? 0 : -t.offsetSeconds, 8);
  return b;
};

const timestampSend: ValueBinaryEncoder = (v) => {
  const t = v as bigint;
  const b = Buffer.allocUnsafe(8);
  if (t >= FAST_MIN && t <= FAST_MAX) writeInt64Number(b, Number(t) - EPOCH_DIFF_USECS_N, 0);
  else b.writeBigInt64BE(t === TIMESTAMP_POS_INFINITY || t === TIMESTAMP_NEG_INFINITY ? t : t - EPOCH_DIFF_USECS, 0);
  return b;
};

const intervalSend: ValueBinaryEncoder = (v) => {
  const iv = v as PgInterval;
  const b = Buffer.allocUnsafe(16);
  writeInt64(b, iv.micros, 0);
  b.writeInt32BE(iv.days, 8);
  b.writeInt32BE(iv.months, 12);
  return b;
};

/** Whether binaryEncoder(oid) exists (clients asking for binary results of other types get an error). */
export function hasBinaryEncoder(oid: number): boolean {
  try {
    binaryEncoder(oid);
    return true;
  } catch {
    return false;
  }
}

/** The binary output function for a column of type `oid`; throws 42883 for types without one. */
export function binaryEncoder(oid: number): ValueBinaryEncoder {
  switch (oid) {
    case OID.bool:
      return boolSend;
    case OID.int2:
      return int2Send;
    case OID.int4:
      return int4Send;
    case OID.oid:
      return oidSend;
    case OID.regproc:
      return regprocSend;
    case OID.int8:
      return int8Send;
    case OID.float4:
      return float4Send;
    case OID.float8:
      return float8Send;
    case OID.numeric:
      return numericSend;
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.json:
    case OID.xml:
    case OID.unknown:
      return textSend;
    case OID.char:
      return charSend;
    case OID.jsonb:
      return jsonbSend;
    case OID.bytea:
      return byteaSend;
    case OID.uuid:
      return uuidSend;
    case OID.date:
      return dateSend;
    case OID.time:
      return timeSend;
    case OID.timetz:
      return timetzSend;
    case OID.timestamp:
    case OID.timestamptz:
      return timestampSend;
    case OID.interval:
      return intervalSend;
    default: {
      const elem = elementOid(oid);
      if (elem !== 0) {
        const element = binaryEncoder(elem);
        return (v) => arrayToBinary(v as PgValue[], elem, element);
      }
      throw new GatewayError('UNDEFINED_FUNCTION', `no binary output function available for type ${typeInfo(oid)?.name ?? oid}`);
    }
  }
}
