/** Several processes serving PostgreSQL connections (server.processes): the primary's side and the workers'. */
export { ServingProcesses, type ServingProcessesOptions } from './primary.ts';
export { PrimaryResults } from './shared-results.ts';
export { serveForPrimary, startMessage, tellPrimary, type WorkerGateway } from './worker.ts';
export { sumCacheMetrics, type FromWorker, type MetastoreAddress, type ToWorker, type WorkerQuestion, type WorkerStart } from './messages.ts';
