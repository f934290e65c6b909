import { startGateway, type DemoProgress } from '../app/index.ts';
import { loadConfig, type ConfigOverrides } from '../config/index.ts';
import { createLogger, logProcessFaults } from '../log/index.ts';

/** Draws demo-data progress on a terminal; one line per step elsewhere. */
function progressPrinter(): (p: DemoProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastLine = '';
  return (p) => {
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
    const line = `generating demo data: ${p.table} ${p.step} ${pct}%`;
    if (tty) process.stderr.write(`\r${line.padEnd(72)}${p.done >= p.total && p.table === 'all' ? '\n' : ''}`);
    else if (line !== lastLine && (p.done === 0 || p.done >= p.total)) process.stderr.write(`${line}\n`);
    lastLine = line;
  };
}

export async function runServe(opts: { configPath: string; overrides: ConfigOverrides; logLevel?: string | undefined }): Promise<number> {
  const config = await loadConfig(opts.configPath, opts.overrides);
  const logger = createLogger({ level: opts.logLevel ?? config.logLevel });
  logProcessFaults(logger);
  const gateway = await startGateway(config, logger, { onDemoProgress: progressPrinter() });
  if (process.stderr.isTTY) process.stderr.write(`\ntollgate is ready: psql "host=${gateway.pgAddress.address} port=${gateway.pgAddress.port} dbname=${config.server.database} user=alice"\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      gateway.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  logger.info('stopped');
  return 0;
}
