/**
 * wire/: the PostgreSQL frontend/backend protocol 3.0. The server owns sockets and TLS; each
 * connection is a WireSession that talks to the rest of tollgate through GatewayBackend.
 */
export { PgServer, slotOf, type ConnectionBalancer, type PgServerOptions } from './server.ts';
export { WireSession, SessionState, type Transport, type SessionOptions } from './session.ts';
export type * from './backend.ts';
export { createScramVerifier, verifyScramPassword, isScramVerifier } from './password.ts';
export { WireSignInLimiter, type SignInEvent, type WireSignInLimiterOptions } from './sign-in-limiter.ts';
