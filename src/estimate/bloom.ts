/**
 * Parquet split-block bloom filters (the format DuckDB writes for dictionary-encoded chunks and checks for
 * `column = constant` filters): the BloomFilterHeader, XXH64 of the plain-encoded value, and the
 * eight-bit block test. Used to skip the row groups DuckDB skips; reading the filter is also part of what
 * DuckDB reads.
 */
import type { LeafColumn } from './footer.ts';
import { readStruct, num, struct, ThriftTruncatedError } from './thrift.ts';
import type { Comparable } from './values.ts';

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M64;
}
function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & M64, 31n) * P1) & M64;
}
function merge(acc: bigint, v: bigint): bigint {
  return (((acc ^ round(0n, v)) * P1) & M64) + P4 & M64;
}

/** XXH64 (seed 0 unless given) of `data`. */
export function xxhash64(data: Uint8Array, seed = 0n): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed & M64;
    let v4 = (seed - P1) & M64;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, dv.getBigUint64(i, true));
      v2 = round(v2, dv.getBigUint64(i + 8, true));
      v3 = round(v3, dv.getBigUint64(i + 16, true));
      v4 = round(v4, dv.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, dv.getBigUint64(i, true));
    h = ((rotl(h, 27n) * P1) & M64) + P4 & M64;
  }
  if (i + 4 <= len) {
    h ^= (BigInt(dv.getUint32(i, true)) * P1) & M64;
    h = ((rotl(h, 23n) * P2) & M64) + P3 & M64;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(data[i]!) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

const SALT = [0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31];

/** Might the filter `bitset` contain the value whose hash is `hash`? */
export function bloomMightContain(bitset: Uint8Array, hash: bigint): boolean {
  const blocks = Math.floor(bitset.length / 32);
  if (blocks === 0) return true;
  const index = Number(((hash >> 32n) * BigInt(blocks)) >> 32n);
  const key = Number(hash & 0xffffffffn);
  const dv = new DataView(bitset.buffer, bitset.byteOffset + index * 32, 32);
  for (let i = 0; i < 8; i++) {
    const bit = Math.imul(key, SALT[i]!) >>> 27;
    if ((dv.getUint32(i * 4, true) & (1 << bit)) === 0) return false;
  }
  return true;
}

/**
 * Where the bitset starts in the bytes of a bloom filter (header + bitset) and how long it is; undefined
 * for algorithms, hashes or compressions other than split-block / XXH64 / uncompressed.
 */
export function parseBloomHeader(bytes: Uint8Array): { headerLength: number; numBytes: number } | undefined {
  let parsed;
  try {
    parsed = readStruct(bytes);
  } catch (e) {
    if (e instanceof ThriftTruncatedError) return undefined;
    throw e;
  }
  const h = parsed.value;
  const numBytes = num(h, 1);
  const algorithm = struct(h, 2);
  const hash = struct(h, 3);
  const compression = struct(h, 4);
  if (numBytes === undefined || !algorithm?.has(1) || !hash?.has(1) || (compression !== undefined && !compression.has(1))) return undefined;
  return { headerLength: parsed.end, numBytes };
}

/**
 * The plain encoding DuckDB hashes for `value` in a chunk of `leaf`, for the column types whose equality
 * filters DuckDB checks against bloom filters (integers, floats, strings, blobs; measured: not DATE);
 * undefined for the others.
 */
export function bloomKey(value: Comparable, leaf: LeafColumn): Uint8Array | undefined {
  const kind = leaf.value.kind;
  if (kind === 'int' && value.d === 'exact' && value.s === 0) {
    if (leaf.physical === 'INT32') {
      if (value.m < -(2n ** 31n) || value.m >= 2n ** 32n) return undefined;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, Number(BigInt.asUintN(32, value.m)), true);
      return b;
    }
    if (leaf.physical === 'INT64') {
      if (value.m < -(2n ** 63n) || value.m >= 2n ** 64n) return undefined;
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value.m), true);
      return b;
    }
    return undefined;
  }
  if (kind === 'float' && value.d === 'float') {
    if (leaf.physical === 'DOUBLE') {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, value.v, true);
      return b;
    }
    if (leaf.physical === 'FLOAT') {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, value.v, true);
      return b;
    }
    return undefined;
  }
  if ((kind === 'string' || kind === 'binary') && value.d === 'bytes' && leaf.physical === 'BYTE_ARRAY') return value.v;
  return undefined;
}
