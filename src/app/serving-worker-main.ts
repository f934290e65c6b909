/**
 * A serving worker process (server.processes > 1), forked by the primary (serving/primary.ts). It waits
 * for the start message, builds a gateway without HTTP on the primary's metastore, tells the primary it
 * is ready, and then serves the connections the primary hands over until told to stop.
 */
import { isGatewayError } from '../errors/index.ts';
import { createLogger, logProcessFaults } from '../log/index.ts';
import { serveForPrimary, startMessage, tellPrimary } from '../serving/index.ts';
import { startServingWorker } from './gateway.ts';

const start = await startMessage();
const logger = createLogger({ level: start.logLevel }).child({ process: start.slot });
logProcessFaults(logger);
// The primary decides when this process stops (its own signal handling sends the stop message).
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
try {
  const gateway = await startServingWorker(start.config, logger, {
    slot: start.slot,
    slots: start.slots,
    metastore: start.metastore,
    mockAuthSecret: Buffer.from(start.mockAuthSecret, 'hex'),
  });
  serveForPrimary(gateway, logger, (code) => {
    process.exitCode = code;
    process.disconnect?.();
    // Everything is closed by now; a handle some driver left open must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  });
  tellPrimary({ type: 'ready' });
} catch (e) {
  logger.error({ err: e }, 'serving process did not start');
  tellPrimary({ type: 'failed', message: (e as Error).message, ...(isGatewayError(e) && e.code !== undefined && { code: e.code }), ...(isGatewayError(e) && e.hint !== undefined && { hint: e.hint }) });
  process.exitCode = 1;
  process.disconnect?.();
}
