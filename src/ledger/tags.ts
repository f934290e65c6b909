/**
 * What a statement is tagged with in the ledger, so that shared service accounts can still be broken
 * down: the session's `tollgate.tag`, its application_name, and the comment Metabase puts at the head
 * of every query it runs (`-- Metabase:: userID: 12 queryType: MBQL queryHash: 3f…`).
 */
export interface StatementTags {
  tag?: string;
  application?: string;
  metabase?: { userId?: number; queryType?: string; queryHash?: string; dashboardId?: number; cardId?: number };
}

const METABASE_COMMENT = /^\s*--\s*Metabase::?([^\n]*)/;

export function metabaseTags(sql: string): StatementTags['metabase'] | undefined {
  const m = METABASE_COMMENT.exec(sql);
  if (!m) return undefined;
  const out: NonNullable<StatementTags['metabase']> = {};
  for (const [, key, value] of m[1]!.matchAll(/(\w+):\s*([^\s]+)/g)) {
    switch (key) {
      case 'userID':
        if (/^\d+$/.test(value!)) out.userId = Number(value);
        break;
      case 'queryType':
        out.queryType = value!;
        break;
      case 'queryHash':
        out.queryHash = value!;
        break;
      case 'dashboardID':
        if (/^\d+$/.test(value!)) out.dashboardId = Number(value);
        break;
      case 'cardID':
        if (/^\d+$/.test(value!)) out.cardId = Number(value);
        break;
    }
  }
  return out;
}

export function statementTags(sql: string, session: { tag: string; application: string }): StatementTags {
  const tags: StatementTags = {};
  if (session.tag !== '') tags.tag = session.tag;
  if (session.application !== '') tags.application = session.application;
  const metabase = metabaseTags(sql);
  if (metabase) tags.metabase = metabase;
  return tags;
}
