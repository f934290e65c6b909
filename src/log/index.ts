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
