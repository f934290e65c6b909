import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one way to get a logger. Secrets never reach the log: the redact list names every field that
 * could carry a password or key, wherever it is nested.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? process.env.TOLLGATE_LOG_LEVEL ?? 'info',
    base: { service: 'tollgate' },
    redact: {
      paths: ['password', '*.password', '*.*.password', 'scramVerifier', '*.scramVerifier', 'key', '*.key', 'tls.key'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(opts, options.destination as never) : pino(opts);
}

/** A logger that drops everything; for unit tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * A driver bug must not take every session of a serving process down with it: an unhandled rejection
 * or an uncaught exception is logged loudly and the process keeps serving. For `tollgate serve` and
 * each serving worker.
 */
export function logProcessFaults(logger: Logger): void {
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
}
