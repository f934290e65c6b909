import type { ColumnInfo, RowBatch } from '../../src/connectors/contract.ts';
import { silentLogger } from '../../src/log/index.ts';
import { OID } from '../../src/pgtypes/oids.ts';
import type { PgValue } from '../../src/pgtypes/values.ts';
import { createScramVerifier, PgServer, type BackendSession, type GatewayBackend, type StatementExecution } from '../../src/wire/index.ts';
import { makeTarget, type Target } from '../../test/helpers/target.ts';

/**
 * The floor under a cache hit: tollgate's own PostgreSQL protocol server (src/wire, the same framing,
 * encoder and socket handling) in front of a backend that answers every statement with one fixed result
 * and one notice, as a hit does, and nothing else: no routing, cache lookup, ledger or metrics. What it
 * reaches under pgbench is what this Node process can do over the protocol at all on this machine; the
 * gap from there to a hit is the gateway's own work.
 */
export async function startWireFloor(result: { columns: ColumnInfo[]; rows: PgValue[][] }): Promise<Target> {
  const batch: RowBatch = {
    rowCount: result.rows.length,
    columns: result.columns.map((_, c) => result.rows.map((r) => r[c]!)),
  };
  const verifiers = new Map<string, string>();
  const session: BackendSession = {
    initialParameterStatus: () => [['server_version', '15.0'], ['client_encoding', 'UTF8'], ['DateStyle', 'ISO, MDY'], ['integer_datetimes', 'on'], ['standard_conforming_strings', 'on']],
    outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
    transactionStatus: () => 'I',
    splitStatements: (sql) => [sql],
    // Without promises, as the gateway answers a cache hit: the floor is what the wire itself can do.
    prepare: () => ({ paramTypes: [], columns: result.columns }),
    execute: (_sql, _prepared, _params, opts): StatementExecution => {
      opts.events.notice('tollgate: cache hit, ~$0.0001 saved for team growth (cached 1 s ago)');
      const batches = [batch][Symbol.iterator]();
      return {
        columns: result.columns,
        batches: { next: () => batches.next() },
        commandTag: (n) => `SELECT ${n}`,
        close: () => {},
      };
    },
    markFailed: () => {},
    close: async () => {},
  };
  const backend: GatewayBackend = {
    credentials: async (user) => {
      if (!verifiers.has(user)) verifiers.set(user, createScramVerifier(user));
      return { name: user, scramVerifier: verifiers.get(user)!, allowCleartext: false };
    },
    openSession: async () => session,
  };
  const server = new PgServer({ backend, logger: silentLogger(), maxConnections: 100 });
  const address = await server.listen(0, '127.0.0.1');
  return makeTarget({ kind: 'tollgate', host: '127.0.0.1', port: address.port, diagnostics: () => '', stop: () => server.close(1000) });
}

/** The result a query gave through node-pg, as columns and canonical values (int8 as bigint, numeric as text). */
export function canonicalResult(fields: ReadonlyArray<{ name: string; dataTypeID: number }>, rows: ReadonlyArray<Record<string, unknown>>): { columns: ColumnInfo[]; rows: PgValue[][] } {
  const columns = fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typeModifier: -1 }));
  const value = (oid: number, v: unknown): PgValue => (v === null ? null : oid === OID.int8 ? BigInt(v as string) : oid === OID.int4 || oid === OID.float8 ? Number(v) : String(v));
  return { columns, rows: rows.map((r) => fields.map((f) => value(f.dataTypeID, r[f.name]))) };
}
