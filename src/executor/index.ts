/** executor/: the gateway behind the wire: users, sessions, session statements, and the query path. */
export { Executor, type ExecutorDeps } from './backend.ts';
export { buildUserDirectory, type UserRecord } from './users.ts';
export { pgColumnNames } from './column-names.ts';
