import type { ServedTables } from '../catalog/served-tables.ts';
import type { CacheCandidate } from '../cache/index.ts';
import type { RoutedQuery } from './query-router.ts';

/** Everything a statement's route and cache candidate depend on besides its text. */
export interface RepeatState {
  /** The session's settings generation (search_path, TimeZone, application_name, tollgate.engine...). */
  settings: number;
  served: ServedTables;
  /** The engines' health generation. */
  health: number;
  /** The user's team (the admin API may move a user while their session is open). */
  team: string;
}

/**
 * What a session worked out for its last statement without parameters: its route and its cache
 * candidate, kept while nothing they depend on changed. Dashboards and pgbench run the same text again
 * and again on a session; a cache hit then skips the analysis lookups, the route choice and the
 * candidate's construction, and hands the cache the same candidate object, whose derived facts
 * (normalized text, table set, key) decideCaching keeps with it.
 */
export class RepeatedStatement {
  private last: { sql: string; state: RepeatState; routed: RoutedQuery; candidate: CacheCandidate | undefined } | null = null;

  /** The route kept for `sql` if it was the last one routed in the same state. */
  routed(sql: string, state: RepeatState): RoutedQuery | undefined {
    const last = this.last;
    if (last === null || last.sql !== sql) return undefined;
    const s = last.state;
    return s.settings === state.settings && s.served === state.served && s.health === state.health && s.team === state.team ? last.routed : undefined;
  }

  remember(sql: string, state: RepeatState, routed: RoutedQuery): void {
    this.last = { sql, state, routed, candidate: undefined };
  }

  /** The candidate kept with `routed` (made by `make` the first time); made afresh for any other route. */
  candidate(routed: RoutedQuery, make: () => CacheCandidate): CacheCandidate {
    const last = this.last;
    if (last === null || last.routed !== routed) return make();
    return (last.candidate ??= make());
  }
}
