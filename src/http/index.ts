export { build, type HttpDeps } from './app.ts';
