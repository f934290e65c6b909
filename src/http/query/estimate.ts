import type { PgValue } from '../../pgtypes/index.ts';
import type { BackendSession, PreparedStatement } from '../../wire/backend.ts';
import type { EstimateResponse } from '../schemas/query.ts';
import { collectingEvents, decodeParams, type JsonParam } from './statement.ts';

/** All rows of a statement run through the session (EXPLAIN answers are a few small rows). */
async function rowsOf(session: BackendSession, sql: string, prepared: PreparedStatement, params: readonly JsonParam[], signal: AbortSignal): Promise<PgValue[][]> {
  const values = decodeParams(params, prepared.paramTypes, session.outputSettings());
  const exec = await session.execute(sql, prepared, values, { signal, events: collectingEvents([]) });
  const rows: PgValue[][] = [];
  try {
    for (let r = await exec.batches?.next(); r && !r.done; r = await exec.batches!.next()) {
      const b = r.value;
      for (let i = 0; i < b.rowCount; i++) rows.push(b.columns.map((c) => c[i] ?? null));
    }
  } catch (e) {
    await exec.close({ error: e, rowsSent: rows.length });
    throw e;
  }
  await exec.close({ rowsSent: rows.length });
  return rows;
}

/**
 * The estimate of `statement` from the session's own dry-run statements, so it is what a PostgreSQL
 * client sees: `EXPLAIN` for the route, `EXPLAIN (COST)` for the bytes and the price. Neither runs the
 * statement, and neither is billed or held against a budget. The plain EXPLAIN is prepared first: its
 * engine infers the parameter types, which EXPLAIN (COST) (never described by an engine) is then given.
 */
export async function estimateStatement(session: BackendSession, statement: string, params: readonly JsonParam[], signal: AbortSignal): Promise<EstimateResponse> {
  const explainSql = `EXPLAIN ${statement}`;
  const typed = await session.prepare(explainSql, []);
  const explain = (await rowsOf(session, explainSql, typed, params, signal)).map((r) => String(r[0]));
  const costSql = `EXPLAIN (COST) ${statement}`;
  const costRows = await rowsOf(session, costSql, await session.prepare(costSql, typed.paramTypes), params, signal);
  // Rows: table_name, engine, estimated_bytes, billed_bytes, cost, detail; the last is the total
  // (engines joined with ' + ', the currency as its detail). See executor/costing.ts dryRunRows.
  const total = costRows[costRows.length - 1]!;
  const tables = costRows.slice(0, -1).map((r) => ({
    table: String(r[0]),
    engine: String(r[1]),
    bytes: Number(r[2]),
    billedBytes: Number(r[3]),
    cost: Number(r[4]),
    pruned: String(r[5] ?? ''),
  }));
  return {
    route: { engines: routeEngines(explain, tables.map((t) => t.engine)), explain },
    estimate: { bytes: Number(total[2]), billedBytes: Number(total[3]), cost: Number(total[4]), currency: String(total[5]), tables },
  };
}

/** The engines a statement runs on: EXPLAIN's route line (the engine, or the joining one) and each table's. */
export function routeEngines(explain: readonly string[], tableEngines: readonly string[]): string[] {
  const engines = new Set<string>();
  const single = /^Route: engine (\S+)/.exec(explain[0] ?? '');
  if (single) engines.add(single[1]!);
  for (const e of tableEngines) engines.add(e);
  const host = /joined on engine (\S+)$/.exec(explain[0] ?? '');
  if (host) engines.add(host[1]!);
  return [...engines];
}
