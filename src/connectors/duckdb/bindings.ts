/**
 * The few raw C-API functions the vector readers use, taken from the very `@duckdb/node-bindings`
 * instance that `@duckdb/node-api` loaded (resolved from node-api's own location, so it cannot be a
 * second copy and needs no dependency of our own).
 *
 * Why raw: node-api's vectors check validity with a BigInt per row and decode every string with
 * TextDecoder plus one native call per non-inlined string; reading the buffers directly is 2-5x
 * faster (figures in test/connectors/duckdb-vectors.bench.ts).
 */
import { createRequire } from 'node:module';
import os from 'node:os';

/** Opaque native vector handle (duckdb_vector). */
export interface RawVector {
  readonly __duckdb_type: 'duckdb_vector';
}

export interface RawBindings {
  data_chunk_get_vector(chunk: unknown, columnIndex: number): RawVector;
  vector_get_data(vector: RawVector, byteCount: number): Uint8Array;
  vector_get_validity(vector: RawVector, byteCount: number): Uint8Array | null;
  list_vector_get_child(vector: RawVector): RawVector;
  list_vector_get_size(vector: RawVector): number;
  array_vector_get_child(vector: RawVector): RawVector;
  /** Reads a pointer at `pointerOffset` in `buffer`, returns a copy of `byteCount` bytes from it. */
  get_data_from_pointer(buffer: ArrayBuffer, pointerOffset: number, byteCount: number): Uint8Array;
  readonly sizeof_bool: number;
}

function load(): RawBindings {
  const here = createRequire(import.meta.url);
  const api = here.resolve('@duckdb/node-api');
  const raw = createRequire(api)('@duckdb/node-bindings') as RawBindings;
  for (const fn of [
    'data_chunk_get_vector',
    'vector_get_data',
    'vector_get_validity',
    'list_vector_get_child',
    'list_vector_get_size',
    'array_vector_get_child',
    'get_data_from_pointer',
  ] as const) {
    if (typeof raw[fn] !== 'function') throw new Error(`@duckdb/node-bindings lacks ${fn}; update the duckdb connector`);
  }
  return raw;
}

export const raw: RawBindings = load();

/** The readers view DuckDB's little-endian buffers through typed arrays, which use the host's order. */
export const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';
