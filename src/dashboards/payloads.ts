import type { CardSpec, DashboardSpec } from './spec.ts';

/**
 * Request bodies for Metabase's REST API, built from the files, and the comparisons that make push
 * idempotent (an object that already matches is not written). Shapes, from Metabase's API reference
 * (https://www.metabase.com/docs/latest/api, generated from the same schemas the server validates with):
 * - POST /api/database: name, engine, details (a map) required; is_full_sync, auto_run_queries optional.
 * - POST /api/collection: name required; description, parent_id optional.
 * - POST /api/card: name, display, dataset_query (a map), visualization_settings (a map) required;
 *   description, collection_id, type optional. PUT /api/card/:id takes the same fields, all optional.
 *   A native query is dataset_query {type: "native", native: {query, template-tags}, database}.
 * - POST /api/dashboard: name required; description, collection_id optional.
 * - PUT /api/dashboard/:id (v0.47+): dashcards, each {id, card_id, row, col, size_x, size_y}, ids unique;
 *   an existing dashcard keeps its id, a new one gets a negative id, and dashcards left out are removed.
 */

export interface GatewayConnection {
  host: string;
  port: number;
  dbname: string;
  user: string;
  password: string;
}

/** The non-secret details push compares; Metabase never returns the password (it answers a placeholder). */
export const COMPARED_DETAILS = ['host', 'port', 'dbname', 'user'] as const;

export function databaseBody(name: string, gw: GatewayConnection): Record<string, unknown> {
  return {
    name,
    engine: 'postgres',
    // tollgate speaks the PostgreSQL protocol, so Metabase's own postgres driver connects to it.
    details: { host: gw.host, port: gw.port, dbname: gw.dbname, user: gw.user, password: gw.password, ssl: false, 'tunnel-enabled': false },
    is_full_sync: true,
    auto_run_queries: true,
  };
}

export function databaseMatches(details: Record<string, unknown> | undefined, gw: GatewayConnection): boolean {
  return COMPARED_DETAILS.every((k) => String(details?.[k] ?? '') === String(gw[k]));
}

export function cardBody(card: CardSpec, databaseId: number, collectionId: number): Record<string, unknown> {
  return {
    name: card.name,
    description: card.description === '' ? null : card.description,
    type: 'question',
    display: card.display,
    collection_id: collectionId,
    dataset_query: { type: 'native', native: { query: card.query, 'template-tags': {} }, database: databaseId },
    visualization_settings: card.visualizationSettings,
  };
}

/** A card as GET /api/card lists it (the fields push reads). */
export interface RemoteCard {
  id: number;
  name: string;
  collection_id: number | null;
  archived?: boolean;
  description?: string | null;
  display?: string;
  dataset_query?: Record<string, unknown>;
  visualization_settings?: Record<string, unknown>;
}

/**
 * The SQL of a stored card: dataset_query.native.query in the legacy query format, or the native text of the
 * first stage in the newer (MBQL 5) format that recent versions may return.
 */
export function remoteSql(card: RemoteCard): string | undefined {
  const q = card.dataset_query as { native?: { query?: unknown }; stages?: Array<{ native?: unknown }> } | undefined;
  if (typeof q?.native?.query === 'string') return q.native.query;
  const stage = q?.stages?.[0]?.native;
  return typeof stage === 'string' ? stage : undefined;
}

function remoteDatabase(card: RemoteCard): unknown {
  return (card.dataset_query as { database?: unknown } | undefined)?.database;
}

/** Key-order-insensitive equality for the JSON values Metabase stores. */
export function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(norm) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, norm(x)])) : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

export function cardMatches(remote: RemoteCard, card: CardSpec, databaseId: number): boolean {
  return (
    remoteSql(remote) === card.query &&
    remoteDatabase(remote) === databaseId &&
    remote.display === card.display &&
    (remote.description ?? '') === card.description &&
    sameJson(remote.visualization_settings ?? {}, card.visualizationSettings)
  );
}

export interface RemoteDashcard {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
}

export interface Dashcard {
  id: number;
  card_id: number;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
}

/**
 * The dashcards of `dashboard` for PUT /api/dashboard/:id: each placed card reuses the id of an existing
 * dashcard showing the same card (so Metabase updates it in place), else gets the next negative id.
 */
export function dashcards(dashboard: DashboardSpec, cardIds: ReadonlyMap<string, number>, existing: readonly RemoteDashcard[]): Dashcard[] {
  const free = [...existing];
  let next = -1;
  return dashboard.cards.map((p) => {
    const cardId = cardIds.get(p.card)!;
    const i = free.findIndex((d) => d.card_id === cardId);
    const id = i >= 0 ? free.splice(i, 1)[0]!.id : next--;
    return { id, card_id: cardId, row: p.row, col: p.col, size_x: p.sizeX, size_y: p.sizeY };
  });
}

/** True when the dashboard already shows exactly these dashcards (ids, cards and places). */
export function dashcardsMatch(existing: readonly RemoteDashcard[], wanted: readonly Dashcard[]): boolean {
  if (existing.length !== wanted.length || wanted.some((d) => d.id < 0)) return false;
  const key = (d: RemoteDashcard | Dashcard) => [d.id, d.card_id, d.row, d.col, d.size_x, d.size_y].join(':');
  const have = new Set(existing.map(key));
  return wanted.every((d) => have.has(key(d)));
}
