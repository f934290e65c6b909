import { readFileSync } from 'node:fs';

/** tollgate's own version, from package.json (read once at start). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What clients see as server_version: a PostgreSQL 15 they can talk to, and who is really answering. */
export const SERVER_VERSION = `15.0 (tollgate ${VERSION})`;
export const VERSION_STRING = `PostgreSQL 15.0 (tollgate ${VERSION}) on x86_64-pc-linux-gnu, compiled by tollgate, 64-bit`;
