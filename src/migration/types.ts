/**
 * Moving a table from one engine to another behind the gateway (issue 11). A table served by two
 * engines can be given a migration state:
 * - old-only: every query reads it from the old engine;
 * - shadow: queries are answered by the old engine; a sample also runs on the new one in the background
 *   and the two results are compared (never shown to the client);
 * - canary: a percentage of queries, or the queries of chosen teams, are answered by the new engine;
 * - new-only: every query reads it from the new engine.
 * Rolling back is one state change.
 */
export type MigrationState = 'old-only' | 'shadow' | 'canary' | 'new-only';

export const MIGRATION_STATES: readonly MigrationState[] = ['old-only', 'shadow', 'canary', 'new-only'];

export interface TableMigration {
  schema: string;
  name: string;
  oldEngine: string;
  newEngine: string;
  state: MigrationState;
  /** canary: the share of queries (0-100) answered by the new engine. */
  canaryPercent: number;
  /** canary: teams whose queries always go to the new engine. */
  canaryTeams: string[];
  /** shadow: the share of queries (0-1) also run on the new engine. */
  shadowSampleRate: number;
  updatedAt: Date;
  updatedBy: string;
}

/** What a state change may set; the rest keeps its value (or its default for a new migration). */
export interface MigrationInput {
  oldEngine: string;
  newEngine: string;
  state: MigrationState;
  canaryPercent?: number;
  canaryTeams?: string[];
  shadowSampleRate?: number;
}

/** One shadow run: the same statement on both engines, compared. */
export interface Comparison {
  schema: string;
  name: string;
  statement: string;
  fingerprint: string;
  /** match, or why not: 'row count', 'column types', 'rows', 'new engine failed', 'too large'. */
  outcome: 'match' | 'mismatch' | 'error' | 'skipped';
  reason: string;
  old: SideResult;
  new: SideResult;
}

export interface SideResult {
  engine: string;
  rows: number | null;
  types: number[] | null;
  checksum: string | null;
  ms: number;
  estimatedBytes: number | null;
  cost: number | null;
  error: string | null;
}
