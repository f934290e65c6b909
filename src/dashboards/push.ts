import { MetabaseClient, MetabaseError } from './metabase-client.ts';
import {
  cardBody,
  cardMatches,
  dashcards,
  dashcardsMatch,
  databaseBody,
  databaseMatches,
  type GatewayConnection,
  type RemoteCard,
  type RemoteDashcard,
} from './payloads.ts';
import type { DashboardsSpec } from './spec.ts';

/**
 * `tollgate dashboards push`: makes a Metabase hold the database connection to tollgate, a collection, and
 * the cards and dashboards of the files, creating what is missing and updating what differs. Objects are
 * found by name (the database among databases, cards and dashboards inside the collection), so running it
 * again changes nothing. Cards or dashboards deleted from the files are left in Metabase: people may have
 * added their own to the collection, and push never removes what it cannot tell is its own.
 */

export interface PushOptions {
  metabaseUrl: string;
  apiKey: string;
  /** The database connection's name in Metabase. */
  databaseName: string;
  collectionName: string;
  gateway: GatewayConnection;
}

export type ObjectKind = 'database' | 'collection' | 'card' | 'dashboard';
export type Action = 'created' | 'updated' | 'unchanged';

export interface PushResult {
  kind: ObjectKind;
  name: string;
  id: number;
  action: Action;
}

interface Named {
  id: number;
  name: string;
  archived?: boolean;
  collection_id?: number | null;
}

interface RemoteDatabase extends Named {
  engine?: string;
  details?: Record<string, unknown>;
}

interface RemoteCollection extends Named {
  personal_owner_id?: number | null;
}

interface RemoteDashboard extends Named {
  description?: string | null;
  dashcards?: RemoteDashcard[];
  /** Before v0.47 the dashcards were called ordered_cards. */
  ordered_cards?: RemoteDashcard[];
}

function list<T>(answer: unknown, what: string): T[] {
  // GET /api/database answers {data: [...], total} in current versions (a plain array in old ones); the other lists are arrays.
  const items = Array.isArray(answer) ? answer : (answer as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(items)) throw new MetabaseError(`GET ${what} did not answer a list`);
  return items as T[];
}

function idOf(answer: unknown, what: string): number {
  const id = (answer as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new MetabaseError(`${what} answered no id`);
  return id;
}

export async function pushDashboards(spec: DashboardsSpec, opts: PushOptions): Promise<PushResult[]> {
  const mb = new MetabaseClient(opts.metabaseUrl, opts.apiKey);
  const results: PushResult[] = [];
  const record = (kind: ObjectKind, name: string, id: number, action: Action): number => {
    results.push({ kind, name, id, action });
    return id;
  };

  // The database connection.
  const databases = list<RemoteDatabase>(await mb.get('/api/database'), '/api/database');
  const db = databases.find((d) => d.name === opts.databaseName);
  const dbBody = databaseBody(opts.databaseName, opts.gateway);
  let databaseId: number;
  if (!db) {
    databaseId = record('database', opts.databaseName, idOf(await mb.post('/api/database', dbBody), 'POST /api/database'), 'created');
  } else if (!databaseMatches(db.details, opts.gateway) || db.engine !== 'postgres') {
    await mb.put(`/api/database/${db.id}`, dbBody);
    databaseId = record('database', db.name, db.id, 'updated');
  } else {
    databaseId = record('database', db.name, db.id, 'unchanged');
  }

  // The collection holding the cards and dashboards (not someone's personal collection of that name).
  const collections = list<RemoteCollection>(await mb.get('/api/collection'), '/api/collection');
  const coll = collections.find((c) => c.name === opts.collectionName && !c.archived && typeof c.id === 'number' && c.personal_owner_id == null);
  const collectionId = coll
    ? record('collection', coll.name, coll.id, 'unchanged')
    : record(
        'collection',
        opts.collectionName,
        idOf(await mb.post('/api/collection', { name: opts.collectionName, description: 'Dashboards over the tollgate ledger, kept by tollgate dashboards push.' }), 'POST /api/collection'),
        'created',
      );

  // Cards, by name inside the collection.
  const remoteCards = list<RemoteCard>(await mb.get('/api/card?f=all'), '/api/card').filter((c) => c.collection_id === collectionId && !c.archived);
  const cardIds = new Map<string, number>();
  for (const card of spec.cards) {
    const remote = remoteCards.find((c) => c.name === card.name);
    const body = cardBody(card, databaseId, collectionId);
    let id: number;
    if (!remote) id = record('card', card.name, idOf(await mb.post('/api/card', body), 'POST /api/card'), 'created');
    else if (cardMatches(remote, card, databaseId)) id = record('card', card.name, remote.id, 'unchanged');
    else {
      await mb.put(`/api/card/${remote.id}`, body);
      id = record('card', card.name, remote.id, 'updated');
    }
    cardIds.set(card.key, id);
  }

  // Dashboards, by name inside the collection; their cards placed with PUT /api/dashboard/:id dashcards.
  const remoteDashboards = list<RemoteDashboard>(await mb.get('/api/dashboard'), '/api/dashboard').filter((d) => d.collection_id === collectionId && !d.archived);
  for (const dash of spec.dashboards) {
    const found = remoteDashboards.find((d) => d.name === dash.name);
    const description = dash.description === '' ? null : dash.description;
    let id: number;
    let existing: RemoteDashcard[] = [];
    let sameDescription = false;
    if (found) {
      id = found.id;
      const full = await mb.get<RemoteDashboard>(`/api/dashboard/${id}`);
      existing = full.dashcards ?? full.ordered_cards ?? [];
      sameDescription = (full.description ?? null) === description;
    } else {
      id = idOf(await mb.post('/api/dashboard', { name: dash.name, description, collection_id: collectionId }), 'POST /api/dashboard');
    }
    const wanted = dashcards(dash, cardIds, existing);
    if (found && sameDescription && dashcardsMatch(existing, wanted)) {
      record('dashboard', dash.name, id, 'unchanged');
      continue;
    }
    await mb.put(`/api/dashboard/${id}`, { name: dash.name, description, collection_id: collectionId, dashcards: wanted });
    record('dashboard', dash.name, id, found ? 'updated' : 'created');
  }
  return results;
}
