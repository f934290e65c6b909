/** limits/: what the wire's and the HTTP API's sign-in limiters share. */
export { FailureWindows } from './failure-windows.ts';
