export { build, type HttpDeps } from './app.ts';
export type { MigrationAdmin } from './routes/admin-migrations.ts';
