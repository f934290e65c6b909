/**
 * migration/: moving a table between engines behind the gateway, verified by shadow runs (issue 11).
 * types.ts has the states; decide.ts the per-statement routing decision (pure); compare.ts digests and
 * compares results; store.ts keeps states, changes and comparisons in the ledger; registry.ts keeps the
 * states in memory on every instance (LISTEN/NOTIFY); shadow.ts runs sampled statements on both sides.
 */
export * from './types.ts';
export { decideMigration, draw, type DecisionContext, type MigrationDecision } from './decide.ts';
export { DigestBuilder, difference, type ResultDigest } from './compare.ts';
export { MigrationStore, MIGRATION_CHANNEL, type TableSummary } from './store.ts';
export { MigrationRegistry } from './registry.ts';
export { ShadowRunner, type OpenedSide, type ShadowJob, type ShadowOptions } from './shadow.ts';
