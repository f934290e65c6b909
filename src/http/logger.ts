import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from '../log/index.ts';

interface RawRequest {
  method?: string;
  url?: string;
  socket?: { remoteAddress?: string };
}

/**
 * The HTTP logger: a child of the gateway's, whose request serializer names only method, URL and peer,
 * so no header (Authorization above all) is ever written; the redact list catches a header object
 * someone logs by hand anyway.
 */
export function httpLogger(logger: Logger): FastifyBaseLogger {
  return logger.child(
    { component: 'http' },
    {
      serializers: {
        req: (req: RawRequest) => ({ method: req.method, url: req.url, remoteAddress: req.socket?.remoteAddress }),
      },
      redact: {
        paths: ['authorization', 'headers.authorization', '*.headers.authorization', 'req.headers', 'request.headers', 'headers.cookie', '*.headers.cookie'],
        censor: '[redacted]',
      },
    },
  ) as FastifyBaseLogger;
}
