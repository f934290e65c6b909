export { build, type HttpDeps } from './app.ts';
export type { MigrationAdmin } from './routes/admin-migrations.ts';
export type { CacheAdmin } from './routes/admin-cache.ts';
export type { MetricsSource } from './routes/metrics.ts';
